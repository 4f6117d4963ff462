import { assertSelectorCandidates, UnsupportedCapabilityError, type InstanceSandbox, type Patch, type PluginContext, type SelectorV1, type Workspace } from '@codemonkeys/protocol';
import { checkAgainstBaseTexts, readBaseTexts } from './base-application-check';
import { rankCandidates, type RankedCandidate } from './candidate-ranking';
import { pathsOfDiff } from './diff-files';

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
  /**
   * What the textual normalization read: `base-commit` = each changed file before and after the patch,
   * through the workspace (files a diff does not apply to are read from their hunks); `diff` = the diffs
   * alone (no workspace).
   */
  textBasis: 'base-commit' | 'diff';
  /** Groups of equal normalized candidates (indices), best first. */
  groups: Array<{ members: number[]; changedLines: number; eligible: boolean }>;
  candidates: Array<{
    index: number;
    group: number;
    empty: boolean;
    applies: boolean | null;
    changedLines: number;
    testVotes: number;
    regressionFailures: number;
    notes?: string[];
  }>;
  /** Candidate indices, best first: the best `topK` for a later stage. */
  topK: number[];
  testVote?: TestVoteMatrix;
  regression?: RegressionOutcome;
  /** The vote makes no model call. */
  tokens: { input: number; output: number };
  wallTimeMs: number;
}

/** The instance's workspace, or the context's refusal when it has none (selection over bare predictions files). */
async function workspaceOf(context: PluginContext, instanceId: string): Promise<{ workspace: Workspace; refusal?: undefined } | { workspace?: undefined; refusal: Error }> {
  try {
    return { workspace: await context.workspace(instanceId) };
  } catch (error) {
    if (UnsupportedCapabilityError.isInstance(error)) return { refusal: error };
    throw error;
  }
}

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
      const sandbox: InstanceSandbox | undefined =
        options.normalization === 'text' && options.testVote === false && !options.regressionFilter ? undefined : context.sandbox(instanceId);
      if (options.normalization === 'ast' && !sandbox) {
        context.logger.warn(`selector-vote: normalization "ast" needs a sandbox and ${instanceId} has none; normalizing textually`, { instanceId });
      }
      // The textual normalization reads each file in the context of its base text when the workspace has it.
      const { workspace, refusal } = await workspaceOf(context, instanceId);
      const baseTexts = workspace
        ? await readBaseTexts(
            patches.map((patch) => patch.diff),
            workspace,
          )
        : new Map<string, string | undefined>();
      const textual = patches.map((patch) => normalizeDiffText(patch.diff, workspace ? { baseText: (path) => baseTexts.get(path) } : {}));
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
          const paths = pathsOfDiff(patch.diff);
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
        // Without a workspace the check cannot run: the context's refusal is thrown (checkApplies: false says to do without).
        if (!workspace) throw refusal;
        for (const [index, patch] of patches.entries()) {
          if (patch.diff.trim() === '') continue;
          const check = checkAgainstBaseTexts(patch.diff, baseTexts);
          applies[index] = check.applies;
          if (check.reason) notes[index]!.push(check.reason);
        }
      }

      if (normalization === 'text') {
        // How a file was read matters only for a candidate that applies (the others never win).
        textual.forEach((normalized, index) => {
          if (applies[index] !== false) notes[index]!.unshift(...normalized.files.flatMap((file) => (file.note ? [`${file.path}: ${file.note}`] : [])));
        });
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
          workspace: workspace ?? (await context.workspace(instanceId)),
          diffs: patches.map((patch) => patch.diff),
          changedFiles: [...new Set(runnable.flatMap((index) => pathsOfDiff(patches[index]!.diff)))],
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
        reasons.push(
          `its normalized patch is shared by ${group.members.length} of ${patches.length} candidate(s) (${ranking.groups.filter((entry) => entry.eligible).length} distinct eligible change(s))`,
        );
        const tied = ranking.groups.filter((entry) => entry.eligible && entry.members.length === group.members.length).length;
        if (!testVote && tied > 1) reasons.push(`tie among ${tied} group(s) broken by fewest changed lines (${group.changedLines}), then first seen`);
      }
      const metadata: VoteSelectionMetadata = {
        selector: 'vote',
        chosen,
        reasoning: `Candidate #${chosen}: ${reasons.join('; ')}.`,
        normalization,
        ...(normalizationNote ? { normalizationNote } : {}),
        textBasis: workspace ? 'base-commit' : 'diff',
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
