import { assertSelectorCandidates, type InstanceSandbox, type Patch, type PluginContext, type SelectorV1 } from '@codemonkeys/protocol';
import { byVotes, distinctContenders, voteByTests, type Contender, type PreparedContenders } from './contenders';
import { converse, openingMessages, type ConversationOptions, type ConversationResult, type ModelTestRun } from './conversation';
import { ModelExchange, type ExchangeTotals } from './model-exchange';
import { promptVersion } from './prompts/rank-prompts';
import type { RankOptions } from './rank-options';
import { runTournament, type TournamentMatch } from './tournament';

/** What the rank selector records in the chosen patch's `metadata.selection`. */
export interface RankSelectionMetadata {
  selector: 'rank';
  /** Index of the chosen candidate in the list given. */
  chosen: number;
  /** `model` (the model chose), `vote-fallback` (no usable answer: the vote winner), `only-candidate` (nothing to compare). */
  decidedBy: 'model' | 'vote-fallback' | 'only-candidate';
  mode: 'single-turn' | 'state-machine';
  /** The model's final answer, or why the vote decided. */
  reasoning: string;
  fallbackReason?: string;
  /** Distinct diffs: the candidate indices of each, test votes, whether it applies. */
  contenders: Array<{ id: number; members: number[]; empty: boolean; applies: boolean | null; votes: number }>;
  /** Contender ids shown to the model (after the topK prefilter), in the order shown. */
  compared: number[];
  testMatrix?: PreparedContenders['testMatrix'];
  /** Tests the model wrote and their results (state machine). */
  modelTests: ModelTestRun[];
  tournament?: TournamentMatch[];
  notes: string[];
  promptVersion: string;
  tokens: { input: number; output: number };
  modelCalls: number;
  cacheHits: number;
  costUsd: number;
  wallTimeMs: number;
}

/**
 * LLM selection (CodeMonkeys): distinct candidates, optionally narrowed to the best `topK` by the test
 * vote, are compared by the model in one prompt (single-turn), or with tests it writes and runs in the
 * sandbox (state machine), or in tournament rounds when they do not fit the context. An answer that
 * names no valid candidate is asked again once; then the vote winner is chosen and the reason recorded.
 */
export function createRankSelector(options: RankOptions, context: PluginContext): SelectorV1 {
  const model = options.modelRole ? context.modelFor(options.modelRole) : context.model;
  return {
    specificationVersion: 'v1',
    async run(patches: Patch[], instanceId: string): Promise<Patch> {
      assertSelectorCandidates('@codemonkeys/selector-rank', patches, instanceId);
      const started = Date.now();
      const notes: string[] = [];
      const exchange = new ModelExchange(
        model,
        { temperature: options.temperature, maxTokens: options.maxAnswerTokens, ...(options.model ? { model: options.model } : {}) },
        context.signal,
      );
      const sandbox: InstanceSandbox | undefined = context.sandbox(instanceId);
      const mode = options.mode === 'auto' ? (sandbox ? 'state-machine' : 'single-turn') : options.mode;
      if (mode === 'state-machine' && !sandbox) notes.push('state machine asked for, but the instance has no sandbox: the model chose without running tests');

      let prepared: PreparedContenders = { contenders: distinctContenders(patches) };
      const hasTests = patches.some((patch) => (patch.tests?.length ?? 0) > 0);
      if (sandbox && hasTests && prepared.contenders.some((contender) => !contender.empty)) {
        prepared = await voteByTests({
          contenders: prepared.contenders,
          patches,
          sandbox,
          timeoutMs: options.testTimeoutMs,
          signal: context.signal,
          ...(options.cache ? { cache: context.storage } : {}),
        });
      } else if (hasTests) notes.push('the candidates carry generated tests but there is no sandbox to run them: no test vote');
      const ranked = byVotes(prepared.contenders);
      const voteWinner = ranked[0]!;
      // Empty and non-applying candidates are never compared while another exists.
      let eligible = ranked.filter((contender) => !contender.empty && contender.applies !== false);
      // The pre-filter ranks by whatever signal exists: the test vote when tests ran, else identical copies
      // (pooled candidates of other systems carry no tests). With no signal at all it would keep an arbitrary
      // few, so every candidate goes on (to a tournament when they do not fit).
      if (options.topK !== undefined && eligible.length > options.topK) {
        const signal = prepared.testMatrix ? 'the test vote' : eligible.some((contender) => contender.members.length > 1) ? 'identical copies (no generated tests ran)' : undefined;
        if (signal) {
          notes.push(`top ${options.topK} of ${eligible.length} distinct candidates kept by ${signal}`);
          eligible = eligible.slice(0, options.topK);
        } else notes.push(`no signal to keep the top ${options.topK} by (no generated tests ran, no identical candidates): all ${eligible.length} compared`);
      }
      // The model sees candidates in the order they were given, not in vote order (no position hint).
      eligible.sort((left, right) => left.id - right.id);

      let chosen: Contender;
      let decidedBy: RankSelectionMetadata['decidedBy'];
      let reasoning: string;
      let fallbackReason: string | undefined;
      const modelTests: ModelTestRun[] = [];
      let tournament: TournamentMatch[] | undefined;

      if (eligible.length <= 1) {
        chosen = eligible[0] ?? voteWinner;
        decidedBy = 'only-candidate';
        reasoning =
          eligible.length === 1
            ? 'Only one distinct candidate changes something and applies: nothing to compare.'
            : 'No candidate changes something and applies: the first candidate is returned.';
      } else {
        const task = await context.task(instanceId);
        const conversation = (group: readonly Contender[], maxDiffChars?: number): ConversationOptions => ({
          task,
          contenders: group,
          exchange,
          ...(mode === 'state-machine' && sandbox ? { sandbox } : {}),
          maxAttempts: options.maxAttempts,
          showTestResults: options.showTestResults,
          ...(prepared.originalTestResults ? { originalTestResults: prepared.originalTestResults } : {}),
          testTimeoutMs: options.testTimeoutMs,
          maxTestOutputChars: options.maxTestOutputChars,
          ...(maxDiffChars ? { maxDiffChars } : {}),
          signal: context.signal,
        });
        const promptTokens = (group: readonly Contender[], maxDiffChars?: number): number =>
          openingMessages({ ...conversation(group, maxDiffChars), mayWriteTests: mode === 'state-machine' }).reduce(
            (sum, message) => sum + exchange.countTokens(message.content ?? ''),
            0,
          );
        let result: ConversationResult;
        if (promptTokens(eligible) <= options.maxPromptTokens) {
          result = await converse(conversation(eligible));
        } else {
          // Each match must fit: diffs that are still too long are cut (the cut is said in the prompt).
          const fits = (group: readonly Contender[]): number | undefined => {
            if (promptTokens(group) <= options.maxPromptTokens) return undefined;
            let limit = Math.max(...group.map((contender) => contender.diff.length));
            while (limit > 500 && promptTokens(group, limit) > options.maxPromptTokens) limit = Math.floor(limit * 0.7);
            notes.push(`diffs cut to ${limit} characters to fit ${options.maxPromptTokens} prompt tokens`);
            return limit;
          };
          notes.push(`${eligible.length} candidates do not fit ${options.maxPromptTokens} prompt tokens: tournament in groups of ${options.tournamentGroupSize}`);
          // Vote order for the draw: the strongest meet last.
          const outcome = await runTournament(byVotes(eligible), options.tournamentGroupSize, (group) => converse(conversation(group, fits(group))));
          tournament = outcome.matches;
          const final = outcome.results.at(-1)!;
          result = final.status === 'chosen' ? { ...final, contender: outcome.winner } : final;
          for (const match of outcome.results) modelTests.push(...match.tests);
        }
        if (!tournament) modelTests.push(...result.tests);
        if (result.status === 'chosen') {
          chosen = result.contender;
          decidedBy = 'model';
          reasoning = result.reasoning.slice(-6_000);
        } else {
          chosen = byVotes(eligible)[0]!;
          decidedBy = 'vote-fallback';
          fallbackReason = result.reason;
          reasoning = `The model gave no usable choice (${result.reason}); the vote winner is chosen: ${chosen.votes} generated test(s) passed, ${chosen.members.length} identical candidate(s), first seen.`;
          context.logger.warn(`selector-rank: ${instanceId}: ${result.reason}; falling back to the vote winner`, { instanceId });
        }
      }

      const totals: ExchangeTotals = exchange.totals;
      const metadata: RankSelectionMetadata = {
        selector: 'rank',
        chosen: chosen.members[0]!,
        decidedBy,
        mode,
        reasoning,
        ...(fallbackReason ? { fallbackReason } : {}),
        contenders: prepared.contenders.map((contender) => ({
          id: contender.id,
          members: contender.members,
          empty: contender.empty,
          applies: contender.applies ?? null,
          votes: contender.votes,
        })),
        compared: eligible.length > 1 ? eligible.map((contender) => contender.id) : [],
        ...(prepared.testMatrix ? { testMatrix: prepared.testMatrix } : {}),
        modelTests,
        ...(tournament ? { tournament } : {}),
        notes,
        promptVersion,
        tokens: { input: totals.inputTokens, output: totals.outputTokens },
        modelCalls: totals.calls,
        cacheHits: totals.cacheHits,
        costUsd: totals.costUsd,
        wallTimeMs: Date.now() - started,
      };
      const winner = patches[chosen.members[0]!]!;
      return { ...winner, instanceId, metadata: { ...winner.metadata, selection: metadata } };
    },
  };
}
