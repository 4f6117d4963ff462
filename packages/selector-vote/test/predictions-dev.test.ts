import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { describeWhenAvailable, locateSharedData, sharedDataDirectory } from '@codemonkeys/protocol/testkit';
import type { VoteSelectionMetadata } from '../src/index';
import { codebaseContentFiles } from '../bench/codebase-content';
import {
  baseCommitWorkspaces,
  ensembleOf,
  loadSystem,
  noChangeCandidates,
  scoreVote,
  tasksOf,
  textualVoteSelector,
  voteSelectorOf,
  type EnsembleInstance,
} from '../bench/predictions-ensemble';

const systems = ['20240402_sweagent_gpt4', '20240523_aider', '20240530_autocoderover-v20240408', '20240609_moatless_gpt4o'];
const data = locateSharedData(
  'swe-bench-lite.jsonl',
  ...systems.flatMap((system) => [`predictions-dev/${system}.jsonl`, `predictions-dev/${system}.resolved.json`]),
  ...codebaseContentFiles,
);

describeWhenAvailable('patch vote on real SWE-bench Lite predictions (predictions-dev)', data, () => {
  let ensemble: EnsembleInstance[];
  let base: Awaited<ReturnType<typeof baseCommitWorkspaces>>;
  beforeAll(async () => {
    const directory = path.dirname(data.paths[`predictions-dev/${systems[0]}.jsonl`]!);
    ensemble = ensembleOf(await Promise.all(systems.map((system) => loadSystem(directory, system))));
    base = await baseCommitWorkspaces(sharedDataDirectory(), ensemble);
  }, 120_000);

  it('chooses a candidate of each instance, never an empty one while a non-empty exists, and scores between random and the oracle', async () => {
    const selector = await textualVoteSelector();
    for (const instance of ensemble.filter((entry) => entry.candidates.length > 0)) {
      const chosen = await selector.run(
        instance.candidates.map((candidate) => ({ instanceId: instance.instanceId, diff: candidate.diff, metadata: {} })),
        instance.instanceId,
      );
      const selection = chosen.metadata.selection as VoteSelectionMetadata;
      expect(chosen.diff).toBe(instance.candidates[selection.chosen]!.diff);
      expect(selection.textBasis).toBe('diff');
      if (instance.candidates.some((candidate) => candidate.diff.trim() !== '')) expect(chosen.diff.trim(), instance.instanceId).not.toBe('');
    }
    const score = await scoreVote(ensemble, selector, systems);
    console.log(
      `patch vote ${(100 * score.vote).toFixed(1)}%, random ${(100 * score.random).toFixed(1)}%, oracle ${(100 * score.oracle).toFixed(1)}% over ${score.instances} instances`,
    );
    expect(score.instances).toBe(300);
    expect(score.oracle).toBeGreaterThanOrEqual(score.vote);
    expect(score.oracle).toBeGreaterThan(score.random);
    // Real systems do write the same fix in different spellings: the normalization must find some majorities.
    expect(score.majorities).toBeGreaterThan(0);
  }, 120_000);

  it('reads no resolving candidate as "no change", and from the diff alone never drops what the base text keeps', async () => {
    const candidates = ensemble.flatMap((instance) => instance.candidates);
    const nonEmpty = candidates.filter((candidate) => candidate.diff.trim() !== '').length;
    const fromDiff = noChangeCandidates(ensemble);
    const againstBase = noChangeCandidates(
      ensemble.filter((instance) => base.instanceIds.includes(instance.instanceId)),
      base.baseTextOf,
    );
    console.log(
      `no change after normalization: ${fromDiff.length} of ${nonEmpty} non-empty candidates from the diff alone ` +
        `(${fromDiff.map((candidate) => `${candidate.instanceId} ${candidate.system}`).join(', ')}); ` +
        `${againstBase.length} against the base text in the ${base.instanceIds.length} instances that have it`,
    );
    expect(base.instanceIds).toHaveLength(54);
    // A candidate that resolves its instance changes code; before issue 15's fix 14 resolving candidates (62 in all) read as none.
    expect(fromDiff.filter((candidate) => candidate.resolved)).toEqual([]);
    expect(againstBase.filter((candidate) => candidate.resolved)).toEqual([]);
    expect(fromDiff.length).toBeLessThanOrEqual(Math.floor(nonEmpty / 100));
    // The diff-alone reading drops a line only when every plausible reading does: where the exact reading finds a change, so does it.
    const exactNoChange = new Set(againstBase.map((candidate) => `${candidate.instanceId} ${candidate.system}`));
    for (const candidate of fromDiff.filter((entry) => base.instanceIds.includes(entry.instanceId)))
      expect(exactNoChange, `${candidate.instanceId} ${candidate.system}`).toContain(`${candidate.instanceId} ${candidate.system}`);
  });

  it('reads the candidates of instances with base-commit files against them in the vote', async () => {
    const selector = await textualVoteSelector(base.workspaceOf);
    let ineligible = 0;
    for (const instanceId of base.instanceIds) {
      const instance = ensemble.find((entry) => entry.instanceId === instanceId)!;
      if (instance.candidates.length === 0) continue;
      const chosen = await selector.run(
        instance.candidates.map((candidate) => ({ instanceId, diff: candidate.diff, metadata: {} })),
        instanceId,
      );
      const selection = chosen.metadata.selection as VoteSelectionMetadata;
      expect(selection.textBasis).toBe('base-commit');
      ineligible += selection.candidates.filter((candidate) => candidate.empty && instance.candidates[candidate.index]!.diff.trim() !== '').length;
    }
    expect(ineligible).toBe(
      noChangeCandidates(
        ensemble.filter((instance) => base.instanceIds.includes(instance.instanceId)),
        base.baseTextOf,
      ).length,
    );
    const score = await scoreVote(ensemble, selector, systems);
    console.log(`patch vote with base-commit files for ${base.instanceIds.length} instances: ${(100 * score.vote).toFixed(1)}% over ${score.instances} instances`);
    expect(score.oracle).toBeGreaterThanOrEqual(score.vote);
  }, 120_000);

  it('the offline modes as measured: the similarity vote (default) above the patch vote, between random and the oracle; the issue-files tie-break over the gold-free tasks of the dataset', async () => {
    const taskOf = await tasksOf(data.paths['swe-bench-lite.jsonl']!);
    const defaults = await scoreVote(ensemble, await voteSelectorOf({}), systems);
    const patchVote = await scoreVote(ensemble, await voteSelectorOf({ mode: 'patch-vote' }), systems);
    const issueFiles = await scoreVote(ensemble, await voteSelectorOf({ mode: 'patch-vote', tieBreak: 'issue-files' }, taskOf), systems);
    console.log(
      `similarity ${defaults.resolved}/300, patch vote ${patchVote.resolved}/300, patch vote + issue files ${issueFiles.resolved}/300; ` +
        `random ${(300 * defaults.random).toFixed(1)}, best system ${(300 * defaults.bestSystem).toFixed(0)}, oracle ${(300 * defaults.oracle).toFixed(0)}`,
    );
    // The figures of the README (2026-12-07); a change of the vote that moves them must update both.
    expect(patchVote.resolved).toBe(71);
    expect(defaults.resolved).toBe(78);
    expect(issueFiles.resolved).toBe(70);
    expect(defaults.vote).toBeGreaterThan(patchVote.vote);
    expect(defaults.vote).toBeGreaterThan(defaults.random);
    expect(defaults.oracle).toBeGreaterThanOrEqual(defaults.vote);
  }, 120_000);
});
