import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidPluginOptionsError, instantiatePlugin, isPluginDefinition, type PluginContext } from '@codemonkeys/protocol';
import plugin, { EmbeddingLocalizer, EmbeddingLocalizerOptionsSchema, createEmbeddingLocalizer, createFileSelection, defaultExcludeGlobs, languageOf } from '../src/index';

const manifest = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
const context = { model: { countTokens: (text: string) => text.length }, logger: { debug() {}, info() {}, warn() {}, error() {} } } as unknown as PluginContext;

describe('the plugin', () => {
  it('is a v1 localizer whose meta equals its package.json', () => {
    expect(isPluginDefinition(plugin)).toBe(true);
    expect(plugin.meta).toEqual({ name: manifest.name, version: manifest.version });
    expect(plugin.kind).toBe('localizer');
    expect(plugin.specificationVersion).toBe('v1');
  });

  it('creates an EmbeddingLocalizer with validated options through core', async () => {
    const localizer = await instantiatePlugin(plugin, { tokenBudget: 13_000, embedder: 'local' }, context);
    expect(localizer).toBeInstanceOf(EmbeddingLocalizer);
    expect((localizer as EmbeddingLocalizer).options.tokenBudget).toBe(13_000);
  });

  it('refuses bad options with every zod issue named', async () => {
    const failure = await instantiatePlugin(plugin, { tokenBudget: -5, embedder: 'neural', chunking: { maxChunkLines: 20, overlapLines: 15 }, typo: true }, context).catch(
      (error: unknown) => error,
    );
    expect(InvalidPluginOptionsError.isInstance(failure)).toBe(true);
    const message = (failure as Error).message;
    for (const fragment of ['tokenBudget', 'embedder', 'typo', 'overlapLines']) expect(message).toContain(fragment);
    expect(() => createEmbeddingLocalizer({ topK: 0 }, context)).toThrow(/topK/);
  });
});

describe('options', () => {
  it('has the documented defaults', () => {
    const options = EmbeddingLocalizerOptionsSchema.parse({});
    expect(options).toMatchObject({
      embedder: 'local',
      tokenBudget: 27_000,
      topK: 400,
      useHints: false,
      output: 'pointers',
      presentation: 'spans',
      cacheBytes: 256 * 1024 * 1024,
      chunking: { include: ['**'], exclude: [...defaultExcludeGlobs], languages: ['python'], maxFileBytes: 512_000, maxChunkLines: 60, overlapLines: 8, windowLines: 40 },
      ranking: { fileWeight: 0.5, mentionWeight: 0.3 },
      packing: { fileDecay: 1, spanDecay: 1, depthFiles: 50, costExponent: 0.5, namedSymbolWeight: 1, neighbourWeight: 0, neighbourFiles: 5, wholeDefinitionLines: 0 },
      lexical: { k1: 1.2, b: 0.75, pathWeight: 2, symbolWeight: 2, stem: true },
      endpoint: { batchSize: 64, concurrency: 4, maxInputTokens: 6_000 },
      hybrid: { rrfK: 60, denseWeight: 1, lexicalWeight: 1 },
    });
  });
});

describe('file selection', () => {
  const selection = createFileSelection(EmbeddingLocalizerOptionsSchema.parse({}).chunking);

  it('indexes library code and leaves tests out by default', () => {
    expect(selection.languageOf('django/db/models/query.py')).toBe('python');
    expect(selection.languageOf('django/test/testcases.py')).toBe('python'); // library code despite its name
    for (const path of ['tests/test_query.py', 'pkg/tests/helpers.py', 'pkg/test_utils.py', 'pkg/utils_test.py', 'conftest.py', '.github/x.py', 'README.md', 'setup.cfg']) {
      expect(selection.languageOf(path), path).toBeUndefined();
    }
  });

  it('follows include globs and languages by extension', () => {
    const custom = createFileSelection({ include: ['src/**'], exclude: [], languages: ['python', 'typescript', 'restructuredtext'] });
    expect(custom.languageOf('src/app.ts')).toBe('typescript');
    expect(custom.languageOf('src/docs/index.rst')).toBe('restructuredtext');
    expect(custom.languageOf('lib/app.ts')).toBeUndefined();
    expect(custom.languageOf('src/app.go')).toBeUndefined();
    expect(languageOf('Makefile')).toBeUndefined();
    expect(languageOf('pkg/.hidden')).toBeUndefined();
    expect(languageOf('pkg/types.PYI')).toBe('python');
  });
});
