import {
  NotFoundError,
  UnsupportedCapabilityError,
  pluginCacheKey,
  toTask,
  type Instance,
  type InstanceSandbox,
  type Logger,
  type ModelClient,
  type PluginContextV1_1,
  type SequenceStorage,
} from '@codemonkeys/protocol';
import type { DockerSandbox } from '@codemonkeys/sandbox-docker';
import type { EvaluationEnvironment } from '@codemonkeys/swebench';
import type { ModelClients } from '../execution/model-clients';

const provider = 'codemonkeys select';

/** A model client that refuses every call: the selection was given no endpoint (--base-url, --model). */
const refusingModel: ModelClient = {
  specificationVersion: 'v1',
  endpoint: 'none',
  defaultModel: undefined,
  chat: () => {
    throw new UnsupportedCapabilityError({ capability: 'model', provider, hint: 'Give --base-url and --model for a selector that calls a model.' });
  },
  embed: () => {
    throw new UnsupportedCapabilityError({ capability: 'model', provider, hint: 'Give --base-url and --model for a selector that calls a model.' });
  },
  countTokens: (text) => Math.ceil(text.length / 4),
} as ModelClient;

export interface SelectionContextOptions {
  storage: SequenceStorage;
  runId: string;
  pluginName: string;
  /** The dataset's instances by id (with gold data: only `toTask` of them reaches the plugin). */
  instances: ReadonlyMap<string, Instance>;
  environment: EvaluationEnvironment<DockerSandbox | undefined> | undefined;
  models: ModelClients | undefined;
  logger: Logger;
  signal: AbortSignal;
  /** Called with the instance id each time a sandbox is handed to the selector (the containers figure). */
  onSandbox: (instanceId: string) => void;
}

/**
 * The context the selector of `codemonkeys select` is created with: the capabilities of a run's plugin
 * context and nothing more (no storage handle, so no labels, verdicts or rewards). Without a dataset there
 * is no task and no workspace; without --sandbox docker no sandbox; without --base-url no model: each
 * missing capability is refused with `UnsupportedCapabilityError` naming the flag that gives it.
 */
export function createSelectionContext(options: SelectionContextOptions): PluginContextV1_1 {
  const { storage, runId, pluginName, environment } = options;
  const instanceOf = (instanceId: string): Instance => {
    const instance = options.instances.get(instanceId);
    if (!instance) {
      if (options.instances.size === 0)
        throw new UnsupportedCapabilityError({ capability: 'task', provider, hint: 'Give --dataset (the SWE-bench instances) for a selector that reads the issue.' });
      throw new NotFoundError(`No instance "${instanceId}" in the dataset given with --dataset.`);
    }
    return instance;
  };
  return {
    specificationVersion: 'v1.1',
    task: async (instanceId) => toTask(instanceOf(instanceId)),
    workspace: async (instanceId) => {
      if (!environment)
        throw new UnsupportedCapabilityError({
          capability: 'workspace',
          provider,
          hint: 'Give --dataset (and --repository owner/name=PATH for local clones) for the repository at the base commit.',
        });
      instanceOf(instanceId);
      return environment.workspaces.workspace(instanceId);
    },
    model: (role) => {
      if (!options.models) return refusingModel;
      return role === undefined ? options.models.forRole('default') : (options.models.get(role) ?? options.models.forRole('default'));
    },
    sandbox: (instanceId): InstanceSandbox | undefined => {
      const provided = environment?.instanceSandboxes;
      if (!provided) return undefined;
      const sandbox = provided.sandboxFor(toTask(instanceOf(instanceId)));
      options.onSandbox(instanceId);
      return sandbox;
    },
    cache: {
      async get(key) {
        return (await storage.getCacheEntry(pluginCacheKey(pluginName, key)))?.value;
      },
      async put(entries) {
        if (entries.length === 0) return;
        const createdAt = new Date().toISOString();
        await storage.putCacheEntries(entries.map((entry) => ({ key: pluginCacheKey(pluginName, entry.key), value: entry.value, createdAt })));
      },
    },
    checkpoint: (instanceId) => {
      const key = (name: string) => `plugin:${pluginName}:${name}`;
      return {
        async get(name) {
          return (await storage.getWorkState(runId, instanceId, key(name)))?.state;
        },
        async put(name, state) {
          await options.models?.flush();
          await storage.putWorkState({ runId, instanceId, key: key(name), state: JSON.parse(JSON.stringify(state ?? null)) as unknown, updatedAt: new Date().toISOString() });
        },
      };
    },
    logger: options.logger,
    signal: options.signal,
    hypers: {},
  };
}
