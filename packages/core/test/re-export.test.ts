import * as pluginKit from '@codemonkeys/plugin-kit';
import * as protocol from '@codemonkeys/protocol';
import * as protocolTestkit from '@codemonkeys/protocol/testkit';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import * as core from '../src/index';
import * as coreTestkit from '../src/testkit/index';

describe('@codemonkeys/core (deprecated re-export)', () => {
  it('exports every value of protocol and plugin-kit as the very same object', () => {
    for (const [name, value] of [...Object.entries(protocol), ...Object.entries(pluginKit)]) {
      expect(Object.hasOwn(core, name), name).toBe(true);
      expect((core as Record<string, unknown>)[name], name).toBe(value);
    }
    for (const [name, value] of Object.entries(protocolTestkit)) expect((coreTestkit as Record<string, unknown>)[name], name).toBe(value);
  });

  it('a v1 plugin defined through core is a plugin for a host built on protocol, with the narrowed context', async () => {
    const plugin = core.definePlugin({
      meta: { name: '@lab/first-candidate', version: '1.0.0' },
      kind: 'selector',
      specificationVersion: 'v1',
      optionsSchema: z.object({}),
      create: (_options, context) => ({
        specificationVersion: 'v1',
        run: async (candidates: protocol.Patch[]) => {
          // A v1 plugin's storage reaches its cache and checkpoints, never the run's rewards.
          await expect(Promise.resolve().then(() => context.storage.queryRewards({ runId: 'r' }))).rejects.toThrow(protocol.UnsupportedCapabilityError);
          return candidates[0]!;
        },
      }),
    });
    expect(protocol.isPluginDefinition(plugin)).toBe(true);
    protocol.assertPluginDefinition(plugin, plugin.meta.name, 'selector');
    const selector = await protocol.createPluginInstance(plugin, {}, contextV1_1(), { experimentId: 'e', runId: 'r' });
    const patch = { instanceId: 'i', diff: 'diff --git a/a b/a\n', metadata: {} };
    await expect(selector.run([patch], 'i')).resolves.toMatchObject({ index: 0, patch });
  });
});

function contextV1_1(): protocol.PluginContextV1_1 {
  const refuse = (): never => {
    throw new Error('not used by this plugin');
  };
  return {
    specificationVersion: 'v1.1',
    task: refuse,
    workspace: refuse,
    model: () => ({ specificationVersion: 'v1' }),
    sandbox: () => undefined,
    cache: { get: async () => undefined, put: async () => undefined },
    checkpoint: () => ({ get: async () => undefined, put: async () => undefined }),
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    signal: new AbortController().signal,
    hypers: {},
  } as unknown as protocol.PluginContextV1_1;
}
