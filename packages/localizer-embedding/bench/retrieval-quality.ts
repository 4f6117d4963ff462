import { createInMemoryWorkspace, renderContext, type Instance, type TokenCounter } from '@codemonkeys/core';
import { goldLinesByFile, outlinePython } from '@codemonkeys/swebench';
import { createCorpusBuilder } from '../src/chunking/corpus-builder';
import type { Corpus } from '../src/chunking/corpus';
import type { Embedder } from '../src/embedders/embedder';
import { EmbeddingLocalizerOptionsSchema, type EmbeddingLocalizerOptionsInput } from '../src/options/embedding-localizer-options';
import { localizeCorpus } from '../src/retrieval/localize-corpus';
import { memoizeTokenCounter } from '../src/retrieval/memoized-token-counter';
import { createLocalLexicalEmbedder } from '../src/embedders/local-lexical-embedder';
import { createWholeFileBm25 } from './whole-file-bm25';

export const budgets = [13_000, 27_000, 50_000] as const;
export const topFiles = [1, 5, 10] as const;

export interface MethodScores {
  /** Share of instances whose every gold file is shown, per budget. */
  allGoldInContext: number[];
  /** Share of instances with a gold file among the top n ranked files. */
  goldInTop: number[];
  /** Mean context tokens per budget. */
  meanTokens: number[];
}

export interface QualityRun {
  corpus: Corpus;
  instances: number;
  local: MethodScores;
  bm25: MethodScores;
  /** Per instance, for inspection: rank of the first gold file (local, bm25), 0-based, -1 when absent. */
  ranks: Array<{ instanceId: string; local: number; bm25: number }>;
}

/** Paths the gold patch edits (scored by file: line numbers of the Debian package differ from the base commit). */
export const goldFilesOf = (instance: Instance): string[] => goldLinesByFile(instance.patch).map((file) => file.oldPath ?? file.path);

export async function buildCorpus(files: Record<string, string>, options: EmbeddingLocalizerOptionsInput = {}): Promise<Corpus> {
  const parsed = EmbeddingLocalizerOptionsSchema.parse(options);
  const workspace = createInMemoryWorkspace({ instanceId: 'corpus', files, outline: (_path, content) => outlinePython(content) });
  return createCorpusBuilder({ chunking: parsed.chunking }).build(workspace);
}

const share = (hits: number, total: number): number => (total === 0 ? 0 : hits / total);

/**
 * Scores the local embedder and the whole-file BM25 baseline on the same corpus and the same queries:
 * the share of instances with every gold file in the rendered context at each budget, and with a gold
 * file among the top 1/5/10 files.
 */
export async function measureRetrievalQuality(
  corpus: Corpus,
  instances: readonly Instance[],
  countTokens: TokenCounter,
  options: EmbeddingLocalizerOptionsInput = {},
  embedder?: Embedder,
): Promise<QualityRun> {
  const parsed = EmbeddingLocalizerOptionsSchema.parse(options);
  const counter = memoizeTokenCounter(countTokens);
  const index = await (embedder ?? createLocalLexicalEmbedder(parsed.lexical)).index(corpus);
  const baseline = createWholeFileBm25(corpus.files.map((file) => ({ path: file.path, content: file.lines.join('\n') })));
  const linesByPath = new Map(corpus.files.map((file) => [file.path, file.lines]));
  const local = { context: budgets.map(() => 0), top: topFiles.map(() => 0), tokens: budgets.map(() => 0) };
  const bm25 = { context: budgets.map(() => 0), top: topFiles.map(() => 0), tokens: budgets.map(() => 0) };
  const ranks: QualityRun['ranks'] = [];
  for (const instance of instances) {
    const gold = goldFilesOf(instance);
    const query = parsed.useHints && instance.hintsText ? `${instance.problemStatement}\n\n${instance.hintsText}` : instance.problemStatement;
    const scores = await index.score({ text: query });
    let localRanking: string[] = [];
    for (const [position, budget] of budgets.entries()) {
      const result = await localizeCorpus(corpus, scores, { topK: parsed.topK, tokenBudget: budget, countTokens: counter });
      localRanking = result.rankedFiles.map((file) => file.path);
      const shown = new Set(result.pointers.map((pointer) => pointer.path));
      if (gold.every((path) => shown.has(path))) local.context[position]! += 1;
      local.tokens[position]! += result.tokens;
    }
    const bm25Ranking = baseline.rank(query).map((file) => corpus.files[file]!.path);
    for (const [position, budget] of budgets.entries()) {
      // Whole files in rank order through the same renderer and budget (the first file that does not fit is cut).
      const pointers = bm25Ranking.slice(0, 200).map((path) => ({ path, startLine: 1, endLine: Math.max(1, linesByPath.get(path)!.length) }));
      const rendered = await renderContext(pointers, { readFile: (path) => linesByPath.get(path)?.join('\n'), tokenBudget: budget, countTokens: counter });
      const shown = new Set(rendered.shown.map((pointer) => pointer.path));
      if (gold.every((path) => shown.has(path))) bm25.context[position]! += 1;
      bm25.tokens[position]! += rendered.tokens;
    }
    for (const [position, n] of topFiles.entries()) {
      if (localRanking.slice(0, n).some((path) => gold.includes(path))) local.top[position]! += 1;
      if (bm25Ranking.slice(0, n).some((path) => gold.includes(path))) bm25.top[position]! += 1;
    }
    ranks.push({
      instanceId: instance.instanceId,
      local: localRanking.findIndex((path) => gold.includes(path)),
      bm25: bm25Ranking.findIndex((path) => gold.includes(path)),
    });
  }
  const summarize = (method: typeof local): MethodScores => ({
    allGoldInContext: method.context.map((hits) => share(hits, instances.length)),
    goldInTop: method.top.map((hits) => share(hits, instances.length)),
    meanTokens: method.tokens.map((tokens) => tokens / Math.max(1, instances.length)),
  });
  return { corpus, instances: instances.length, local: summarize(local), bm25: summarize(bm25), ranks };
}

const percent = (value: number): string => `${(100 * value).toFixed(1)}%`;

/** A Markdown table of one run. */
export function formatQualityTable(title: string, run: QualityRun): string {
  const row = (name: string, scores: MethodScores): string =>
    `| ${name} | ${scores.allGoldInContext.map(percent).join(' | ')} | ${scores.goldInTop.map(percent).join(' | ')} |`;
  return [
    `${title}: ${run.instances} instances, ${run.corpus.statistics.filesScanned} files, ${run.corpus.statistics.lines} lines, ${run.corpus.statistics.chunks} chunks`,
    '',
    `| method | all gold files in context @13k | @27k | @50k | gold file in top 1 | top 5 | top 10 |`,
    `| --- | --- | --- | --- | --- | --- | --- |`,
    row('local embedder', run.local),
    row('BM25, whole files', run.bm25),
    `| local − BM25 (points) | ${run.local.allGoldInContext.map((value, index) => (100 * (value - run.bm25.allGoldInContext[index]!)).toFixed(1)).join(' | ')} | ${run.local.goldInTop.map((value, index) => (100 * (value - run.bm25.goldInTop[index]!)).toFixed(1)).join(' | ')} |`,
  ].join('\n');
}
