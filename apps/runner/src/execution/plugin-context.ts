import { NotFoundError, pluginCacheKey, toTask, type Logger, type PluginContextV1_1 } from '@codemonkeys/protocol';
import type { ExperimentResources } from './experiment-resources';

export interface RunnerPluginContextOptions {
  resources: ExperimentResources;
  runId: string;
  /** The plugin the context is for: its cache entries are its own (`pluginCacheKey`). */
  pluginName: string;
  /** The model role of the stage (`context.model()`). */
  modelRole: string;
  hypers: Readonly<Record<string, unknown>>;
  signal: AbortSignal;
  logger: Logger;
}

/**
 * The context a plugin of a run is created with (protocol v1.1): capabilities and nothing more. Gold-free
 * tasks (`toTask`), the repository workspaces (opened in the CPU pool), the stage's model and the
 * experiment's other models by role, the instance sandboxes, the plugin's own cache and its checkpoints
 * on the run's instances. There is no storage handle: rewards, verdicts and stage results of the run are
 * not reachable from here (v1 plugins get `pluginContextV1Of` of this context, whose `storage` reaches the
 * same cache and checkpoints and refuses every other method). Model calls are labelled by the runner's
 * `withCallLabels` scopes around each stage.
 */
export function createRunnerPluginContext(options: RunnerPluginContextOptions): PluginContextV1_1 {
  const { resources, runId, pluginName } = options;
  const storage = resources.storage;
  const instanceOf = (instanceId: string) => {
    const instance = resources.instances.get(instanceId);
    if (!instance) throw new NotFoundError(`No instance "${instanceId}" in this run's dataset selection. Check the dataset and --instances.`);
    return instance;
  };
  return {
    specificationVersion: 'v1.1',
    task: async (instanceId) => toTask(instanceOf(instanceId)),
    workspace: (instanceId) => resources.pools.cpu(() => resources.workspaces.workspace(instanceId)),
    model: (role) => (role === undefined ? resources.models.forRole(options.modelRole) : (resources.models.get(role) ?? resources.models.forRole(options.modelRole))),
    sandbox: (instanceId) => (resources.sandboxes ? resources.sandboxes.sandboxFor(toTask(instanceOf(instanceId))) : undefined),
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
      instanceOf(instanceId);
      const key = (name: string) => `plugin:${pluginName}:${name}`;
      return {
        async get(name) {
          return (await storage.getWorkState(runId, instanceId, key(name)))?.state;
        },
        // A checkpoint (a finished sample, say) first writes the model-call records still buffered by the
        // call recorder. Otherwise a process killed between the two leaves a checkpoint whose calls were
        // never recorded: the resumed run (or the worker that takes the job over) trusts the checkpoint,
        // does not repeat the calls, and their records are lost for good.
        async put(name, state) {
          await resources.models.flush();
          await storage.putWorkState({ runId, instanceId, key: key(name), state: JSON.parse(JSON.stringify(state ?? null)) as unknown, updatedAt: new Date().toISOString() });
        },
      };
    },
    logger: options.logger,
    signal: options.signal,
    hypers: options.hypers,
  };
}
