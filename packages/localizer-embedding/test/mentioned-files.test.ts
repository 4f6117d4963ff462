import { describe, expect, it } from 'vitest';
import { mentionedFiles, moduleNameOf, type Corpus } from '../src/index';

const corpusOf = (paths: string[]): Corpus =>
  ({
    files: paths.map((path) => ({ path, contentHash: '', lines: [], outlined: true, chunks: [] })),
    chunks: [],
    fileOfChunk: new Int32Array(),
    fileChunkStart: new Int32Array(paths.length + 1),
    statistics: {},
  }) as unknown as Corpus;

describe('mentionedFiles', () => {
  const corpus = corpusOf([
    'django/core/handlers/base.py',
    'django/db/models/query.py',
    'django/db/models/__init__.py',
    'django/db/backends/base/base.py',
    'django/utils/timezone.py',
  ]);
  const named = (text: string): Record<string, number> => Object.fromEntries([...mentionedFiles(text, corpus)].map(([file, count]) => [corpus.files[file]!.path, count]));

  it('finds paths inside traceback paths', () => {
    expect(named('File "/venv/lib/python3.8/site-packages/django/core/handlers/base.py", line 113, in _get_response')).toEqual({ 'django/core/handlers/base.py': 1 });
  });

  it('finds dotted module names, taking the longest module prefix', () => {
    expect(named('calling django.db.models.query.QuerySet.bulk_create() and django.db.models.Q')).toEqual({ 'django/db/models/query.py': 1, 'django/db/models/__init__.py': 1 });
  });

  it('takes a bare file name only when one file has it', () => {
    expect(named('see timezone.py and base.py')).toEqual({ 'django/utils/timezone.py': 1 });
  });

  it('counts repeated mentions', () => {
    expect(named('query.py: django/db/models/query.py breaks; django/db/models/query.py again')).toEqual({ 'django/db/models/query.py': 3 });
  });

  it('names modules as Python imports them', () => {
    expect(moduleNameOf('django/db/models/__init__.py')).toBe('django.db.models');
    expect(moduleNameOf('pkg/mod.pyi')).toBe('pkg.mod');
    expect(moduleNameOf('pkg/my-script.py')).toBeUndefined();
    expect(moduleNameOf('pkg/readme.md')).toBeUndefined();
  });
});
