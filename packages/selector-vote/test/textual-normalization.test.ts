import { describe, expect, it } from 'vitest';
import { normalizeDiffText, normalizedKeyOf } from '../src/index';
import { unifiedDiffOf } from '@codemonkeys/swebench/testing';

const base = [
  '"""Module docstring."""',
  '',
  'import re',
  '',
  '',
  'def split_words(text):',
  '    """Return the words of ``text``."""',
  '    return text.split(" ")',
  '',
  '',
  'def count_words(text):',
  '    if not text:',
  '        return 0',
  '    return len(split_words(text))',
  '',
].join('\n');
const fixed = base.replace('    return text.split(" ")', '    return text.split()');
const keyOf = async (after: string, context = 3, file = 'textkit/words.py') => normalizedKeyOf(normalizeDiffText(await unifiedDiffOf(file, base, after, { context })).files);

describe('normalizeDiffText', () => {
  it('gives the same key to a fix written with other spacing, comments, docstrings, blank lines and context sizes', async () => {
    const reference = await keyOf(fixed);
    expect(reference).toContain('+return text.split()');
    const variants = {
      spacing: fixed.replace('    return text.split()', '    return   text.split()   '),
      comments: fixed.replace('    return text.split()', '    # any run of whitespace separates words\n    return text.split()  # was split(" ")'),
      docstring: fixed.replace('    """Return the words of ``text``."""', '    """Return the words of ``text``.\n\n    Runs of whitespace count as one separator.\n    """'),
      blankLines: fixed.replace('    return text.split()', '\n    return text.split()\n'),
      newDocstring: fixed.replace('    if not text:', '    """How many words ``text`` has."""\n    if not text:'),
    };
    for (const [name, variant] of Object.entries(variants)) expect(await keyOf(variant), name).toBe(reference);
    expect(await keyOf(fixed, 10)).toBe(reference);
    expect(await keyOf(fixed, 0)).toBe(reference);
  });

  it('tells different fixes apart, and keeps # and quotes that are inside strings', async () => {
    const reference = await keyOf(fixed);
    expect(await keyOf(base.replace('    return text.split(" ")', '    return re.split(r"\\s+", text.strip())'))).not.toBe(reference);
    const hash = await keyOf(base.replace('    return text.split(" ")', '    return text.split("#")  # a comment'));
    expect(hash).toContain('+return text.split("#")');
    expect(hash).not.toContain('a comment');
    // A string that is used (not a bare statement) is code.
    const used = await keyOf(base.replace('    return text.split(" ")', '    return " ".join(text.split())'));
    expect(used).toContain('+return " ".join(text.split())');
  });

  it('keeps strings inside brackets, which are arguments and not docstrings', async () => {
    const key = await keyOf(base.replace('    return text.split(" ")', '    return re.split(\n        "[ \\t]+",\n        text,\n    )'));
    expect(key).toContain('+"[ \\t]+",');
  });

  it('drops a change that only reformats or re-comments a line, and a file that only changes comments', async () => {
    expect(await keyOf(base.replace('    return text.split(" ")', '    return text.split(" ")  # split on spaces'))).toBe('');
    expect(await keyOf(base.replace('"""Module docstring."""', '"""A better module docstring."""'))).toBe('');
    expect(normalizeDiffText('').files).toEqual([]);
  });

  it('keeps whitespace-only distinctions out of other files but does not strip # in non-Python files', async () => {
    const key = await keyOf('# Title\n\nText  with   spaces\n', 3, 'README.md');
    expect(key).toContain('+# Title');
    expect(key).toContain('+Text with spaces');
  });

  it('counts the changed lines that remain after normalization', async () => {
    expect(normalizeDiffText(await unifiedDiffOf('textkit/words.py', base, fixed)).changedLines).toBe(2);
    expect(normalizeDiffText(await unifiedDiffOf('textkit/words.py', base, fixed.replace('    return text.split()', '    # comment\n    return text.split()'))).changedLines).toBe(2);
  });
});
