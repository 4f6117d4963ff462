import {
  createInMemorySequenceStorage,
  silentLogger,
  toTask,
  NotFoundError,
  type Instance,
  type InstanceSandbox,
  type Logger,
  type ModelClient,
  type PluginContext,
  type SequenceStorage,
} from '@codemonkeys/protocol';
import { createWorkspaceProvider, type WorkspaceProvider } from '../repository/workspace-provider';

export interface TestPluginContextOptions {
  /** The instances the context serves (e.g. `fixture.instances`). */
  instances: readonly Instance[];
  /** `{ [repo]: localPath }` (e.g. `fixture.repositorySources`). */
  repositorySources?: Record<string, string>;
  /** The stage's model (e.g. a client of @codemonkeys/llm pointed at the loopback server). */
  model: ModelClient;
  /** Named models for `modelFor(role)`; unknown roles get `model`. */
  models?: Record<string, ModelClient>;
  storage?: SequenceStorage;
  sandbox?: (instanceId: string) => InstanceSandbox | undefined;
  hypers?: Record<string, unknown>;
  logger?: Logger;
  signal?: AbortSignal;
  experimentId?: string;
  runId?: string;
}

export interface TestPluginContext extends PluginContext {
  readonly workspaces: WorkspaceProvider;
  /** Closes the workspaces (and the storage when the context created it). */
  close(): Promise<void>;
}

/**
 * A real PluginContext for plugin tests: gold-free tasks and repository workspaces of the given instances,
 * the model you pass, in-memory storage unless you pass one. The runner builds the same thing with
 * logging, call labels and pooled sandboxes.
 */
export function createTestPluginContext(options: TestPluginContextOptions): TestPluginContext {
  const workspaces = createWorkspaceProvider({ instances: options.instances, repositorySources: options.repositorySources ?? {} });
  const storage = options.storage ?? createInMemorySequenceStorage();
  const byId = new Map(options.instances.map((instance) => [instance.instanceId, instance]));
  return {
    workspaces,
    async task(instanceId) {
      const instance = byId.get(instanceId);
      if (!instance) throw new NotFoundError(`No instance "${instanceId}" in this test context.`);
      return toTask(instance);
    },
    workspace: (instanceId) => workspaces.workspace(instanceId),
    model: options.model,
    modelFor: (role) => options.models?.[role] ?? options.model,
    sandbox: (instanceId) => options.sandbox?.(instanceId),
    storage,
    logger: options.logger ?? silentLogger,
    signal: options.signal ?? new AbortController().signal,
    hypers: options.hypers ?? {},
    experimentId: options.experimentId ?? 'test-experiment',
    runId: options.runId ?? 'test-run',
    async close() {
      await workspaces.close();
      if (!options.storage) await storage.close();
    },
  };
}
