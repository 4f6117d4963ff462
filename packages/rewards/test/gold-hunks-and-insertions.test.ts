import { describe, expect, it } from 'vitest';
import { createInMemoryWorkspace } from '@codemonkeys/protocol/testkit';
import { computeLocalizationRewards, goldFileRanks, goldLocalizationOf, localizationLineRewards } from '../src/index';
import { multiFileGold } from './support/hand-checked';

const shown = (entries: Record<string, number[]>): Map<string, Set<number>> => new Map(Object.entries(entries).map(([path, lines]) => [path, new Set(lines)]));

/** Two functions separated by blank lines 3-4; line 6 is the end of the file. */
const twoFunctions = 'def a():\n    return 1\n\n\ndef b():\n    return 2\n';
/** Inserts a function on blank line 3 (between `a` and `b`): an insertion point on a blank line. */
const insertBetweenFunctions = ['diff --git a/m.py b/m.py', '--- a/m.py', '+++ b/m.py', '@@ -2,3 +2,6 @@', '     return 1', ' ', '+def c():', '+    return 3', '+', ' ', ''].join(
  '\n',
);

describe('gold hunks', () => {
  it('lists each hunk of a base file with its lines of G, and the insertion-only lines', () => {
    const gold = goldLocalizationOf(multiFileGold);
    expect(gold.hunks).toEqual([
      { path: 'pkg/a.py', lines: [3] },
      { path: 'pkg/a.py', lines: [7] },
      { path: 'pkg/b.py', lines: [1, 2] },
    ]);
    expect(Object.fromEntries(gold.insertionPoints)).toEqual({ 'pkg/a.py': [7] });
  });

  it('gives the share of hunks with a shown line beside line recall', () => {
    // Line 2 of b.py alone: one of its two lines, but the whole hunk counts as reached.
    const rewards = localizationLineRewards(shown({ 'pkg/a.py': [3], 'pkg/b.py': [2] }), goldLocalizationOf(multiFileGold));
    expect(rewards).toMatchObject({ goldLines: 4, shownGoldLines: 2, goldHunks: 3, shownGoldHunks: 2 });
    expect(rewards.goldHunkRecall).toBeCloseTo(2 / 3, 12);
    expect(localizationLineRewards(new Map(), goldLocalizationOf(multiFileGold))).toMatchObject({ goldHunkRecall: 0, shownGoldHunks: 0 });
  });

  it('has no hunk recall for a patch that only adds a file', () => {
    const gold = goldLocalizationOf(['diff --git a/x.py b/x.py', 'new file mode 100644', '--- /dev/null', '+++ b/x.py', '@@ -0,0 +1 @@', '+x = 1', ''].join('\n'));
    expect(localizationLineRewards(new Map(), gold)).toMatchObject({ goldHunks: 0, goldHunkRecall: null });
  });
});

describe('insertion points', () => {
  const gold = goldLocalizationOf(insertBetweenFunctions);
  const fileLines = (path: string): string[] | undefined => (path === 'm.py' ? twoFunctions.split('\n').slice(0, 6) : undefined);

  it('takes the blank anchor line as the one gold line', () => {
    expect(Object.fromEntries(gold.lines)).toEqual({ 'm.py': [3] });
    expect(Object.fromEntries(gold.insertionPoints)).toEqual({ 'm.py': [3] });
  });

  it('counts a blank insertion point as shown when the non-blank lines around it both are', () => {
    const rewards = localizationLineRewards(shown({ 'm.py': [1, 2, 5, 6] }), gold, { fileLines });
    expect(rewards).toMatchObject({ shownGoldLines: 1, goldLineRecall: 1, goldHunkRecall: 1, insertionPoints: 1, shownInsertionPoints: 1 });
    // Relevance still counts shown lines of G only: the anchor is not among the shown lines.
    expect(rewards.relevantOverContext).toBe(1 / 4);
  });

  it('does not count it when only one neighbour is shown, or when the file lines are unknown', () => {
    expect(localizationLineRewards(shown({ 'm.py': [1, 2] }), gold, { fileLines })).toMatchObject({ goldLineRecall: 0, shownInsertionPoints: 0 });
    expect(localizationLineRewards(shown({ 'm.py': [5, 6] }), gold, { fileLines })).toMatchObject({ goldLineRecall: 0 });
    expect(localizationLineRewards(shown({ 'm.py': [1, 2, 5, 6] }), gold)).toMatchObject({ goldLineRecall: 0 });
    // The anchor itself shown counts with or without them.
    expect(localizationLineRewards(shown({ 'm.py': [3] }), gold)).toMatchObject({ goldLineRecall: 1 });
  });

  it('needs no neighbour past the end of the file', () => {
    const atEnd = ['diff --git a/m.py b/m.py', '--- a/m.py', '+++ b/m.py', '@@ -6,0 +7,2 @@', '+', '+x = 1', ''].join('\n');
    const endGold = goldLocalizationOf(atEnd);
    expect(Object.fromEntries(endGold.lines)).toEqual({ 'm.py': [6] });
    expect(localizationLineRewards(shown({ 'm.py': [6] }), endGold, { fileLines })).toMatchObject({ goldLineRecall: 1 });
  });

  it('reads the base lines through the workspace in computeLocalizationRewards', async () => {
    const workspace = createInMemoryWorkspace({ instanceId: 'insert__between-1', files: { 'm.py': twoFunctions } });
    const result = {
      content: [
        { path: 'm.py', startLine: 1, endLine: 2 },
        { path: 'm.py', startLine: 5, endLine: 6 },
      ],
      metadata: {},
    };
    const rewards = await computeLocalizationRewards({ result, goldPatch: insertBetweenFunctions, workspace, countTokens: (text) => text.length });
    expect(rewards).toMatchObject({ goldLineRecall: 1, goldHunkRecall: 1, fileRecallAll: 1 });
    const withoutWorkspace = await computeLocalizationRewards({ result, goldPatch: insertBetweenFunctions });
    expect(withoutWorkspace.goldLineRecall).toBe(0);
  });
});

describe('gold-file top-k of a ranked pointer list', () => {
  const pointer = (path: string) => ({ path, startLine: 1, endLine: 1 });

  it('ranks files by their first pointer', () => {
    const pointers = ['x.py', 'y.py', 'x.py', 'a.py', 'b.py', 'c.py', 'gold.py'].map(pointer);
    expect(goldFileRanks(pointers, ['gold.py'])).toEqual({ firstGoldRank: 5, top1: 0, top5: 0, top10: 1, allInTop10: 1 });
    expect(goldFileRanks([pointer('gold.py')], ['gold.py', 'other.py'])).toEqual({ firstGoldRank: 0, top1: 1, top5: 1, top10: 1, allInTop10: 0 });
    expect(goldFileRanks([pointer('x.py')], ['gold.py'])).toEqual({ firstGoldRank: null, top1: 0, top5: 0, top10: 0, allInTop10: 0 });
    expect(goldFileRanks([pointer('x.py')], [])).toBeNull();
  });

  it('is reported for pointers and unknown for a string', async () => {
    const ranked = await computeLocalizationRewards({ result: { content: [pointer('pkg/c.py'), pointer('pkg/a.py')], metadata: {} }, goldPatch: multiFileGold });
    expect(ranked.goldFileRanks).toMatchObject({ firstGoldRank: 1, top1: 0, top5: 1 });
    const text = await computeLocalizationRewards({ result: { content: '', metadata: {} }, goldPatch: multiFileGold });
    expect(text.goldFileRanks).toBeNull();
  });
});
