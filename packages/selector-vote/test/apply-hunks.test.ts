import { describe, expect, it } from 'vitest';
import { unifiedDiffOf } from '@codemonkeys/swebench/testing';
import { applyHunks } from '../src/apply-hunks';
import { checkAgainstBaseTexts } from '../src/base-application-check';
import { parseFileDiffs } from '../src/diff-files';

const lines = (count: number, prefix = 'line'): string => Array.from({ length: count }, (_, index) => `${prefix} ${index + 1}`).join('\n') + '\n';
const base = lines(40);
const hunksOf = async (before: string, after: string, context = 3) => parseFileDiffs(await unifiedDiffOf('f.txt', before, after, { context }))[0]!.hunks;

describe('applyHunks', () => {
  it('rebuilds the patched text and aligns every line with the base', async () => {
    const after = base.replace('line 10\n', 'line ten\n').replace('line 30\n', 'line 30\nline 30b\n');
    const applied = applyHunks(base, await hunksOf(base, after));
    expect(applied.applies).toBe(true);
    if (!applied.applies) return;
    expect(applied.after.join('\n')).toBe(after);
    expect(applied.alignment.filter((line) => line.kind !== 'same')).toEqual([
      { kind: 'removed', before: 9 },
      { kind: 'added', after: 9 },
      { kind: 'added', after: 30 },
    ]);
  });

  it('applies at an offset, and with up to two context lines that no longer match at each end', async () => {
    const after = base.replace('line 20\n', 'line twenty\n');
    const hunks = await hunksOf(base, after);
    const shifted = `${lines(5, 'new')}${base}`;
    const applied = applyHunks(shifted, hunks);
    expect(applied.applies && applied.after.join('\n')).toBe(`${lines(5, 'new')}${after}`);
    // The first context line of the hunk (line 17) differs in the base: fuzz ignores it and keeps the base's line.
    const fuzzy = base.replace('line 17\n', 'line seventeen\n');
    const withFuzz = applyHunks(fuzzy, hunks);
    expect(withFuzz.applies && withFuzz.after.join('\n')).toBe(fuzzy.replace('line 20\n', 'line twenty\n'));
    // A removed line that is not in the base never applies.
    expect(applyHunks(base.replace('line 20\n', 'line 2O\n'), hunks)).toEqual({ applies: false, hunk: hunks[0]!.header });
  });

  it('applies hunks in order, never one before the end of the previous one', async () => {
    const repeated = 'a\nb\nc\n' + lines(10) + 'a\nb\nc\n';
    const after = repeated.replace(/a\nb\nc\n$/, 'a\nB\nc\n');
    const applied = applyHunks(repeated, await hunksOf(repeated, after, 1));
    expect(applied.applies && applied.after.join('\n')).toBe(after);
  });

  it('creates a new file from an empty base', () => {
    const hunks = parseFileDiffs('diff --git a/new.py b/new.py\nnew file mode 100644\n--- /dev/null\n+++ b/new.py\n@@ -0,0 +1,2 @@\n+x = 1\n+y = 2\n')[0]!.hunks;
    const applied = applyHunks('', hunks);
    expect(applied.applies && applied.after).toEqual(['x = 1', 'y = 2', '']);
  });
});

describe('checkAgainstBaseTexts', () => {
  it('names the file that does not exist and the hunk that does not match', async () => {
    const diff = await unifiedDiffOf('f.txt', base, base.replace('line 20\n', 'line twenty\n'));
    expect(checkAgainstBaseTexts(diff, new Map([['f.txt', base]]))).toEqual({ applies: true });
    expect(checkAgainstBaseTexts(diff, new Map())).toEqual({ applies: false, reason: 'f.txt does not exist at the base commit' });
    expect(checkAgainstBaseTexts(diff, new Map([['f.txt', lines(40, 'other')]])).reason).toMatch(/^hunk @@ -17,7 \+17,7 @@ of f\.txt does not match the base commit$/);
    expect(checkAgainstBaseTexts('not a diff', new Map())).toEqual({ applies: false, reason: 'the diff has no file headers or hunks' });
  });
});
