import { NotFoundError, toTask, type Logger, type PluginContext, type SequenceStorage, type WorkStateRecord } from '@codemonkeys/protocol';
import type { ExperimentResources } from './experiment-resources';

export interface RunnerPluginContextOptions {
  resources: ExperimentResources;
  experimentId: string;
  runId: string;
  /** The model role of the stage (`context.model`). */
  modelRole: string;
  hypers: Readonly<Record<string, unknown>>;
  signal: AbortSignal;
  logger: Logger;
}

/**
 * The context a plugin of a run is created with: gold-free tasks (`toTask`), the repository workspaces
 * (opened in the CPU pool), the stage's model and the experiment's other models by role, the instance
 * sandboxes (each use in the containers pool), the run's storage and hypers. Model calls are labelled by
 * the runner's `withCallLabels` scopes around each stage.
 */
export function createRunnerPluginContext(options: RunnerPluginContextOptions): PluginContext {
  const { resources } = options;
  const instanceOf = (instanceId: string) => {
    const instance = resources.instances.get(instanceId);
    if (!instance) throw new NotFoundError(`No instance "${instanceId}" in this run's dataset selection. Check the dataset and --instances.`);
    return instance;
  };
  return {
    task: async (instanceId) => toTask(instanceOf(instanceId)),
    workspace: (instanceId) => resources.pools.cpu(() => resources.workspaces.workspace(instanceId)),
    model: resources.models.forRole(options.modelRole),
    modelFor: (role) => resources.models.get(role) ?? resources.models.forRole(options.modelRole),
    sandbox: (instanceId) => (resources.sandboxes ? resources.sandboxes.sandboxFor(toTask(instanceOf(instanceId))) : undefined),
    storage: storageFlushingModelCallsFirst(resources),
    logger: options.logger,
    signal: options.signal,
    hypers: options.hypers,
    experimentId: options.experimentId,
    runId: options.runId,
  };
}

/**
 * The run's storage as plugins see it: a work-state write (a plugin's checkpoint, e.g. a finished
 * sample) first writes the model-call records still buffered by the call recorder. Otherwise a process
 * killed between the two leaves a checkpoint whose calls were never recorded: the resumed run (or the
 * worker that takes the job over) trusts the checkpoint, does not repeat the calls, and their records
 * are lost for good.
 */
function storageFlushingModelCallsFirst(resources: ExperimentResources): SequenceStorage {
  const storage = resources.storage;
  return new Proxy(storage, {
    get(target, property, receiver) {
      if (property === 'putWorkState') {
        return async (record: WorkStateRecord): Promise<void> => {
          await resources.models.flush();
          await target.putWorkState(record);
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...parameters: unknown[]) => unknown).bind(target) : value;
    },
  });
}
