import { createRepositoryPathResolver, createSourceFileFilter, fencedBlocks } from '@codemonkeys/plugin-kit';
import { UnparseableAnswerError } from '@codemonkeys/protocol';
import { distance } from 'fastest-levenshtein';
import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { createElementIndex } from '../src/element-index';
import { parseFileAnswer } from '../src/file-answer';
import { parseLocationAnswer } from '../src/location-answer';
import { renderRepositoryTree } from '../src/repository-tree';

const paths = ['django/db/models/base.py', 'django/db/models/query.py', 'django/forms/models.py', 'django/utils/text.py'];

describe('path resolver', () => {
  const resolver = createRepositoryPathResolver(paths, { distance });
  it.each([
    ['django/db/models/base.py', 'django/db/models/base.py', 'exact'],
    ['`./django/db/models/query.py`', 'django/db/models/query.py', 'normalized'],
    ['1. django/utils/text.py', 'django/utils/text.py', 'normalized'],
    ['repo/django/utils/text.py', 'django/utils/text.py', 'normalized'],
    ['utils/text.py', 'django/utils/text.py', 'suffix'],
    ['django/db/model/base.py', 'django/db/models/base.py', 'closest'],
  ])('resolves %s to %s (%s)', (named, path, match) => {
    expect(resolver.resolve(named)).toEqual({ named, path, match });
  });

  it('refuses names that are not close to any path', () => {
    expect(resolver.resolve('django/contrib/admin/options.py')).toBeUndefined();
    expect(resolver.resolve('')).toBeUndefined();
    expect(resolver.resolve('```')).toBeUndefined();
  });

  it('takes the closest of several files sharing a suffix', () => {
    expect(resolver.resolve('models.py')).toMatchObject({ match: 'suffix' });
  });

  it('matches only exact and cleaned names when not fuzzy', () => {
    const strict = createRepositoryPathResolver(paths, { fuzzy: false });
    expect(strict.resolve('./django/utils/text.py')?.path).toBe('django/utils/text.py');
    expect(strict.resolve('django/utils/texts.py')).toBeUndefined();
  });
});

describe('file answers', () => {
  const resolvers = [createRepositoryPathResolver(paths, { distance })];
  it('reads the fenced block, in order, without duplicates, up to the limit', () => {
    const answer = 'Thinking about it...\n```text\ndjango/db/models/query.py\ndjango/db/models/query.py\n- django/utils/text.py\ndjango/forms/models.py\n```';
    expect(parseFileAnswer(answer, resolvers, 2)).toEqual({
      paths: ['django/db/models/query.py', 'django/utils/text.py'],
      corrections: [{ named: '- django/utils/text.py', path: 'django/utils/text.py', match: 'normalized' }],
      dropped: [{ named: 'django/forms/models.py', reason: 'more than the 2 files asked for' }],
    });
  });

  it('reads an answer cut off inside its block', () => {
    expect(parseFileAnswer('```\ndjango/utils/text.py\ndjango/db/mo', resolvers, 5).paths).toEqual(['django/utils/text.py']);
  });

  it('throws UnparseableAnswerError for prose and for paths that do not exist', () => {
    expect(() => parseFileAnswer('The bug is in the query code.', resolvers, 3)).toThrow(UnparseableAnswerError);
    expect(() => parseFileAnswer('```\nsrc/engine/core.rs\n```', resolvers, 3)).toThrow(/none of the paths you named exists/);
  });
});

describe('location answers', () => {
  it('reads files, classes, functions, methods, variables and line ranges', () => {
    const answer = [
      '```',
      'django/db/models/base.py',
      'class: Model',
      'function: Model.save(self, force_insert=False)',
      'method: `Model.delete`',
      '',
      '### django/utils/text.py',
      'variable: SMALL_WORDS',
      'line: 12',
      'lines: 20-24, 30',
      'line: 9 - 7',
      '```',
    ].join('\n');
    expect(parseLocationAnswer(answer).map(({ raw: _raw, ...location }) => location)).toEqual([
      { file: 'django/db/models/base.py', kind: 'class', name: 'Model' },
      { file: 'django/db/models/base.py', kind: 'function', name: 'Model.save' },
      { file: 'django/db/models/base.py', kind: 'function', name: 'Model.delete' },
      { file: 'django/utils/text.py', kind: 'variable', name: 'SMALL_WORDS' },
      { file: 'django/utils/text.py', kind: 'lines', startLine: 12, endLine: 12 },
      { file: 'django/utils/text.py', kind: 'lines', startLine: 20, endLine: 24 },
      { file: 'django/utils/text.py', kind: 'lines', startLine: 30, endLine: 30 },
      { file: 'django/utils/text.py', kind: 'lines', startLine: 7, endLine: 9 },
    ]);
  });

  it('throws UnparseableAnswerError when there is no location line', () => {
    expect(() => parseLocationAnswer('```\ndjango/utils/text.py\n```')).toThrow(UnparseableAnswerError);
    expect(() => parseLocationAnswer('')).toThrow(/no location line/);
  });

  it('never throws anything else, whatever the text', () => {
    for (const text of ['line: ', 'function: ()', 'lines: a-b', '```', 'class:\nline: 0', '\u0000\uffff', 'x'.repeat(10_000)]) {
      try {
        parseLocationAnswer(text);
      } catch (error) {
        expect(UnparseableAnswerError.isInstance(error)).toBe(true);
      }
    }
  });
});

describe('element index', () => {
  const source = [
    'import re',
    '',
    'LIMIT = 10',
    'PATTERNS = [',
    '    "a",',
    '    "b",',
    ']',
    '',
    'class Reader:',
    '    encoding = "utf-8"',
    '',
    '    def read(self):',
    '        local = 1',
    '        return local',
    '',
    'def helper():',
    '    return LIMIT',
  ].join('\n');
  const outline = [
    { kind: 'class' as const, name: 'Reader', qualifiedName: 'Reader', startLine: 9, endLine: 14, signature: 'class Reader:' },
    { kind: 'method' as const, name: 'read', qualifiedName: 'Reader.read', startLine: 12, endLine: 14, signature: 'def read(self):' },
    { kind: 'function' as const, name: 'helper', qualifiedName: 'helper', startLine: 16, endLine: 17, signature: 'def helper():' },
  ];
  const index = createElementIndex(source, outline);

  it('finds module and class variables with their continuation lines, not locals', () => {
    expect(index.find('PATTERNS', 'variable')).toMatchObject({ startLine: 4, endLine: 7, match: 'exact' });
    expect(index.find('Reader.encoding', 'variable')).toMatchObject({ startLine: 10, endLine: 10 });
    expect(index.find('local', 'variable')).toBeUndefined();
  });

  it('finds methods by short name, classes named as functions, and near spellings of the same kind', () => {
    expect(index.find('read', 'function')).toMatchObject({ qualifiedName: 'Reader.read', match: 'name' });
    expect(index.find('Reader', 'function')).toMatchObject({ qualifiedName: 'Reader', kind: 'class', match: 'exact' });
    expect(index.find('helpr', 'function')).toMatchObject({ qualifiedName: 'helper', match: 'closest' });
    expect(index.find('Helper', 'class')).toBeUndefined();
  });

  it('names the innermost element holding a line', () => {
    expect(index.enclosing(13)?.qualifiedName).toBe('Reader.read');
    expect(index.enclosing(5)?.qualifiedName).toBe('PATTERNS');
    expect(index.enclosing(1)).toBeUndefined();
    expect(index.lineCount).toBe(17);
  });
});

describe('repository tree and filters', () => {
  // As file-level.ts compiles the globs of its options.
  const compileGlobs = (globs: readonly string[]) => picomatch([...globs], { dot: true });
  it('renders folders before files, indented', () => {
    expect(renderRepositoryTree(['b.py', 'a/z.py', 'a/c/d.py'])).toBe('a/\n    c/\n        d.py\n    z.py\nb.py');
  });

  it('keeps source files and leaves out tests and docs unless asked', () => {
    const files = ['pkg/a.py', 'pkg/tests/test_a.py', 'tests/conftest.py', 'pkg/a_test.py', 'docs/conf.py', 'README.md', 'setup.cfg', 'pkg/testing.py'];
    expect(files.filter(createSourceFileFilter({ include: ['**/*.py'], exclude: [], excludeTests: true, excludeDocs: true, compileGlobs }))).toEqual([
      'pkg/a.py',
      'pkg/testing.py',
    ]);
    expect(files.filter(createSourceFileFilter({ include: ['**/*.py'], exclude: ['pkg/testing.py'], excludeTests: false, excludeDocs: false, compileGlobs }))).toEqual([
      'pkg/a.py',
      'pkg/tests/test_a.py',
      'tests/conftest.py',
      'pkg/a_test.py',
      'docs/conf.py',
    ]);
  });

  it('reads fenced blocks with language tags and an unterminated last block', () => {
    expect(fencedBlocks('a\n```python\nx\n```\nb\n```\ny\nz')).toEqual(['x', 'y\nz']);
    expect(fencedBlocks('no blocks')).toEqual([]);
  });
});
