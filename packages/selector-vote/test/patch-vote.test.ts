import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidCandidatesError, type VoteSelectionMetadata } from '../src/index';
import { createVoteHarness, type VoteHarness } from './support/vote-harness';

let harness: VoteHarness;
beforeAll(async () => {
  harness = await createVoteHarness();
});
afterAll(() => harness?.close());

const selectionOf = (metadata: Record<string, unknown>): VoteSelectionMetadata => metadata.selection as VoteSelectionMetadata;

describe('patch vote without a sandbox (textual normalization)', () => {
  it('picks the majority fix although its three candidates differ in whitespace, comments and docstrings', async () => {
    const c = await harness.candidates();
    // Two copies of the regression and one of each other wrong answer: the fix (3 spellings) is the majority.
    const patches = [c.regression!, c['no-fix']!, c.fixCommented!, c.regression!, c.empty!, c.fixDocumented!, c['not-applying']!, c.fixPlain!];
    const selector = await harness.selector();
    const chosen = await selector.run(patches, harness.instanceId);
    expect(chosen.diff).toBe(c.fixCommented!.diff);
    const selection = selectionOf(chosen.metadata);
    expect(selection.chosen).toBe(2);
    expect(selection.normalization).toBe('text');
    // The workspace has the base commit: every candidate's files are read against it.
    expect(selection.textBasis).toBe('base-commit');
    expect(selection.groups[0]).toMatchObject({ members: [2, 5, 7], eligible: true });
    expect(selection.groups.find((group) => group.members.includes(0))).toMatchObject({ members: [0, 3] });
    expect(selection.candidates[6]).toMatchObject({ applies: false });
    expect(selection.candidates[4]).toMatchObject({ empty: true });
    expect(selection.topK).toEqual([2, 5, 7]);
    expect(selection.reasoning).toContain('shared by 3 of 8');
    expect(chosen.metadata.name).toBe('fixCommented');
    expect(harness.server.requestCount()).toBe(0);
  });

  it('breaks a tie between equally large groups by fewest changed lines, then by first seen', async () => {
    const c = await harness.candidates();
    const selector = await harness.selector();
    // gold changes 4 lines, fixPlain 2 lines: both are groups of one.
    expect((await selector.run([c.gold!, c.fixPlain!], harness.instanceId)).diff).toBe(c.fixPlain!.diff);
    expect((await selector.run([c.fixPlain!, c.gold!], harness.instanceId)).diff).toBe(c.fixPlain!.diff);
    // Equal normalized changes (a group of two): the first seen represents the group.
    const tied = await selector.run([c.fixDocumented!, c.fixPlain!], harness.instanceId);
    expect(tied.diff).toBe(c.fixDocumented!.diff);
  });

  it('never lets an empty or non-applying candidate win while another exists', async () => {
    const c = await harness.candidates();
    const selector = await harness.selector();
    const chosen = await selector.run([c.empty!, c['not-applying']!, c.empty!, c['not-applying']!, c.regression!], harness.instanceId);
    expect(chosen.metadata.name).toBe('regression');
    expect(selectionOf(chosen.metadata).candidates[1]).toMatchObject({ applies: false, notes: [expect.stringContaining('does not match the base commit')] });
    // Only non-applying and empty candidates: the first of the largest group is returned, and the metadata says so.
    const fallback = await selector.run([c.empty!, c['not-applying']!], harness.instanceId);
    expect(fallback.metadata.name).toBe('empty');
    expect(selectionOf(fallback.metadata).reasoning).toContain('no candidate both changes something and applies');
  });

  it('treats a candidate that only changes comments as empty', async () => {
    const c = await harness.candidates();
    const selector = await harness.selector();
    const commentOnly = { ...c['no-fix']!, diff: c['no-fix']!.diff.replace(/in order, as they appear\./, 'in order, as they appear.') };
    const chosen = await selector.run([commentOnly, commentOnly, c.fixPlain!], harness.instanceId);
    // no-fix only rewrites a docstring: two copies of it still lose to one real change.
    expect(chosen.metadata.name).toBe('fixPlain');
    expect(selectionOf(chosen.metadata).candidates[0]).toMatchObject({ empty: true });
  });

  it('refuses no candidates and candidates of another instance with a clear error', async () => {
    const c = await harness.candidates();
    const selector = await harness.selector();
    await expect(selector.run([], harness.instanceId)).rejects.toSatisfy((error) => InvalidCandidatesError.isInstance(error) && /got no candidate/.test((error as Error).message));
    await expect(selector.run([{ ...c.gold!, instanceId: 'other__repo-1' }], harness.instanceId)).rejects.toThrow(/belong to another instance/);
  });

  it('refuses unknown and invalid options, listing the zod issues', async () => {
    await expect(harness.selector({ normalisation: 'text' } as never)).rejects.toThrow(/normalisation/);
    await expect(harness.selector({ topK: 0 })).rejects.toThrow(/topK/);
  });

  it('works without the base commit check (ensembles from predictions files, no repository)', async () => {
    const c = await harness.candidates();
    const selector = await harness.selector({ checkApplies: false, normalization: 'text' });
    const chosen = await selector.run([c['not-applying']!, c.fixPlain!], harness.instanceId);
    // Without any check a non-applying candidate is not known to be one: the tie (two changed lines each) goes to the first seen.
    expect(selectionOf(chosen.metadata).candidates.every((candidate) => candidate.applies === null)).toBe(true);
    expect(chosen.metadata.name).toBe('not-applying');
    const checked = await (await harness.selector({ normalization: 'text' })).run([c['not-applying']!, c.fixPlain!], harness.instanceId);
    expect(checked.metadata.name).toBe('fixPlain');
  });
});
