import { describe, expect, it } from 'vitest';
import { goldLocalizationOf, localizationLineRewards } from '../src/index';
import { insertAtTop, multiFileGold, replaceLine3 } from './support/hand-checked';

const shown = (entries: Record<string, number[]>): Map<string, Set<number>> => new Map(Object.entries(entries).map(([path, lines]) => [path, new Set(lines)]));

describe('gold localization (DESIGN §4 G and gold files)', () => {
  it('takes replaced lines, insert-only hunk anchors and deleted files, and leaves added files out', () => {
    const gold = goldLocalizationOf(multiFileGold);
    expect(Object.fromEntries(gold.lines)).toEqual({ 'pkg/a.py': [3, 7], 'pkg/b.py': [1, 2] });
    expect(gold.lineCount).toBe(4);
    expect(gold.files).toEqual(['pkg/a.py', 'pkg/b.py']);
    expect(gold.addedFiles).toEqual(['pkg/new.py']);
  });

  it('counts an insertion at the top of a file as line 1', () => {
    expect(Object.fromEntries(goldLocalizationOf(insertAtTop).lines)).toEqual({ 'pkg/a.py': [1] });
  });

  it('has no lines and no gold files for a patch that only adds a file', () => {
    const gold = goldLocalizationOf(['diff --git a/x.py b/x.py', 'new file mode 100644', '--- /dev/null', '+++ b/x.py', '@@ -0,0 +1 @@', '+x = 1', ''].join('\n'));
    expect(gold.lineCount).toBe(0);
    expect(gold.files).toEqual([]);
    const rewards = localizationLineRewards(shown({ 'x.py': [1] }), gold);
    expect(rewards).toMatchObject({ goldLineRecall: null, fileRecallAll: null, fileRecallAny: null, relevantOverContext: 0 });
  });
});

describe('localization line rewards', () => {
  const gold = goldLocalizationOf(multiFileGold);

  it('gives recall, file recall and relevance for a context that covers one hunk partially', () => {
    // a.py 1-5 covers the replaced line 3 but not the insertion anchor 7; b.py is not shown.
    const rewards = localizationLineRewards(shown({ 'pkg/a.py': [1, 2, 3, 4, 5] }), gold);
    expect(rewards).toMatchObject({
      goldLines: 4,
      shownGoldLines: 1,
      goldLineRecall: 0.25,
      contextLines: 5,
      contextFiles: 1,
      relevantOverContext: 0.2,
      shownGoldFiles: ['pkg/a.py'],
      fileRecallAll: 0,
      fileRecallAny: 1,
      fileRecall: 0.5,
    });
  });

  it('gives full recall when every gold line and file is shown', () => {
    const rewards = localizationLineRewards(shown({ 'pkg/a.py': [3, 7], 'pkg/b.py': [1, 2], 'pkg/c.py': [1, 2, 3, 4] }), gold);
    expect(rewards).toMatchObject({ goldLineRecall: 1, fileRecallAll: 1, fileRecallAny: 1, contextLines: 8, relevantOverContext: 0.5 });
  });

  it('counts the insert-only anchor: showing line 7 alone finds one of four gold lines', () => {
    expect(localizationLineRewards(shown({ 'pkg/a.py': [7] }), gold)).toMatchObject({ shownGoldLines: 1, goldLineRecall: 0.25, relevantOverContext: 1 });
  });

  it('gives zeros (and no relevance) for an empty context', () => {
    expect(localizationLineRewards(new Map(), gold)).toMatchObject({ goldLineRecall: 0, fileRecallAll: 0, fileRecallAny: 0, contextLines: 0, relevantOverContext: null });
  });

  it('ignores lines of other files with the same numbers', () => {
    expect(localizationLineRewards(shown({ 'pkg/c.py': [3, 7] }), goldLocalizationOf(replaceLine3('X')))).toMatchObject({ goldLineRecall: 0, fileRecallAny: 0 });
  });
});
