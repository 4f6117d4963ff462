import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  InvalidPluginError,
  InvalidPluginOptionsError,
  UnsupportedSpecificationVersionError,
  assertPluginDefinition,
  createInMemorySequenceStorage,
  definePlugin,
  instantiatePlugin,
  isPluginDefinition,
  silentLogger,
  type PluginContext,
} from '../src/index';
import { createInMemoryWorkspace } from '../src/testkit/index';

const firstFileLocalizer = definePlugin({
  meta: { name: '@example/localizer-first-file', version: '1.2.3' },
  kind: 'localizer',
  specificationVersion: 'v1',
  optionsSchema: z.object({ maxFiles: z.number().int().positive().default(1) }),
  create(options, context) {
    return {
      specificationVersion: 'v1',
      async run(instanceId) {
        const files = (await (await context.workspace(instanceId)).listFiles()).slice(0, options.maxFiles);
        return { content: files.map((path) => ({ path, startLine: 1, endLine: 1, kind: 'file' as const })), metadata: { maxFiles: options.maxFiles } };
      },
    };
  },
});

const context = {
  workspace: async (instanceId: string) => createInMemoryWorkspace({ instanceId, files: { 'b.py': 'x = 1\n', 'a.py': 'y = 2\n' } }),
  storage: createInMemorySequenceStorage(),
  logger: silentLogger,
  hypers: {},
} as unknown as PluginContext;

describe('definePlugin', () => {
  it('creates a working plugin with defaulted options', async () => {
    expect(isPluginDefinition(firstFileLocalizer)).toBe(true);
    const localizer = await instantiatePlugin(firstFileLocalizer, undefined, context);
    expect(await localizer.run('x-1')).toEqual({ content: [{ path: 'a.py', startLine: 1, endLine: 1, kind: 'file' }], metadata: { maxFiles: 1 } });
  });

  it('shows the zod issues of invalid options', async () => {
    const attempt = instantiatePlugin(firstFileLocalizer, { maxFiles: -2 }, context);
    await expect(attempt).rejects.toThrow(InvalidPluginOptionsError);
    await expect(attempt).rejects.toThrow(/Invalid options for plugin "@example\/localizer-first-file":\n {2}✖ maxFiles: /);
  });

  it('refuses wrong kinds, unknown specification versions and malformed definitions', () => {
    expect(() => assertPluginDefinition(firstFileLocalizer, 'x', 'selector')).toThrow(/it is a localizer, but a selector was asked for/);
    expect(() => assertPluginDefinition({ ...firstFileLocalizer, specificationVersion: 'v9' }, 'x')).toThrow(UnsupportedSpecificationVersionError);
    expect(() => assertPluginDefinition({ kind: 'localizer' }, 'x')).toThrow(InvalidPluginError);
    expect(() => assertPluginDefinition(42, 'x')).toThrow(/not an object made by definePlugin/);
    expect(() => definePlugin({ ...firstFileLocalizer, optionsSchema: undefined as unknown as z.ZodObject })).toThrow(/optionsSchema must be a zod schema/);
  });

  it('checks the specification version of the created instance', async () => {
    const old = definePlugin({ ...firstFileLocalizer, create: () => ({ specificationVersion: 'v0', run: async () => ({ content: '', metadata: {} }) }) as never });
    await expect(instantiatePlugin(old, {}, context)).rejects.toThrow(/specification version "v0"/);
  });
});
