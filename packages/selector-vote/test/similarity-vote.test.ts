import { describe, expect, it } from 'vitest';
import { instantiatePlugin, type Patch } from '@codemonkeys/protocol';
import { bareContext } from '../bench/predictions-ensemble';
import { changedLineBag, changedLineSimilarity, normalizeDiffText, similarityScores, votePlugin, type VoteSelectionMetadata } from '../src/index';

/** A one-hunk diff of `path` replacing `removed` lines by `added` lines (no context). */
const diffOf = (path: string, removed: string[], added: string[], at = 10): string =>
  [
    `diff --git a/${path} b/${path}`,
    `--- a/${path}`,
    `+++ b/${path}`,
    `@@ -${at},${removed.length} +${at},${added.length} @@`,
    ...removed.map((line) => `-${line}`),
    ...added.map((line) => `+${line}`),
    '',
  ].join('\n');
const bagOf = (diff: string): Map<string, number> => changedLineBag(normalizeDiffText(diff).files);
const patch = (diff: string, name: string): Patch => ({ instanceId: 'repo__pkg-1', diff, metadata: { name } });

describe('similarity of normalized changes', () => {
  it('is 1 for equal normalized changes, 0 for disjoint ones, and counts shared lines (Dice)', () => {
    const a = bagOf(diffOf('pkg/mod.py', ['    return x'], ['    return x + 1', '    # done']));
    const spaced = bagOf(diffOf('pkg/mod.py', ['    return  x'], ['    return x  +  1'], 40));
    expect(changedLineSimilarity(a, spaced)).toBe(1);
    expect(changedLineSimilarity(a, bagOf(diffOf('pkg/other.py', ['    return x'], ['    return x + 1'])))).toBe(0);
    // {-return x, +return x + 1} against {-return x, +return x - 1}: one of two lines each shared.
    expect(changedLineSimilarity(a, bagOf(diffOf('pkg/mod.py', ['    return x'], ['    return x - 1'])))).toBe(0.5);
    expect(changedLineSimilarity(new Map(), new Map())).toBe(0);
  });

  it('scores each eligible candidate by its mean similarity to the others (the medoid), ignoring ineligible ones', () => {
    const bags = [
      bagOf(diffOf('pkg/mod.py', ['a = 1'], ['a = 2'])),
      bagOf(diffOf('pkg/mod.py', ['a = 1'], ['a = 3'])),
      bagOf(diffOf('pkg/mod.py', ['a = 1'], ['a = 2', 'b = 3'])),
      bagOf(diffOf('pkg/far.py', ['z = 0'], ['z = 9'])),
      new Map<string, number>(),
    ];
    const { scores, compared } = similarityScores(bags, [true, true, true, true, false]);
    expect(compared).toEqual([0, 1, 2, 3]);
    // 0 shares half with 1 and 4/5 with 2: the centre. 3 shares nothing. 4 is not eligible.
    expect(scores[0]).toBeCloseTo((0.5 + 0.8 + 0) / 3, 12);
    expect(scores[0]).toBeGreaterThan(scores[2]!);
    expect(scores[2]).toBeGreaterThan(scores[1]!);
    expect(scores[3]).toBe(0);
    expect(scores[4]).toBe(0);
    expect(similarityScores([bags[0]!], [true]).scores).toEqual([0]);
  });
});

describe('vote modes and tie-breaks without a repository (bare predictions)', () => {
  // Three different changes: no two equal, so the patch vote falls back to the smallest; the medoid is the one in the middle.
  const centre = patch(diffOf('pkg/mod.py', ['    return a'], ['    value = a or default', '    return value', '    # centre']), 'centre');
  const left = patch(diffOf('pkg/mod.py', ['    return a'], ['    value = a or default', '    return value or 0']), 'left');
  const right = patch(diffOf('pkg/mod.py', ['    return a'], ['    value = a or default', '    return value', '    log(value)']), 'right');
  const small = patch(diffOf('pkg/util.py', ['x = 1'], ['x = 2']), 'small');

  it('with the default options (no workspace, no sandbox, no task) chooses by similarity and records why each step did or did not run', async () => {
    const selector = await instantiatePlugin(votePlugin, {}, bareContext());
    const chosen = await selector.run([small, left, centre, right], 'repo__pkg-1');
    const selection = chosen.metadata.selection as VoteSelectionMetadata;
    expect(selection.mode).toBe('similarity');
    expect(chosen.metadata.name).toBe('centre');
    expect(selection.candidates[2]!.similarity).toBeGreaterThan(selection.candidates[3]!.similarity!);
    expect(selection.candidates[0]!.similarity).toBe(0);
    expect(selection.reasoning).toContain('mean similarity to the other candidates');
    expect(selection.steps.map((step) => `${step.step}:${step.status}`)).toEqual([
      'eligibility:skipped',
      'regression-filter:skipped',
      'test-vote:skipped',
      'consensus:applied',
      'tie-break:skipped',
      'smaller-patch:applied',
    ]);
    expect(selection.steps[0]!.detail).toMatch(/whether candidates apply is unknown: no sandbox and no workspace \(.*does not support "workspace"/);
    expect(selection.candidates.every((candidate) => candidate.applies === null)).toBe(true);
    // The patch vote over the same candidates: all groups of one, so the smallest change wins.
    const patchVote = await (await instantiatePlugin(votePlugin, { mode: 'patch-vote' }, bareContext())).run([small, left, centre, right], 'repo__pkg-1');
    expect(patchVote.metadata.name).toBe('small');
  });

  it('the similarity vote still lets a majority of equal patches win', async () => {
    const selector = await instantiatePlugin(votePlugin, {}, bareContext());
    const chosen = await selector.run([left, centre, small, small, right], 'repo__pkg-1');
    // centre is close to left and right, but small has an exact twin: similarity 1 to one of four against centre's lower mean.
    const selection = chosen.metadata.selection as VoteSelectionMetadata;
    const best = Math.max(...selection.candidates.map((candidate) => candidate.similarity!));
    expect(selection.candidates[selection.chosen]!.similarity).toBe(best);
    expect(selection.candidates[2]!.similarity).toBe(selection.candidates[3]!.similarity);
  });

  it('a tie-break by the issue needs the issue text: without a task it is skipped with the reason, with one it prefers the file the issue names', async () => {
    const pkg = patch(diffOf('pkg/mod.py', ['x = 1'], ['x = 2']), 'mod');
    const util = patch(diffOf('pkg/util.py', ['x = 1'], ['x = 2']), 'util');
    const withoutTask = (await (await instantiatePlugin(votePlugin, { tieBreak: 'issue-files' }, bareContext())).run([pkg, util], 'repo__pkg-1')).metadata
      .selection as VoteSelectionMetadata;
    expect(withoutTask.steps.find((step) => step.step === 'tie-break')).toMatchObject({ status: 'skipped', detail: expect.stringContaining('no issue text') });
    expect(withoutTask.chosen).toBe(0);
    const issue = 'Calling `pkg.util.parse()` with an empty string raises; see pkg/util.py line 3.';
    const context = {
      ...bareContext(),
      task: async (instanceId: string) => ({ instanceId, repo: 'repo/pkg', baseCommit: 'a'.repeat(40), problemStatement: issue, hintsText: '' }),
    };
    const chosen = await (await instantiatePlugin(votePlugin, { tieBreak: 'issue-files' }, context)).run([pkg, util], 'repo__pkg-1');
    const selection = chosen.metadata.selection as VoteSelectionMetadata;
    expect(chosen.metadata.name).toBe('util');
    expect(selection.candidates[1]!.issueMentions).toEqual({ files: ['pkg/util.py'], symbols: [] });
    expect(selection.candidates[0]!.issueMentions).toEqual({ files: [], symbols: [] });
    expect(selection.steps.find((step) => step.step === 'tie-break')).toMatchObject({ status: 'applied' });
  });
});
