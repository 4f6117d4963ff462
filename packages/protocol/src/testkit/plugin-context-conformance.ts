import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Instance } from '../instance/v1/instance';
import type { PluginContextV1_1 } from '../plugin/v1_1/plugin-context';
import { goldNeedlesOf } from './gold-leaks';

/** What the suite needs: contexts as the host creates them, for two plugins and two runs. */
export interface PluginContextConformanceSetup {
  /** The context the host gives the plugin `pluginName` in run `runId` (create it as the host does). */
  context(pluginName: string, runId: string): PluginContextV1_1 | Promise<PluginContextV1_1>;
  /**
   * An instance of the runs WITH its gold data: the suite uses it only to look for gold in what a context
   * gives. Store the host's own work states of it in run `run-1` first (the `instance` outcome, `rewards:<stage>`
   * markers), so that the suite can check they are not readable through a checkpoint.
   */
  instance: Instance;
  /** Closes what the factory opened. */
  cleanup?(): Promise<void>;
}

export interface PluginContextConformanceFactory {
  create(): Promise<PluginContextConformanceSetup>;
}

/** The capabilities of a v1.1 context: nothing else may be reachable from it. */
export const pluginContextCapabilities = ['cache', 'checkpoint', 'hypers', 'logger', 'model', 'sandbox', 'signal', 'specificationVersion', 'task', 'workspace'] as const;

const goldFields = ['patch', 'testPatch', 'failToPass', 'passToPass', 'FAIL_TO_PASS', 'PASS_TO_PASS', 'test_patch', 'environmentSetupCommit'];

/**
 * The suite every host's plugin context (protocol v1.1) passes:
 * - it is capabilities only: exactly `pluginContextCapabilities`, no storage handle, no run or experiment id;
 * - `task(id)` holds no gold field and no gold text (lines the gold and test patches add, FAIL_TO_PASS names);
 * - a plugin's cache is its own: another plugin does not see its entries, the same plugin in another run does;
 * - a checkpoint is per (plugin, run, instance): other runs, instances and plugins do not see it, and the
 *   host's own work states (`instance`, `rewards:<stage>`) are not readable through it;
 * - checkpoint values survive a JSON round trip.
 *
 * ```ts
 * runPluginContextConformance('runner', { create: async () => ({ context: (plugin, run) => host.contextFor(plugin, run), instance }) });
 * ```
 */
export function runPluginContextConformance(name: string, factory: PluginContextConformanceFactory): void {
  describe(`PluginContext conformance: ${name}`, () => {
    let setup: PluginContextConformanceSetup;
    beforeAll(async () => {
      setup = await factory.create();
    }, 300_000);
    afterAll(async () => {
      await setup?.cleanup?.();
    });

    it('is capabilities only: no storage handle, no ids, nothing else', async () => {
      const context = await setup.context('@conformance/a', 'run-1');
      expect(Object.keys(context).sort()).toEqual([...pluginContextCapabilities]);
      expect(context.specificationVersion).toBe('v1.1');
      expect((context as unknown as Record<string, unknown>).storage).toBeUndefined();
    });

    it('gives tasks without gold fields or gold text', async () => {
      const context = await setup.context('@conformance/a', 'run-1');
      const task = await context.task(setup.instance.instanceId);
      for (const field of goldFields) expect(task, field).not.toHaveProperty(field);
      const text = JSON.stringify(task);
      const needles = await goldNeedlesOf(setup.instance, await context.workspace(setup.instance.instanceId));
      expect(needles.filter((needle) => text.includes(needle))).toEqual([]);
    });

    it("keeps each plugin's cache its own, across runs", async () => {
      const a = await setup.context('@conformance/a', 'run-1');
      const b = await setup.context('@conformance/b', 'run-1');
      const aLater = await setup.context('@conformance/a', 'run-2');
      await a.cache.put([{ key: 'answer', value: { text: 'from a' } }]);
      expect(await b.cache.get('answer')).toBeUndefined();
      expect(await aLater.cache.get('answer')).toEqual({ text: 'from a' });
    });

    it('keeps a checkpoint to its plugin, run and instance, apart from the host work states', async () => {
      const { instanceId } = setup.instance;
      const a = await setup.context('@conformance/a', 'run-1');
      const b = await setup.context('@conformance/b', 'run-1');
      const aOtherRun = await setup.context('@conformance/a', 'run-2');
      const state = { sample: 3, nested: { list: [1, 'two', null] } };
      await a.checkpoint(instanceId).put('progress', state);
      expect(await a.checkpoint(instanceId).get('progress')).toEqual(state);
      expect(await b.checkpoint(instanceId).get('progress')).toBeUndefined();
      expect(await aOtherRun.checkpoint(instanceId).get('progress')).toBeUndefined();
      for (const key of ['instance', 'rewards:localize', 'rewards:generate', 'rewards:select']) expect(await a.checkpoint(instanceId).get(key), key).toBeUndefined();
    });
  });
}
