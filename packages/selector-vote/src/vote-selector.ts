import { assertSelectorCandidates, type InstanceSandbox, type Patch, type PluginContext, type SelectorV1 } from '@codemonkeys/protocol';
import parseDiff from 'parse-diff';
import { checkAgainstBase } from './base-application-check';
import { rankCandidates, type RankedCandidate } from './candidate-ranking';

import { normalizePythonInSession, type AstNormalization } from './python-ast-normalization';
import { runRegressionFilter, type RegressionOutcome } from './regression-filter';
import { runTestVote, type TestVoteMatrix } from './test-vote';
import { normalizeDiffText, normalizedKeyOf } from './textual-normalization';
import type { VoteOptions } from './vote-options';

/** What the vote selector records in the chosen patch's `metadata.selection`. */
export interface VoteSelectionMetadata {
  selector: 'vote';
  /** Index of the chosen candidate in the list given. */
  chosen: number;
  reasoning: string;
  normalization: 'ast' | 'text';
  /** Why the AST normalization was not used where it was asked for. */
  normalizationNote?: string;
  /** Groups of equal normalized candidates (indices), best first. */
  groups: Array<{ members: number[]; changedLines: number; eligible: boolean }>;
  candidates: Array<{ index: number; group: number; empty: boolean; applies: boolean | null; changedLines: number; testVotes: number; regressionFailures: number; notes?: string[] }>;
  /** Candidate indices, best first: the best `topK` for a later stage. */
  topK: number[];
  testVote?: TestVoteMatrix;
  regression?: RegressionOutcome;
  /** The vote makes no model call. */
  tokens: { input: number; output: number };
  wallTimeMs: number;
}

const pathsOf = (diff: string): string[] => {
  const paths = new Set<string>();
  for (const file of parseDiff(diff)) {
    for (const path of [file.from, file.to]) if (path && path !== '/dev/null') paths.add(path.replace(/^[ab]\//, ''));
  }
  return [...paths];
};

/**
 * Majority vote over normalized patches (Agentless), with CodeMonkeys' test vote and a regression
 * filter in front when a sandbox is at hand. See `rankCandidates` for the order of the criteria.
 */
export function createVoteSelector(options: VoteOptions, context: PluginContext): SelectorV1 {
  return {
    specificationVersion: 'v1',
    async run(patches: Patch[], instanceId: string): Promise<Patch> {
      assertSelectorCandidates('@codemonkeys/selector-vote', patches, instanceId);
      const started = Date.now();
      const sandbox: InstanceSandbox | undefined = options.normalization === 'text' && options.testVote === false && !options.regressionFilter ? undefined : context.sandbox(instanceId);
      if (options.normalization === 'ast' && !sandbox) {
        context.logger.warn(`selector-vote: normalization "ast" needs a sandbox and ${instanceId} has none; normalizing textually`, { instanceId });
      }
      const textual = patches.map((patch) => normalizeDiffText(patch.diff));
      const notes: string[][] = patches.map(() => []);
      const keys = textual.map((normalized) => normalizedKeyOf(normalized.files));
      const applies: Array<boolean | undefined> = patches.map(() => undefined);
      let normalization: 'ast' | 'text' = 'text';
      let normalizationNote: string | undefined;

      const useAst = sandbox !== undefined && options.normalization !== 'text';
      if (useAst) {
        normalization = 'ast';
        const seen = new Map<string, AstNormalization>();
        for (const [index, patch] of patches.entries()) {
          context.signal.throwIfAborted();
          if (patch.diff.trim() === '') continue;
          const paths = pathsOf(patch.diff);
          const pythonPaths = paths.filter((path) => /\.py$/.test(path));
          let result = seen.get(patch.diff);
          if (!result) {
            result = await sandbox.use((session) => normalizePythonInSession(session, patch.diff, pythonPaths));
            seen.set(patch.diff, result);
          }
          applies[index] = result.applies;
          if (result.status === 'not-applied') {
            notes[index]!.push('does not apply to the base commit');
            continue;
          }
          if (result.status === 'unavailable') {
            normalization = 'text';
            normalizationNote = `AST normalization unavailable in the sandbox (${result.reason}); textual normalization used`;
            continue;
          }
          // Python files that parse on both sides are compared by their AST; every other file textually.
          const entries: string[] = [];
          for (const file of textual[index]!.files) if (!pythonPaths.includes(file.path)) entries.push(normalizedKeyOf([file]));
          for (const path of pythonPaths) {
            const before = result.before[path];
            const after = result.after[path];
            const parsed = (hash: unknown): hash is string | null => hash === null || typeof hash === 'string';
            if (parsed(before) && parsed(after)) {
              if (before !== after) entries.push(`ast ${path} ${after ?? 'deleted'}`);
            } else {
              notes[index]!.push(`${path} does not parse after the patch; compared textually`);
              const file = textual[index]!.files.find((entry) => entry.path === path);
              if (file) entries.push(normalizedKeyOf([file]));
            }
          }
          keys[index] = entries.sort().join('\n');
        }
        // The AST key depends on every candidate being hashed; if the sandbox lacked python3, all fall back.
        if (normalization === 'text') patches.forEach((_, index) => (keys[index] = normalizedKeyOf(textual[index]!.files)));
      } else if (options.checkApplies) {
        const workspace = await context.workspace(instanceId);
        for (const [index, patch] of patches.entries()) {
          if (patch.diff.trim() === '') continue;
          const check = await checkAgainstBase(patch.diff, workspace);
          applies[index] = check.applies;
          if (check.reason) notes[index]!.push(check.reason);
        }
      }

      const runnable = patches.map((_, index) => index).filter((index) => keys[index] !== '' && applies[index] !== false);
      let testVotes = patches.map(() => 0);
      let testVote: TestVoteMatrix | undefined;
      const hasTests = patches.some((patch) => (patch.tests?.length ?? 0) > 0);
      if (options.testVote === true && !sandbox) {
        context.logger.warn(`selector-vote: testVote needs a sandbox and ${instanceId} has none; voting by patches only`, { instanceId });
      }
      if (sandbox && options.testVote !== false && hasTests && runnable.length > 0) {
        const outcome = await runTestVote({
          sandbox,
          patches,
          runnable,
          timeoutMs: options.testTimeoutMs,
          signal: context.signal,
          ...(options.cache ? { cache: context.storage } : {}),
        });
        testVotes = outcome.votes;
        testVote = outcome.matrix;
      }

      let regression: RegressionOutcome | undefined;
      if (options.regressionFilter && sandbox && runnable.length > 1) {
        regression = await runRegressionFilter({
          sandbox,
          workspace: await context.workspace(instanceId),
          diffs: patches.map((patch) => patch.diff),
          changedFiles: [...new Set(runnable.flatMap((index) => pathsOf(patches[index]!.diff)))],
          runnable,
          settings: options.regressionFilter,
        });
      } else if (options.regressionFilter && !sandbox) {
        context.logger.warn(`selector-vote: the regression filter needs a sandbox and ${instanceId} has none; skipped`, { instanceId });
      }

      const ranked: RankedCandidate[] = patches.map((_, index) => ({
        index,
        key: keys[index]!,
        changedLines: textual[index]!.changedLines,
        applies: applies[index],
        testVotes: testVotes[index]!,
        regressionFailures: regression?.failures[index] ?? 0,
      }));
      const ranking = rankCandidates(ranked);
      const chosen = ranking.order[0]!;
      const group = ranking.groups[ranking.groupOf[chosen]!]!;
      const groupOrder = [...new Set(ranking.order.map((index) => ranking.groupOf[index]!))];
      const reasons: string[] = [];
      if (!group.eligible) reasons.push('no candidate both changes something and applies, so none is preferable; the first of the largest group is returned');
      else {
        if (regression && regression.testFiles.length > 0) reasons.push(`${regression.failures[chosen]} new failure(s) in ${regression.testFiles.length} existing test file(s)`);
        if (testVote) reasons.push(`passes ${testVotes[chosen]} of ${testVote.tests.length} generated test(s) (best: ${Math.max(...testVotes)})`);
        reasons.push(`its normalized patch is shared by ${group.members.length} of ${patches.length} candidate(s) (${ranking.groups.filter((entry) => entry.eligible).length} distinct eligible change(s))`);
        const tied = ranking.groups.filter((entry) => entry.eligible && entry.members.length === group.members.length).length;
        if (!testVote && tied > 1) reasons.push(`tie among ${tied} group(s) broken by fewest changed lines (${group.changedLines}), then first seen`);
      }
      const metadata: VoteSelectionMetadata = {
        selector: 'vote',
        chosen,
        reasoning: `Candidate #${chosen}: ${reasons.join('; ')}.`,
        normalization,
        ...(normalizationNote ? { normalizationNote } : {}),
        groups: groupOrder.map((index) => ranking.groups[index]!),
        candidates: ranked.map((candidate) => ({
          index: candidate.index,
          group: groupOrder.indexOf(ranking.groupOf[candidate.index]!),
          empty: candidate.key === '',
          applies: candidate.applies ?? null,
          changedLines: candidate.changedLines,
          testVotes: candidate.testVotes,
          regressionFailures: candidate.regressionFailures,
          ...(notes[candidate.index]!.length > 0 ? { notes: notes[candidate.index]! } : {}),
        })),
        topK: ranking.order.slice(0, options.topK),
        ...(testVote ? { testVote } : {}),
        ...(regression ? { regression } : {}),
        tokens: { input: 0, output: 0 },
        wallTimeMs: Date.now() - started,
      };
      const winner = patches[chosen]!;
      return { ...winner, instanceId, metadata: { ...winner.metadata, selection: metadata } };
    },
  };
}
