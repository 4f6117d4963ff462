import { describe, expect, it } from 'vitest';
import { createInMemoryWorkspace } from '@codemonkeys/protocol/testkit';
import { lineSimilarity, locateBlock, planEdits, type BlockLocation, type BlockMiss } from '../src/index';

const settings = { fuzzyThreshold: 0.8, minimumMatchingLineShare: 0.5 };
const lines = (text: string): string[] => text.split('\n');

const counter = lines(
  [
    'class PunctuationCounter:',
    '    """Counts punctuation characters, by character."""',
    '',
    '    def __init__(self):',
    '        self.counts = {}',
    '',
    '    def add(self, text):',
    '        """Count the punctuation of ``text``."""',
    '        for character in text:',
    '            if character in PUNCTUATION:',
    '                self.counts[character] = self.counts.get(character, 0) + 1',
    '        return self',
  ].join('\n'),
);

const found = (match: ReturnType<typeof locateBlock>): BlockLocation => {
  if (!match.found) throw new Error(`expected a match, got ${match.reason}: ${match.message}`);
  return match;
};
const missed = (match: ReturnType<typeof locateBlock>): BlockMiss => {
  if (match.found) throw new Error(`expected no match, got ${match.method} at ${match.start}`);
  return match;
};

describe('locateBlock', () => {
  it('finds an exact SEARCH text and keeps the REPLACE lines as written', () => {
    const match = found(locateBlock(counter, ['        return self'], ['        return dict(self.counts)'], settings));
    expect(match).toMatchObject({ method: 'exact', start: 11, end: 12, similarity: 1, replacement: ['        return dict(self.counts)'], lineNumbersStripped: false });
  });

  it('refuses a SEARCH text that occurs twice, naming the lines', () => {
    const match = missed(locateBlock(counter, [''], ['# gap'], settings));
    expect(match.reason).toBe('ambiguous');
    expect(match.message).toBe('the SEARCH text occurs 2 times (lines 3, 6); add neighbouring lines to it so that it occurs only once');
  });

  it('matches a block whose indentation drifted (dedented by one level) and re-indents the replacement', () => {
    const search = ['def add(self, text):', '    """Count the punctuation of ``text``."""', '    for character in text:'];
    const replace = ['def add(self, text):', '    """Count the punctuation of ``text``."""', '    text = text or ""', '    for character in text:'];
    const match = found(locateBlock(counter, search, replace, settings));
    expect(match.method).toBe('whitespace');
    expect([match.start, match.end]).toEqual([6, 9]);
    expect(match.replacement).toEqual([
      '    def add(self, text):',
      '        """Count the punctuation of ``text``."""',
      '        text = text or ""',
      '        for character in text:',
    ]);
  });

  it('ignores blank lines at the edges of SEARCH, trailing spaces and doubled spaces inside lines', () => {
    const match = found(
      locateBlock(counter, ['', '    def __init__(self):   ', '        self.counts  =  {}', ''], ['', '    def __init__(self):', '        self.counts = dict()', ''], settings),
    );
    expect(match).toMatchObject({ method: 'whitespace', start: 3, end: 5 });
    // The unchanged line is taken from the file as it is; only the changed one comes from REPLACE.
    expect(match.replacement).toEqual(['    def __init__(self):', '        self.counts = dict()']);
  });

  it('matches by line similarity when a line has a typo, and keeps the file text of the lines the model left unchanged', () => {
    const search = ['    def add(self, text):', '        """Count the punctuation in text."""', '        for character in text:', '            if character in PUNCTUATION:'];
    const replace = ['    def add(self, text):', '        """Count the punctuation in text."""', '        for character in str(text):', '            if character in PUNCTUATION:'];
    const match = found(locateBlock(counter, search, replace, settings));
    expect(match.method).toBe('fuzzy');
    expect([match.start, match.end]).toEqual([6, 10]);
    expect(match.similarity).toBeGreaterThanOrEqual(0.8);
    expect(match.similarity).toBeLessThan(1);
    expect(match.replacement).toEqual([
      '    def add(self, text):',
      '        """Count the punctuation of ``text``."""',
      '        for character in str(text):',
      '            if character in PUNCTUATION:',
    ]);
  });

  it('refuses a fuzzy match with too few identical lines, or too little similarity', () => {
    // Every line is slightly off: similar enough on average, but no line is identical.
    const allOff = ['    def add(self, txt):', '        """Count the punctuation in ``text``."""', '        for char in text:'];
    expect(missed(locateBlock(counter, allOff, ['x'], settings)).reason).toBe('not-found');
    expect(found(locateBlock(counter, allOff, ['x'], { fuzzyThreshold: 0.8, minimumMatchingLineShare: 0 })).method).toBe('fuzzy');
    const far = ['    def add(self, text):', '        raise NotImplementedError("later, maybe")', '        pass'];
    const miss = missed(locateBlock(counter, far, ['x'], { fuzzyThreshold: 0.8, minimumMatchingLineShare: 0.3 }));
    expect(miss.reason).toBe('not-found');
    expect(miss.message).toMatch(/^the SEARCH text is not in the file \(closest: lines 7-9, \d+% similar\); copy the lines exactly from the file/);
  });

  it('refuses a fuzzy match that resembles two places equally', () => {
    const file = ['def first():', '    value = compute(1)', '    return value', '', 'def second():', '    value = compute(2)', '    return value'];
    const miss = missed(locateBlock(file, ['    value = compute(3)', '    return value'], ['    return 3'], settings));
    expect(miss.reason).toBe('ambiguous');
    expect(miss.message).toContain('resembles 2 places about equally (lines 2-3, 6-7)');
  });

  it('removes the line numbers the model copied from the shown code', () => {
    const match = found(
      locateBlock(
        counter,
        [' 9 |         for character in text:', '10 |             if character in PUNCTUATION:'],
        [' 9 |         for character in sorted(text):', '10 |             if character in PUNCTUATION:'],
        settings,
      ),
    );
    expect(match).toMatchObject({ method: 'exact', start: 8, end: 10, lineNumbersStripped: true });
    expect(match.replacement).toEqual(['        for character in sorted(text):', '            if character in PUNCTUATION:']);
  });

  it('computes the Levenshtein ratio on whitespace-normalized lines', () => {
    expect(lineSimilarity('  return  x', 'return x')).toBe(1);
    expect(lineSimilarity('abcd', 'abce')).toBe(0.75);
    expect(lineSimilarity('', '')).toBe(1);
  });
});

describe('planEdits on an in-memory repository', () => {
  const workspace = createInMemoryWorkspace({
    instanceId: 'memory-1',
    files: {
      'pkg/windows.py': 'def f():\r\n    return 1\r\n\r\ndef g():\r\n    return 2\r\n',
      'pkg/no_newline.py': 'a = 1\nb = 2',
      'pkg/empty.py': '',
    },
  });

  it('keeps Windows line breaks of the file', async () => {
    const plan = await planEdits(
      workspace,
      [{ index: 0, path: 'pkg/windows.py', search: 'def g():\n    return 2\n', replace: 'def g():\n    value = 2\n    return value\n' }],
      settings,
    );
    expect(plan.refusals).toEqual([]);
    expect(plan.files.get('pkg/windows.py')).toBe('def f():\r\n    return 1\r\n\r\ndef g():\r\n    value = 2\r\n    return value\r\n');
  });

  it('keeps a missing final line break, creates files, fills empty ones, and applies two edits to one file in order', async () => {
    const plan = await planEdits(
      workspace,
      [
        { index: 0, path: 'pkg/no_newline.py', search: 'b = 2\n', replace: 'b = 3\n' },
        { index: 1, path: 'pkg/no_newline.py', search: 'a = 1\n', replace: 'a = 0\n' },
        { index: 2, path: './pkg/new.py', search: '', replace: 'NEW = True\n' },
        { index: 3, path: 'pkg/empty.py', search: '', replace: 'FILLED = 1\n' },
      ],
      settings,
    );
    expect(plan.refusals).toEqual([]);
    expect(Object.fromEntries(plan.files)).toEqual({ 'pkg/no_newline.py': 'a = 0\nb = 3', 'pkg/new.py': 'NEW = True\n', 'pkg/empty.py': 'FILLED = 1\n' });
    expect(plan.applied.map((edit) => [edit.path, edit.method, edit.startLine, edit.endLine])).toEqual([
      ['pkg/no_newline.py', 'exact', 2, 2],
      ['pkg/no_newline.py', 'exact', 1, 1],
      ['pkg/new.py', 'new-file', undefined, undefined],
      ['pkg/empty.py', 'new-file', undefined, undefined],
    ]);
    expect(plan.changedPaths).toEqual(['pkg/no_newline.py', 'pkg/new.py', 'pkg/empty.py']);
  });

  it('refuses, with reasons, paths outside the repository, missing files, empty SEARCH on a file with content', async () => {
    const plan = await planEdits(
      workspace,
      [
        { index: 0, path: '../outside.py', search: '', replace: 'x\n' },
        { index: 1, path: '/etc/passwd', search: 'root\n', replace: 'x\n' },
        { index: 2, path: '.git/config', search: '', replace: 'x\n' },
        { index: 3, path: 'pkg/missing.py', search: 'a\n', replace: 'b\n' },
        { index: 4, path: 'pkg/no_newline.py', search: '', replace: 'c = 3\n' },
      ],
      settings,
    );
    expect(plan.files.size).toBe(0);
    expect(plan.refusals.map((refusal) => [refusal.index, refusal.reason])).toEqual([
      [0, 'outside-repository'],
      [1, 'outside-repository'],
      [2, 'outside-repository'],
      [3, 'file-missing'],
      [4, 'file-exists'],
    ]);
    expect(plan.refusals[0]!.message).toBe('Refused path "../outside.py": it points outside the repository. Paths must be relative to the repository root and stay inside it.');
    expect(plan.refusals[1]!.message).toContain('absolute paths are not allowed');
  });

  it('finds an edit whose REPLACE equals its SEARCH a no-op: nothing changes', async () => {
    const plan = await planEdits(workspace, [{ index: 0, path: 'pkg/no_newline.py', search: 'a = 1\n', replace: 'a = 1\n' }], settings);
    expect(plan.refusals).toEqual([]);
    expect(plan.changedPaths).toEqual([]);
  });
});
