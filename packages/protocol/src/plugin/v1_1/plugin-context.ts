import type { Task } from '../../instance/v1/task';
import type { Logger } from '../../logger/logger';
import type { ModelClient } from '../../model/v1/model-client';
import type { InstanceSandbox } from '../../sandbox/v1/sandbox';
import type { Workspace } from '../../workspace/v1/workspace';

/**
 * A plugin's own content-addressed cache (judgments, embeddings, test outcomes), shared by every run in
 * the same storage. Keys are the plugin's: the host keeps each plugin's entries apart, so a plugin reads
 * only what it (or another version of it) wrote. Values are JSON; validate what you read.
 */
export interface PluginCache {
  get(key: string): Promise<unknown>;
  put(entries: readonly { key: string; value: unknown }[]): Promise<void>;
}

/**
 * Progress of a plugin on one instance of the current run (a finished sample, a conversation so far), so a
 * resumed run continues where it stopped. `put` first stores the model-call records of the calls made so
 * far: a checkpoint never outlives the records of the calls it stands for.
 */
export interface PluginCheckpoint {
  get(key: string): Promise<unknown>;
  put(key: string, state: unknown): Promise<void>;
}

/**
 * Everything a plugin may use at run time (protocol v1.1): capabilities, nothing more. There is no
 * storage handle, so no plugin can read rewards, verdicts or any gold-derived record, by construction;
 * `task()` has no gold patch, test patch or test lists; workspaces and sandboxes hold the repository at
 * its base commit with no later history.
 */
export interface PluginContextV1_1 {
  readonly specificationVersion: 'v1.1';
  /** The gold-free view of an instance. */
  task(instanceId: string): Promise<Task>;
  /** The repository of an instance at its base commit (`createWritableCopy()` for a private, editable copy). */
  workspace(instanceId: string): Promise<Workspace>;
  /**
   * The model of this plugin's stage, or of an experiment role (`model('judge')`); the stage's model when
   * the experiment names no such role. Calls are labelled, cached, budgeted and recorded by the host.
   */
  model(role?: string): ModelClient;
  /** The instance's sandbox, or undefined when the experiment runs without one. */
  sandbox(instanceId: string): InstanceSandbox | undefined;
  /** This plugin's cache. */
  readonly cache: PluginCache;
  /** This plugin's checkpoint on an instance of the current run. */
  checkpoint(instanceId: string): PluginCheckpoint;
  readonly logger: Logger;
  /** Aborted when the run is stopped; pass it on to long operations. */
  readonly signal: AbortSignal;
  /** Hyper-parameters of the current run (one point of the experiment's sweep). */
  readonly hypers: Readonly<Record<string, unknown>>;
}
