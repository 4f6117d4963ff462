import { describe, expect, it } from 'vitest';
import { parseEditAnswer, parseSearchReplaceBlocks } from '../src/index';

const block = (path: string, search: string, replace: string): string => `${path}\n<<<<<<< SEARCH\n${search}\n=======\n${replace}\n>>>>>>> REPLACE`;

describe('parseSearchReplaceBlocks', () => {
  it('reads a bare block with the path on the line above', () => {
    expect(parseSearchReplaceBlocks(block('textkit/words.py', 'a = 1', 'a = 2'))).toEqual({
      edits: [{ index: 0, path: 'textkit/words.py', search: 'a = 1\n', replace: 'a = 2\n' }],
      problems: [],
    });
  });

  it('ignores prose around the blocks and Markdown fences, with the path above or inside the fence', () => {
    const answer = [
      'The separator is wrong. Here is the fix:',
      '',
      '### textkit/words.py',
      '```python',
      '<<<<<<< SEARCH',
      '    return text.split(WORD_SEPARATOR)',
      '=======',
      '    return text.split()',
      '>>>>>>> REPLACE',
      '```',
      '',
      'And the docs:',
      '```python',
      '**File:** `textkit/case.py`',
      '<<<<<<< SEARCH',
      'x',
      '=======',
      'y',
      '>>>>>>> REPLACE',
      '```',
      'That is all.',
    ].join('\n');
    const { edits, problems } = parseSearchReplaceBlocks(answer);
    expect(problems).toEqual([]);
    expect(edits.map((edit) => [edit.path, edit.search, edit.replace])).toEqual([
      ['textkit/words.py', '    return text.split(WORD_SEPARATOR)\n', '    return text.split()\n'],
      ['textkit/case.py', 'x\n', 'y\n'],
    ]);
  });

  it('accepts Windows line breaks, the path on the SEARCH line, short markers and a path on the fence opener', () => {
    const answer = [
      '<<<< SEARCH textkit/a.py',
      'one',
      '==========',
      'two',
      '>>>> REPLACE',
      '',
      '```python textkit/b.py',
      '<<<<<<< SEARCH',
      'three',
      '=======',
      'four',
      '>>>>>>> REPLACE',
      '```',
    ].join('\r\n');
    const { edits, problems } = parseSearchReplaceBlocks(answer);
    expect(problems).toEqual([]);
    expect(edits.map((edit) => [edit.path, edit.search, edit.replace])).toEqual([
      ['textkit/a.py', 'one\n', 'two\n'],
      ['textkit/b.py', 'three\n', 'four\n'],
    ]);
  });

  it('gives a block that directly follows another one (same fence or a new one) the previous path', () => {
    const answer = [
      'textkit/a.py',
      '```python',
      '<<<<<<< SEARCH',
      'one',
      '=======',
      'two',
      '>>>>>>> REPLACE',
      '<<<<<<< SEARCH',
      'three',
      '=======',
      'four',
      '>>>>>>> REPLACE',
      '```',
      '```python',
      '<<<<<<< SEARCH',
      'five',
      '=======',
      'six',
      '>>>>>>> REPLACE',
      '```',
    ].join('\n');
    const { edits, problems } = parseSearchReplaceBlocks(answer);
    expect(problems).toEqual([]);
    expect(edits.map((edit) => edit.path)).toEqual(['textkit/a.py', 'textkit/a.py', 'textkit/a.py']);
    expect(edits.map((edit) => edit.index)).toEqual([0, 1, 2]);
  });

  it('keeps empty SEARCH (a new file), empty REPLACE (a deletion), a REPLACE of one blank line, and blank lines inside the parts', () => {
    const { edits } = parseSearchReplaceBlocks(
      [
        'new/module.py',
        '<<<<<<< SEARCH',
        '=======',
        'def f():',
        '',
        '    return 1',
        '>>>>>>> REPLACE',
        'old.py',
        '<<<<<<< SEARCH',
        'gone = True',
        '=======',
        '>>>>>>> REPLACE',
        '<<<<<<< SEARCH',
        'x = 1',
        '',
        '=======',
        '',
        '>>>>>>> REPLACE',
      ].join('\n'),
    );
    expect(edits).toEqual([
      { index: 0, path: 'new/module.py', search: '', replace: 'def f():\n\n    return 1\n' },
      { index: 1, path: 'old.py', search: 'gone = True\n', replace: '' },
      { index: 2, path: 'old.py', search: 'x = 1\n\n', replace: '\n' },
    ]);
  });

  it('names what is wrong with malformed blocks: no path, no divider, not closed, cut off, stray REPLACE', () => {
    expect(parseSearchReplaceBlocks('Here you go:\n\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE').problems).toEqual([
      'block 1 (answer line 3) names no file: put the file\'s path on the line just above "<<<<<<< SEARCH"',
    ]);
    expect(parseSearchReplaceBlocks('x.py\n<<<<<<< SEARCH\na\n>>>>>>> REPLACE').problems).toEqual([
      'block 1 (answer line 2) has no "=======" line between its SEARCH and REPLACE parts',
    ]);
    expect(parseSearchReplaceBlocks('x.py\n<<<<<<< SEARCH\na\n=======\nb\ny.py\n<<<<<<< SEARCH\nc\n=======\nd\n>>>>>>> REPLACE').problems).toEqual([
      'block 1 (answer line 2) is not closed with ">>>>>>> REPLACE" before the next block starts',
    ]);
    expect(parseSearchReplaceBlocks('x.py\n<<<<<<< SEARCH\na\n=======\nb').problems).toEqual([
      'block 1 (answer line 2) is cut off: it ends without ">>>>>>> REPLACE" (was the answer cut at its token limit?)',
    ]);
    expect(parseSearchReplaceBlocks('>>>>>>> REPLACE').problems).toEqual(['answer line 1 has ">>>>>>> REPLACE" without a "<<<<<<< SEARCH" block before it']);
  });

  it('finds nothing, and no problem, in an answer without blocks', () => {
    expect(parseSearchReplaceBlocks('I think the bug is in split_words, but I am not sure.\n```python\nprint(1)\n```')).toEqual({ edits: [], problems: [] });
  });

  it('never reads the test script of an answer as an edit', () => {
    const answer = `<test>\nimport sys\nprint("<<<<<<< SEARCH")\nsys.exit(2)\n</test>\n\n${block('a.py', 'x', 'y')}`;
    expect(parseEditAnswer(answer, 'search-replace').edits).toEqual([{ index: 0, path: 'a.py', search: 'x\n', replace: 'y\n' }]);
  });
});
