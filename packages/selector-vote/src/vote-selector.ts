import {
  assertSelectorCandidates,
  NotFoundError,
  UnsupportedCapabilityError,
  type InstanceSandbox,
  type Patch,
  type PluginContext,
  type SelectorV1,
  type Workspace,
} from '@codemonkeys/protocol';
import { checkAgainstBaseTexts, readBaseTexts } from './base-application-check';
import { rankCandidates, type RankedCandidate } from './candidate-ranking';
import { pathsOfDiff } from './diff-files';

import { normalizePythonInSession, type AstNormalization } from './python-ast-normalization';
import { issueMentionsOf, issueVocabulary, type IssueMentions } from './issue-mentions';
import { runRegressionFilter, type RegressionOutcome } from './regression-filter';
import { changedLineBag, similarityScores } from './similarity-vote';
import { runTestVote, type TestVoteMatrix } from './test-vote';
import { normalizeDiffText, normalizedKeyOf } from './textual-normalization';
import type { VoteMode, VoteOptions, VoteTieBreak } from './vote-options';

/** One step of the ranking, in the order the steps rank: what it did, or why it did nothing. */
export interface SelectionStep {
  step: 'eligibility' | 'regression-filter' | 'test-vote' | 'consensus' | 'tie-break' | 'smaller-patch';
  status: 'applied' | 'skipped';
  detail: string;
}

/** What the vote selector records in the chosen patch's `metadata.selection`. */
export interface VoteSelectionMetadata {
  selector: 'vote';
  /** Index of the chosen candidate in the list given. */
  chosen: number;
  reasoning: string;
  /** The consensus step and the tie-break used (options `mode`, `tieBreak`). */
  mode: VoteMode;
  tieBreak: VoteTieBreak;
  /** Every step of the ranking (eligibility, regression filter, test vote, consensus, tie-break, smaller patch) with what it did or why not. */
  steps: SelectionStep[];
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
    /** Mean similarity to the other eligible candidates (mode `similarity`). */
    similarity?: number;
    /** Files and symbols of the candidate the issue names (tie-breaks `issue-files`, `issue-mentions`). */
    issueMentions?: IssueMentions;
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

/** The issue text of an instance, or why there is none (selection over bare predictions files has no task). */
async function problemStatementOf(context: PluginContext, instanceId: string): Promise<string | { reason: string }> {
  try {
    return (await context.task(instanceId)).problemStatement;
  } catch (error) {
    if (NotFoundError.isInstance(error) || UnsupportedCapabilityError.isInstance(error)) return { reason: (error as Error).message };
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
      } else if (options.checkApplies && workspace) {
        for (const [index, patch] of patches.entries()) {
          if (patch.diff.trim() === '') continue;
          const check = checkAgainstBaseTexts(patch.diff, baseTexts);
          applies[index] = check.applies;
          if (check.reason) notes[index]!.push(check.reason);
        }
      }
      const steps: SelectionStep[] = [];
      if (useAst) steps.push({ step: 'eligibility', status: 'applied', detail: 'each candidate applied in the sandbox at the base commit' });
      else if (options.checkApplies && workspace)
        steps.push({ step: 'eligibility', status: 'applied', detail: 'hunks checked against the base-commit files through the workspace' });
      else if (options.checkApplies)
        steps.push({
          step: 'eligibility',
          status: 'skipped',
          detail: `whether candidates apply is unknown: no sandbox and no workspace (${refusal?.message ?? 'none given'}); only empty candidates are ineligible`,
        });
      else steps.push({ step: 'eligibility', status: 'skipped', detail: 'checkApplies: false; only empty candidates are ineligible' });

      if (normalization === 'text') {
        // How a file was read matters only for a candidate that applies (the others never win).
        textual.forEach((normalized, index) => {
          if (applies[index] !== false) notes[index]!.unshift(...normalized.files.flatMap((file) => (file.note ? [`${file.path}: ${file.note}`] : [])));
        });
      }

      const runnable = patches.map((_, index) => index).filter((index) => keys[index] !== '' && applies[index] !== false);

      // 1. The regression filter: the repository's own tests related to the changed files.
      let regression: RegressionOutcome | undefined;
      if (!options.regressionFilter) steps.push({ step: 'regression-filter', status: 'skipped', detail: 'off (option regressionFilter not given)' });
      else if (!sandbox) {
        steps.push({ step: 'regression-filter', status: 'skipped', detail: 'no sandbox for this instance: nothing can run' });
        context.logger.warn(`selector-vote: the regression filter needs a sandbox and ${instanceId} has none; skipped`, { instanceId });
      } else if (!workspace) steps.push({ step: 'regression-filter', status: 'skipped', detail: `no workspace to find related tests in (${refusal?.message ?? 'none given'})` });
      else if (runnable.length < 2) steps.push({ step: 'regression-filter', status: 'skipped', detail: `${runnable.length} runnable candidate(s): nothing to filter` });
      else {
        regression = await runRegressionFilter({
          sandbox,
          workspace,
          diffs: patches.map((patch) => patch.diff),
          changedFiles: [...new Set(runnable.flatMap((index) => pathsOfDiff(patches[index]!.diff)))],
          runnable,
          settings: options.regressionFilter,
          signal: context.signal,
          ...(options.cache ? { cache: context.storage } : {}),
        });
        steps.push(
          regression.status === 'ran'
            ? {
                step: 'regression-filter',
                status: 'applied',
                detail:
                  `${regression.testFiles.length} test file(s) (${regression.testFiles.join(', ')}), ${regression.original?.passed ?? 0} test(s) passing at the base commit; ` +
                  `${regression.dropped.length} candidate(s) break some: ${regression.dropped.map((index) => `#${index}`).join(', ') || 'none'}` +
                  (regression.reason ? `; ${regression.reason}` : ''),
              }
            : { step: 'regression-filter', status: 'skipped', detail: regression.reason ?? 'nothing to compare' },
        );
      }

      // 2. The test vote: every candidate's generated tests on every candidate.
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
        steps.push({
          step: 'test-vote',
          status: 'applied',
          detail: `${outcome.matrix.tests.length} generated test(s) on ${runnable.length} candidate(s); votes ${testVotes.join(', ')}`,
        });
      } else
        steps.push({
          step: 'test-vote',
          status: 'skipped',
          detail:
            options.testVote === false
              ? 'off (testVote: false)'
              : !sandbox
                ? 'no sandbox for this instance'
                : !hasTests
                  ? 'no candidate carries generated tests'
                  : 'no runnable candidate',
        });

      // 3. Consensus: groups of equal patches, or each candidate's similarity to the others.
      const eligibleFlags = patches.map((_, index) => keys[index] !== '' && applies[index] !== false);
      const similarity =
        options.mode === 'similarity'
          ? similarityScores(
              textual.map((normalized) => changedLineBag(normalized.files)),
              eligibleFlags,
              keys,
            )
          : undefined;
      steps.push(
        options.mode === 'similarity'
          ? {
              step: 'consensus',
              status: 'applied',
              detail: `similarity vote over ${similarity!.compared.length} eligible candidate(s) (mean Dice similarity of normalized changed lines to the others)`,
            }
          : { step: 'consensus', status: 'applied', detail: 'patch vote: the largest group of equal normalized patches' },
      );

      // 4. Tie-break from the issue text (never anything else of the task).
      let mentions: Array<IssueMentions | undefined> = patches.map(() => undefined);
      if (options.tieBreak === 'smaller-patch') steps.push({ step: 'tie-break', status: 'skipped', detail: 'tieBreak: smaller-patch' });
      else {
        const issue = await problemStatementOf(context, instanceId);
        if (typeof issue !== 'string') steps.push({ step: 'tie-break', status: 'skipped', detail: `no issue text: ${issue.reason}` });
        else {
          const vocabulary = issueVocabulary(issue);
          mentions = patches.map((patch, index) => {
            if (!eligibleFlags[index]) return undefined;
            const found = issueMentionsOf(patch.diff, vocabulary);
            return options.tieBreak === 'issue-files' ? { files: found.files, symbols: [] } : found;
          });
          steps.push({
            step: 'tie-break',
            status: 'applied',
            detail: `${options.tieBreak}: mentions per candidate ${mentions.map((entry) => (entry ? entry.files.length + entry.symbols.length : '–')).join(', ')}`,
          });
        }
      }
      steps.push({ step: 'smaller-patch', status: 'applied', detail: 'fewest changed lines after normalization, then first seen' });

      const ranked: RankedCandidate[] = patches.map((_, index) => ({
        index,
        key: keys[index]!,
        changedLines: textual[index]!.changedLines,
        applies: applies[index],
        testVotes: testVotes[index]!,
        regressionFailures: regression?.failures[index] ?? 0,
        ...(similarity ? { similarity: similarity.scores[index]! } : {}),
        mentions: mentions[index] ? mentions[index].files.length + mentions[index].symbols.length : 0,
      }));
      const ranking = rankCandidates(ranked);
      const chosen = ranking.order[0]!;
      const group = ranking.groups[ranking.groupOf[chosen]!]!;
      const groupOrder = [...new Set(ranking.order.map((index) => ranking.groupOf[index]!))];
      const reasons: string[] = [];
      if (!group.eligible) reasons.push('no candidate both changes something and applies, so none is preferable; the first of the largest group is returned');
      else {
        if (regression?.status === 'ran') reasons.push(`${regression.failures[chosen]} new failure(s) in ${regression.testFiles.length} existing test file(s)`);
        if (testVote) reasons.push(`passes ${testVotes[chosen]} of ${testVote.tests.length} generated test(s) (best: ${Math.max(...testVotes)})`);
        reasons.push(
          `its normalized patch is shared by ${group.members.length} of ${patches.length} candidate(s) (${ranking.groups.filter((entry) => entry.eligible).length} distinct eligible change(s))`,
        );
        if (similarity) reasons.push(`mean similarity to the other candidates ${similarity.scores[chosen]!.toFixed(3)} (best: ${Math.max(...similarity.scores).toFixed(3)})`);
        if (mentions[chosen]) reasons.push(`touches ${mentions[chosen].files.length} file(s) and ${mentions[chosen].symbols.length} symbol(s) the issue names`);
        const tied = ranking.groups.filter((entry) => entry.eligible && entry.members.length === group.members.length).length;
        if (!testVote && !similarity && tied > 1)
          reasons.push(
            `tie among ${tied} group(s) broken by ${options.tieBreak === 'smaller-patch' ? '' : 'issue mentions, then '}fewest changed lines (${group.changedLines}), then first seen`,
          );
      }
      const metadata: VoteSelectionMetadata = {
        selector: 'vote',
        chosen,
        reasoning: `Candidate #${chosen}: ${reasons.join('; ')}.`,
        mode: options.mode,
        tieBreak: options.tieBreak,
        steps,
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
          ...(similarity ? { similarity: similarity.scores[candidate.index]! } : {}),
          ...(mentions[candidate.index] ? { issueMentions: mentions[candidate.index]! } : {}),
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
