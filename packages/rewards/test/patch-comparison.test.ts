import { describe, expect, it } from 'vitest';
import { comparePatches, normalizedLevenshteinSimilarity } from '../src/index';
import { insertAtTop, multiFileGold, replaceLine3 } from './support/hand-checked';

describe('normalized Levenshtein similarity', () => {
  it('is 1 − distance / longest length', () => {
    // kitten → sitting: 3 edits, 7 characters.
    expect(normalizedLevenshteinSimilarity('kitten', 'sitting')).toBeCloseTo(1 - 3 / 7, 12);
    expect(normalizedLevenshteinSimilarity('', '')).toBe(1);
    expect(normalizedLevenshteinSimilarity('', 'abc')).toBe(0);
  });
});

describe('candidate against gold', () => {
  const gold = replaceLine3('LINE3');

  it('scores the gold patch itself 1 everywhere', () => {
    expect(comparePatches(gold, gold)).toEqual({ similarity: 1, lineOverlap: 1, fileOverlap: 1, patchLines: 2, empty: 0 });
  });

  it('ignores whitespace inside changed lines and the context around them', () => {
    const reindented = [
      'diff --git a/pkg/a.py b/pkg/a.py',
      '--- a/pkg/a.py',
      '+++ b/pkg/a.py',
      '@@ -1,4 +1,4 @@',
      ' line1',
      ' line2',
      '-line3',
      '+    LINE3   ',
      ' line4',
      '',
    ].join('\n');
    expect(comparePatches(reindented, gold).similarity).toBe(1);
  });

  it('compares the changed lines character by character', () => {
    // "-line3\n+LINE3" against "-line3\n+Line3": three substitutions over 13 characters.
    expect(comparePatches(replaceLine3('Line3'), gold).similarity).toBeCloseTo(10 / 13, 12);
  });

  it('gives an empty candidate similarity 0, no files, no size', () => {
    expect(comparePatches('', gold)).toEqual({ similarity: 0, lineOverlap: 0, fileOverlap: 0, patchLines: 0, empty: 1 });
    expect(comparePatches('   \n', gold).empty).toBe(1);
  });

  it('measures line overlap as the Jaccard index of the touched base lines', () => {
    const twoLines = ['diff --git a/pkg/a.py b/pkg/a.py', '--- a/pkg/a.py', '+++ b/pkg/a.py', '@@ -3,2 +3,1 @@', '-line3', '-line4', '+LINE3', ''].join('\n');
    // {3, 4} against {3}: 1 / 2.
    expect(comparePatches(twoLines, gold)).toMatchObject({ lineOverlap: 0.5, fileOverlap: 1, patchLines: 3 });
    // An insert-only candidate touches its anchor: line 1 against line 3 — no overlap.
    expect(comparePatches(insertAtTop, gold)).toMatchObject({ lineOverlap: 0, fileOverlap: 1, patchLines: 1 });
  });

  it('counts deleted and added files in the file overlap of a multi-file gold patch', () => {
    // Gold touches a.py, b.py (deleted) and new.py (added); the candidate touches a.py only: 1 / 3.
    expect(comparePatches(gold, multiFileGold)).toMatchObject({ fileOverlap: 1 / 3, lineOverlap: 1 / 4 });
    const addsNewFile = ['diff --git a/pkg/new.py b/pkg/new.py', 'new file mode 100644', '--- /dev/null', '+++ b/pkg/new.py', '@@ -0,0 +1 @@', '+print("new")', ''].join('\n');
    // Adding a file touches no base line: the line overlap with a gold patch that does is 0.
    expect(comparePatches(addsNewFile, multiFileGold)).toMatchObject({ fileOverlap: 1 / 3, lineOverlap: 0, patchLines: 1 });
  });

  it('leaves line overlap undefined when neither diff touches a base line', () => {
    const added = ['diff --git a/x.py b/x.py', 'new file mode 100644', '--- /dev/null', '+++ b/x.py', '@@ -0,0 +1 @@', '+x = 1', ''].join('\n');
    expect(comparePatches(added, added).lineOverlap).toBeNull();
  });

  it('treats text that is not a diff as an empty candidate, flagged as not a diff', () => {
    const prose = comparePatches('I could not find the bug, sorry.', gold);
    expect(prose).toMatchObject({ empty: 1, similarity: 0, patchLines: 0, fileOverlap: 0 });
    expect(prose.unparseable).toMatch(/not a unified diff/);
    // An empty text is "no change", not "not a diff".
    expect(comparePatches('', gold).unparseable).toBeUndefined();
  });

  it('gives a diff of headers without any change nothing: it changes no file', () => {
    const headersOnly = ['diff --git a/pkg/a.py b/pkg/a.py', 'index 1111111..2222222 100644', '--- a/pkg/a.py', '+++ b/pkg/a.py', ''].join('\n');
    expect(comparePatches(headersOnly, gold)).toMatchObject({ empty: 1, fileOverlap: 0, lineOverlap: 0, patchLines: 0, similarity: 0 });
    // A mode change alone does change the file.
    const modeOnly = ['diff --git a/pkg/a.py b/pkg/a.py', 'old mode 100644', 'new mode 100755', ''].join('\n');
    expect(comparePatches(modeOnly, gold)).toMatchObject({ empty: 0, fileOverlap: 1 });
  });
});
