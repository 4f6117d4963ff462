import { UnsupportedCapabilityError } from '../../errors/capability-errors';
import type { CacheEntry, WorkStateRecord } from '../../storage/v1/records';
import type { SequenceStorage } from '../../storage/v1/sequence-storage';
import type { PluginContext } from '../v1/plugin-context';
import type { PluginContextV1_1 } from '../v1_1/plugin-context';
import { pluginCacheKey } from './plugin-cache-key';

/** What a v1 context says about where it runs (v1.1 contexts do not carry it). */
export interface PluginRunIdentity {
  experimentId: string;
  runId: string;
}

const allowedV1StorageMethods = ['getCacheEntry', 'putCacheEntries', 'getWorkState', 'putWorkState'] as const;

/**
 * The `storage` a v1 plugin sees on a v1.1 host: its cache (`getCacheEntry`, `putCacheEntries`) and its
 * checkpoints (`getWorkState`, `putWorkState` of the current run), the four methods plugins use. Every
 * other method (queries of rewards, stage results, model calls, ...) throws UnsupportedCapabilityError:
 * no plugin can read a verdict or any gold-derived record, whichever protocol version it speaks.
 */
function pluginStorageV1(context: PluginContextV1_1, identity: PluginRunIdentity): SequenceStorage {
  const refuse = (method: string) => (): never => {
    throw new UnsupportedCapabilityError({
      capability: `storage.${method}`,
      provider: 'The plugin context',
      hint: `Plugins have no storage handle: ${allowedV1StorageMethods.join(', ')} reach the plugin's cache and checkpoints; rewards, verdicts and stored results are not readable by plugins.`,
    });
  };
  const now = (): string => new Date().toISOString();
  const methods = {
    specificationVersion: 'v1',
    name: 'plugin-context',
    capabilities: { multiProcess: false, persistent: true },
    async getCacheEntry(key: string): Promise<CacheEntry | undefined> {
      const value = await context.cache.get(key);
      return value === undefined ? undefined : { key, value, createdAt: now() };
    },
    async putCacheEntries(entries: readonly CacheEntry[]): Promise<void> {
      await context.cache.put(entries.map((entry) => ({ key: entry.key, value: entry.value })));
    },
    async getWorkState(runId: string, instanceId: string, key: string): Promise<WorkStateRecord | undefined> {
      if (runId !== identity.runId) return undefined;
      const state = await context.checkpoint(instanceId).get(key);
      return state === undefined ? undefined : { runId, instanceId, key, state, updatedAt: now() };
    },
    async putWorkState(record: WorkStateRecord): Promise<void> {
      if (record.runId !== identity.runId) refuse('putWorkState (of another run)')();
      await context.checkpoint(record.instanceId).put(record.key, record.state);
    },
    async close(): Promise<void> {},
  };
  return new Proxy(methods, {
    get(target, property) {
      if (typeof property !== 'string') return undefined;
      if (property in target) return target[property as keyof typeof target];
      if (property === 'then') return undefined;
      return refuse(property);
    },
  }) as unknown as SequenceStorage;
}

/** The v1 context a v1 plugin is created with on a v1.1 host (`createPluginInstance` uses it). */
export function pluginContextV1Of(context: PluginContextV1_1, identity: PluginRunIdentity): PluginContext {
  return {
    task: (instanceId) => context.task(instanceId),
    workspace: (instanceId) => context.workspace(instanceId),
    model: context.model(),
    modelFor: (role) => context.model(role),
    sandbox: (instanceId) => context.sandbox(instanceId),
    storage: pluginStorageV1(context, identity),
    logger: context.logger,
    signal: context.signal,
    hypers: context.hypers,
    experimentId: identity.experimentId,
    runId: identity.runId,
  };
}

/**
 * The v1.1 context a v1.1 plugin is created with on a v1 host (`instantiatePlugin`): the cache and the
 * checkpoints over the v1 context's storage, the cache keyed by `pluginCacheKey(pluginName, key)`.
 */
export function pluginContextV1_1Of(context: PluginContext, pluginName: string): PluginContextV1_1 {
  const now = (): string => new Date().toISOString();
  return {
    specificationVersion: 'v1.1',
    task: (instanceId) => context.task(instanceId),
    workspace: (instanceId) => context.workspace(instanceId),
    model: (role) => (role === undefined ? context.model : context.modelFor(role)),
    sandbox: (instanceId) => context.sandbox(instanceId),
    cache: {
      async get(key) {
        return (await context.storage.getCacheEntry(pluginCacheKey(pluginName, key)))?.value;
      },
      async put(entries) {
        if (entries.length === 0) return;
        const createdAt = now();
        await context.storage.putCacheEntries(entries.map((entry) => ({ key: pluginCacheKey(pluginName, entry.key), value: entry.value, createdAt })));
      },
    },
    checkpoint: (instanceId) => ({
      async get(key) {
        return (await context.storage.getWorkState(context.runId, instanceId, key))?.state;
      },
      async put(key, state) {
        await context.storage.putWorkState({ runId: context.runId, instanceId, key, state, updatedAt: now() });
      },
    }),
    logger: context.logger,
    signal: context.signal,
    hypers: context.hypers,
  };
}
