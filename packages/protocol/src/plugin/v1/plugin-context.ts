import type { Task } from '../../instance/v1/task';
import type { Logger } from '../../logger/logger';
import type { ModelClient } from '../../model/v1/model-client';
import type { InstanceSandbox } from '../../sandbox/v1/sandbox';
import type { SequenceStorage } from '../../storage/v1/sequence-storage';
import type { Workspace } from '../../workspace/v1/workspace';

/**
 * Everything a plugin may use at run time. A plugin never learns which storage, sandbox or endpoint it
 * runs on, and never sees gold data: `task()` has no gold patch, test patch or test lists.
 */
export interface PluginContext {
  /** The gold-free view of an instance. */
  task(instanceId: string): Promise<Task>;
  /** The repository of an instance at its base commit. */
  workspace(instanceId: string): Promise<Workspace>;
  /** The model of this stage. Calls are logged and cached by the host. */
  readonly model: ModelClient;
  /** A named model of the experiment (e.g. "judge", "ranker"); the stage's model when none is configured by that name. */
  modelFor(role: string): ModelClient;
  /** The instance's sandbox, or undefined when the experiment runs without one. */
  sandbox(instanceId: string): InstanceSandbox | undefined;
  /** For plugin caches (`getCacheEntry`/`putCacheEntries`) and work state; the host writes stage results. */
  readonly storage: SequenceStorage;
  readonly logger: Logger;
  /** Aborted when the run is stopped; pass it on to long operations. */
  readonly signal: AbortSignal;
  /** Hyper-parameters of the current run (one point of the experiment's sweep). */
  readonly hypers: Readonly<Record<string, unknown>>;
  readonly experimentId: string;
  readonly runId: string;
}
