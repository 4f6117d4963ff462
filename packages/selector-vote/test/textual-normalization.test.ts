import { describe, expect, it } from 'vitest';
import { normalizeDiffText, normalizedKeyOf, type TextualNormalizationOptions } from '../src/index';
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
// Every behaviour holds both from the diff alone and when the file's base text is at hand.
const readings: Record<string, (before: string, file: string) => TextualNormalizationOptions> = {
  'from the diff alone': () => ({}),
  'against the base text': (before, file) => ({ baseText: (path) => (path === file ? before : undefined) }),
};

describe.each(Object.entries(readings))('normalizeDiffText %s', (_, optionsFor) => {
  const normalize = async (before: string, after: string, file: string, context = 3) =>
    normalizeDiffText(await unifiedDiffOf(file, before, after, { context }), optionsFor(before, file));
  const keyOf = async (after: string, context = 3, file = 'textkit/words.py') => normalizedKeyOf((await normalize(base, after, file, context)).files);

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
    expect((await normalize(base, fixed, 'textkit/words.py')).changedLines).toBe(2);
    expect((await normalize(base, fixed.replace('    return text.split()', '    # comment\n    return text.split()'), 'textkit/words.py')).changedLines).toBe(2);
  });

  // The defect of issue 15: a hunk that begins just after a docstring took its closing quotes for opening ones.
  const migrations = [
    'import logging',
    '',
    '',
    'class Executor:',
    '    def migrate(self, plan):',
    '        """',
    '        Migrate the database to the state of the plan.',
    '',
    '        Runs every migration of the plan, in order.',
    '        """',
    '        # The table must be present to record applied migrations.',
    '        self.recorder.ensure_schema()',
    '',
    '        if plan is None:',
    '            plan = self.migration_plan()',
    '        return plan',
    '',
  ].join('\n');
  const guarded = migrations.replace('        self.recorder.ensure_schema()\n', '        if plan:\n            self.recorder.ensure_schema()\n');

  it("keeps the code change of a hunk that starts right after a docstring's closing quotes, whatever the context size", async () => {
    // With two lines of context the hunk's first line is the docstring's closing quotes.
    const [, firstLine] = (await unifiedDiffOf('migrations/executor.py', migrations, guarded, { context: 2 })).split('\n').filter((line) => /^(@@| )/.test(line));
    expect(firstLine).toBe('         """');
    for (const context of [0, 1, 2, 3, 4, 5, 6, 8, 12]) {
      const key = normalizedKeyOf((await normalize(migrations, guarded, 'migrations/executor.py', context)).files);
      expect(key, `context ${context}`).toBe(['=== migrations/executor.py (modified)', '-self.recorder.ensure_schema()', '+if plan:', '+self.recorder.ensure_schema()'].join('\n'));
    }
    // The same holds for a docstring in single quotes.
    const singleQuoted = (text: string) => text.replaceAll('"""', "'''");
    expect(normalizedKeyOf((await normalize(singleQuoted(migrations), singleQuoted(guarded), 'migrations/executor.py', 2)).files)).toContain('+if plan:');
  });

  it('keeps a changed string inside brackets (an error message), which is no docstring, when the hunk starts inside the call', async () => {
    const checks = [
      'def check(value):',
      '    if value < 0:',
      '        raise ValueError(',
      '            "the value must be "',
      '            "positive, got a negative one"',
      '            f" ({value})"',
      '        )',
      '    return value',
      '',
    ].join('\n');
    const key = normalizedKeyOf((await normalize(checks, checks.replace('"positive, got a negative one"', '"zero or more"'), 'checks.py', 1)).files);
    expect(key).toContain('-"positive, got a negative one"');
    expect(key).toContain('+"zero or more"');
  });
});

describe('normalizeDiffText against the base text', () => {
  const file = 'textkit/words.py';
  const against = (before: string): TextualNormalizationOptions => ({ baseText: (path) => (path === file ? before : undefined) });

  it('reads a file against its base text, and from its hunks when the diff does not apply to it', async () => {
    const diff = await unifiedDiffOf(file, base, fixed);
    expect(normalizeDiffText(diff, against(base)).files).toMatchObject([{ path: file, basis: 'base-commit' }]);
    expect(normalizeDiffText(diff).files).toMatchObject([{ path: file, basis: 'hunks' }]);
    const elsewhere = normalizeDiffText(diff, against(base.replace('    return text.split(" ")', '    return text.partition(" ")')));
    expect(elsewhere.files).toMatchObject([{ path: file, basis: 'hunks', note: expect.stringContaining('does not match the base text') }]);
    expect(normalizedKeyOf(elsewhere.files)).toBe(normalizedKeyOf(normalizeDiffText(diff).files));
  });

  it('counts code that an added quote turns into string text as removed', async () => {
    const disabled = base.replace('    if not text:\n        return 0\n', '    """\n    if not text:\n        return 0\n    """\n');
    const diff = await unifiedDiffOf(file, base, disabled);
    expect(normalizedKeyOf(normalizeDiffText(diff, against(base)).files)).toBe(['=== textkit/words.py (modified)', '-if not text:', '-return 0'].join('\n'));
    // From the diff alone the same change is seen in the context lines the quotes enclose.
    expect(normalizedKeyOf(normalizeDiffText(diff).files)).toContain('-if not text:');
  });

  it('compares raw text, never "no change", where the lexer cannot read the file', async () => {
    // Quotes nested in an f-string (Python 3.12) are beyond the small lexer: it reads a string followed by a name.
    const nested = base.replace('def count_words(text):', 'LABEL = f"{ {"k": "words"}["k"]}"\n\n\ndef count_words(text):');
    const recommented = nested.replace('    return len(split_words(text))', '    return len(split_words(text))  # how many');
    const normalized = normalizeDiffText(await unifiedDiffOf(file, nested, recommented), against(nested));
    expect(normalized.files).toMatchObject([{ path: file, basis: 'raw', note: expect.stringContaining('could not read the file') }]);
    expect(normalizedKeyOf(normalized.files)).toContain('+return len(split_words(text)) # how many');
  });
});
