import picomatch from 'picomatch';
import { renderContext, addExchangeCost, createSourceFileFilter, emptyExchangeCost, localizationOutput, withFollowedSignal, type ExchangeCost } from '@codemonkeys/plugin-kit';
import { type CodePointer, type LocalizationResult, type LocalizerV1, type PluginContext } from '@codemonkeys/protocol';
import pMap from 'p-map';
import { createFileJudge } from './file-judge';
import { runRankings } from './file-ranker';
import { mergeRankings, type MergedRank } from './merge-rankings';
import { packageMeta } from './package-meta';
import { promptVersion } from './prompts/prompt-version';
import { RelevanceLocalizationError } from './relevance-localization-error';
import type { FileJudgmentRecord, RankedFileRecord, RankingRecord, RelevanceMetadata } from './relevance-metadata';
import type { RelevanceOptions } from './relevance-options';

const endpointHint =
  'Check that the judge endpoint is reachable and its model name is right, then run the instance again (a resumed run retries it; judgments already made are cached).';

function lineCountOf(content: string): number {
  const lines = content.split('\n');
  if (lines.at(-1) === '' && lines.length > 1) lines.pop();
  return lines.length;
}

/**
 * CodeMonkeys' context stage as a Localizer: every candidate source file is judged relevant or not (with a
 * summary) by a cheap model, concurrently; a stronger model ranks the relevant files `rankings` times;
 * the rankings are merged by mean relative rank, and whole files are added in that order while they fit
 * the token budget.
 *
 * Failures: a file whose judgment fails is recorded and left out; if no judgment succeeds because the
 * endpoint fails, the stage fails with RelevanceLocalizationError. A failed ranking is recorded and the
 * others are merged; when all fail, the relevant files keep path order (metadata `order: 'path-order'`).
 */
export class RelevanceLocalizer implements LocalizerV1 {
  readonly specificationVersion = 'v1' as const;

  constructor(
    private readonly options: RelevanceOptions,
    private readonly context: PluginContext,
  ) {}

  async run(instanceId: string): Promise<LocalizationResult> {
    // Every judgment in flight listens to the signal: give them a signal of their own.
    return withFollowedSignal(this.context.signal, this.options.concurrency + this.options.rankings + 8, (signal) => this.localize(instanceId, signal));
  }

  private async localize(instanceId: string, signal: AbortSignal): Promise<LocalizationResult> {
    const { options, context } = this;
    const fetched = await context.task(instanceId);
    // Hints (comments before the fix) only when asked for; they are also part of the judgment cache key.
    const task = options.useHints ? fetched : { ...fetched, hintsText: '' };
    const workspace = await context.workspace(instanceId);
    const judgeModel = context.modelFor(options.judgeRole);
    const rankerModel = context.modelFor(options.rankerRole);
    // Context tokens are counted as the stage's model (the one that will read the context) counts them.
    const countTokens = (text: string): number => context.model.countTokens(text);
    const contents = new Map<string, string>();
    const readFile = async (path: string): Promise<string> => {
      const known = contents.get(path);
      if (known !== undefined) return known;
      const content = await workspace.readFile(path);
      contents.set(path, content);
      return content;
    };

    const allFiles = await workspace.listFiles();
    const candidates = allFiles.filter(createSourceFileFilter({ ...options, compileGlobs: (globs) => picomatch([...globs], { dot: true }) }));
    if (candidates.length === 0) {
      throw new RelevanceLocalizationError({
        instanceId,
        reason: `none of the repository's ${allFiles.length} files matches include ${JSON.stringify(options.include)} once tests, docs and exclude are left out`,
        hint: 'Set the include option to the source files of this repository (e.g. ["**/*.js"]).',
      });
    }

    const judge = createFileJudge({ task, readFile, model: judgeModel, settings: options, storage: context.storage, logger: context.logger, signal });
    const judgments: FileJudgmentRecord[] = await pMap(candidates, (path) => judge.judge(path), { concurrency: options.concurrency, signal });
    const relevant = judgments.filter((judgment) => judgment.status === 'relevant');
    const failed = judgments.filter((judgment) => judgment.status === 'failed');
    const succeeded = judgments.filter((judgment) => judgment.status === 'relevant' || judgment.status === 'irrelevant');
    if (succeeded.length === 0 && failed.some((judgment) => judgment.failure === 'endpoint')) {
      const first = failed.find((judgment) => judgment.failure === 'endpoint')!;
      throw new RelevanceLocalizationError({ instanceId, reason: `all ${failed.length} judgment calls failed (first: ${first.error})`, hint: endpointHint });
    }
    if (failed.length > 0) context.logger.warn('relevance: some judgments failed; those files are left out', { instanceId, failed: failed.length });

    const tokens = new Map<string, number>();
    for (const judgment of relevant) {
      const rendered = await renderContext([{ path: judgment.path, startLine: 1, endLine: lineCountOf(await readFile(judgment.path)) }], { readFile, countTokens });
      tokens.set(judgment.path, rendered.tokens);
    }

    let rankings: RankingRecord[] = [];
    let order: RelevanceMetadata['order'] = 'none';
    let merged: MergedRank[] = [];
    if (relevant.length === 1) {
      order = 'single-file';
      merged = [{ path: relevant[0]!.path, meanRelativeRank: 0, listedIn: 0 }];
    } else if (relevant.length > 1) {
      rankings = await runRankings({
        task,
        files: relevant.map((judgment) => ({ path: judgment.path, tokens: tokens.get(judgment.path)!, summary: judgment.summary! })),
        model: rankerModel,
        settings: options,
        storage: context.storage,
        logger: context.logger,
        signal,
      });
      const usable = rankings.filter((ranking) => ranking.status !== 'failed').map((ranking) => ranking.ranking);
      order = usable.length > 0 ? 'merged' : 'path-order';
      merged = mergeRankings(
        relevant.map((judgment) => judgment.path),
        usable,
      );
    }

    // Whole files in rank order while they fit; a file too large is skipped and smaller later ones still go in.
    const ranked: RankedFileRecord[] = [];
    const filesOverBudget: string[] = [];
    let used = 0;
    for (const rank of merged) {
      const fileTokens = tokens.get(rank.path)!;
      const included = used + fileTokens <= options.tokenBudget;
      if (included) used += fileTokens;
      else filesOverBudget.push(rank.path);
      ranked.push({ ...rank, tokens: fileTokens, included });
    }
    const pointers: CodePointer[] = [];
    for (const rank of ranked.filter((entry) => entry.included)) {
      pointers.push({ path: rank.path, startLine: 1, endLine: lineCountOf(await readFile(rank.path)), kind: 'file', score: 1 - rank.meanRelativeRank });
    }

    const judgeCost = judgments.reduce<ExchangeCost>((sum, judgment) => addExchangeCost(sum, judgment), emptyExchangeCost());
    const rankerCost = rankings.reduce<ExchangeCost>((sum, ranking) => addExchangeCost(sum, ranking), emptyExchangeCost());
    const total = addExchangeCost(judgeCost, rankerCost);
    const metadata: RelevanceMetadata = {
      plugin: { ...packageMeta },
      promptVersion,
      status: failed.length > 0 || order === 'path-order' ? 'partial' : 'complete',
      judge: { endpoint: judgeModel.endpoint, model: options.judgeModel ?? judgeModel.defaultModel },
      ranker: { endpoint: rankerModel.endpoint, model: options.rankerModel ?? rankerModel.defaultModel },
      candidates: candidates.length,
      counts: {
        relevant: relevant.length,
        irrelevant: judgments.filter((judgment) => judgment.status === 'irrelevant').length,
        failed: failed.length,
        skipped: judgments.filter((judgment) => judgment.status === 'skipped').length,
        cached: judgments.filter((judgment) => judgment.cached).length,
      },
      judgments,
      rankings,
      order,
      ranked,
      context: { tokenBudget: options.tokenBudget, tokens: used, files: pointers.length, filesOverBudget },
      total: { judge: judgeCost, ranker: rankerCost, calls: total.calls, usage: total.usage, costUsd: total.costUsd },
    };
    const output = await localizationOutput(pointers, { output: options.output, readFile, countTokens, tokenBudget: options.tokenBudget });
    if (output.rendered) metadata.rendered = { tokens: output.rendered.tokens, lines: output.rendered.lines };
    return { content: output.content, metadata: metadata as unknown as Record<string, unknown> };
  }
}

/** Creates the relevance localizer on a plugin context (the plugin's `create`). */
export function createRelevanceLocalizer(options: RelevanceOptions, context: PluginContext): RelevanceLocalizer {
  return new RelevanceLocalizer(options, context);
}
