import { describe, expect, it } from 'vitest';
import { parseUnifiedDiffAnswer } from '../src/index';

describe('parseUnifiedDiffAnswer', () => {
  it('turns each hunk of a fenced diff into an edit, ignoring wrong hunk counts and prose', () => {
    const answer = [
      'Split on any whitespace:',
      '```diff',
      'diff --git a/textkit/words.py b/textkit/words.py',
      'index 966a63c..1be1b07 100644',
      '--- a/textkit/words.py',
      '+++ b/textkit/words.py',
      '@@ -1,99 +1,1 @@',
      ' """Counting and measuring the words of a text."""',
      '',
      '-WORD_SEPARATOR = " "',
      '@@ @@',
      ' def split_words(text):',
      '-    return text.split(WORD_SEPARATOR)',
      '+    return text.split()',
      '```',
      'Done.',
    ].join('\n');
    const { edits, problems } = parseUnifiedDiffAnswer(answer);
    expect(problems).toEqual([]);
    expect(edits).toEqual([
      {
        index: 0,
        path: 'textkit/words.py',
        search: '"""Counting and measuring the words of a text."""\n\nWORD_SEPARATOR = " "\n',
        replace: '"""Counting and measuring the words of a text."""\n\n',
      },
      {
        index: 1,
        path: 'textkit/words.py',
        search: 'def split_words(text):\n    return text.split(WORD_SEPARATOR)\n',
        replace: 'def split_words(text):\n    return text.split()\n',
      },
    ]);
  });

  it('creates files from /dev/null and deletes files to /dev/null; reads an unfenced diff', () => {
    const answer = ['--- /dev/null', '+++ b/docs/new.md', '@@ -0,0 +1,2 @@', '+# New', '+text', '--- a/old.py', '+++ /dev/null', '@@ -1 +0,0 @@', '-x = 1'].join('\n');
    expect(parseUnifiedDiffAnswer(answer).edits).toEqual([
      { index: 0, path: 'docs/new.md', search: '', replace: '# New\ntext\n' },
      { index: 1, path: 'old.py', search: 'x = 1\n', replace: '', deleteFile: true },
    ]);
  });

  it('reads a removed line that starts with "-- " as a removal, not a header', () => {
    const answer = ['```diff', '--- a/query.sql', '+++ b/query.sql', '@@', '--- old comment', '+-- new comment', ' SELECT 1;', '```'].join('\n');
    expect(parseUnifiedDiffAnswer(answer).edits).toEqual([{ index: 0, path: 'query.sql', search: '-- old comment\nSELECT 1;\n', replace: '-- new comment\nSELECT 1;\n' }]);
  });

  it('says when a hunk has no file headers, and finds nothing in prose', () => {
    expect(parseUnifiedDiffAnswer('```diff\n@@ -1 +1 @@\n-a\n+b\n```').problems).toEqual(['hunk 1 has no "--- a/path" and "+++ b/path" lines before it']);
    expect(parseUnifiedDiffAnswer('No change is needed.')).toEqual({ edits: [], problems: [] });
  });
});
