import os from 'node:os';
import path from 'node:path';
import { DatasetError, type Instance, type Logger, type SequenceStorage } from '@codemonkeys/protocol';
import type { DockerSandbox } from '@codemonkeys/sandbox-docker';
import {
  loadDataset,
  type EnvironmentInstanceSandbox,
  type InstanceSandboxProvider,
  type RepositoryCache,
  type SandboxInstance,
  type WorkspaceProvider,
} from '@codemonkeys/swebench';
import type { DatasetConfig, ExperimentConfig } from '../config/experiment-config';
import { openRunnerEnvironment } from '../evaluation/evaluation-environment';
import { createModelClients, type ModelClients } from './model-clients';
import { createResourcePools, pooledInstanceSandbox, type ResourcePools } from './resource-pools';

/** Labels of a run's containers: found (and reaped after a crash) by them. */
const experimentContainerLabels = (experimentId: string): Record<string, string> => ({ 'codemonkeys.run': '1', 'codemonkeys.experiment': experimentId });

/** Where repository mirrors live between runs unless the config says otherwise. */
function defaultRepositoryCacheDirectory(): string {
  const base = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache');
  return path.join(base, 'codemonkeys', 'repositories');
}

/** Splits the config's instance names into exact ids and globs. */
function instanceFilterOf(dataset: DatasetConfig): { ids?: string[]; globs?: string[]; repos?: string[]; slice?: string } {
  const ids = (dataset.instances ?? []).filter((name) => !/[*?[\]{}]/.test(name));
  const globs = (dataset.instances ?? []).filter((name) => /[*?[\]{}]/.test(name));
  return {
    ...(ids.length > 0 ? { ids } : {}),
    ...(globs.length > 0 ? { globs } : {}),
    ...(dataset.repo ? { repos: [dataset.repo] } : {}),
    ...(dataset.slice ? { slice: dataset.slice } : {}),
  };
}

/** The instances of a run, in dataset order (with their gold data: only the runner and the rewards see it). */
export async function loadExperimentInstances(dataset: DatasetConfig): Promise<Instance[]> {
  const instances = await loadDataset(dataset.path, instanceFilterOf(dataset));
  if (instances.length === 0) {
    throw new DatasetError({
      file: dataset.path,
      reason: `has no instance matching ${JSON.stringify(dataset.instances ?? [])}${dataset.repo ? ` of ${dataset.repo}` : ''}${dataset.slice ? ` in slice ${dataset.slice}` : ''}. Check --instances.`,
    });
  }
  return instances;
}

/** The environment's Docker sandbox and instance sandboxes, seen through the containers pool (closed with the resources). */
export interface SandboxResources {
  sandbox: DockerSandbox;
  provider: InstanceSandboxProvider;
  /** The instance's sandbox, each use waiting for a containers-pool slot. */
  sandboxFor(instance: SandboxInstance): EnvironmentInstanceSandbox;
  /** Marks an instance in use (several runs may work on one instance at once). */
  acquire(instanceId: string): void;
  /** Ends one use; the instance's containers are removed when no run uses it any more. */
  release(instanceId: string): Promise<void>;
}

/** Everything a process needs to run instances of an experiment; one per process (run command or worker). */
export interface ExperimentResources {
  storage: SequenceStorage;
  /** Every instance of the dataset the process may be asked for, by id. */
  instances: Map<string, Instance>;
  models: ModelClients;
  repositoryCache: RepositoryCache;
  workspaces: WorkspaceProvider;
  sandboxes: SandboxResources | undefined;
  pools: ResourcePools;
  logger: Logger;
  close(): Promise<void>;
}

/** The parts of a config that resources are made from (a code experiment's settings have them too). */
export type ResourceConfig = Pick<ExperimentConfig, 'sandbox' | 'cacheDirectory' | 'repositories' | 'concurrency' | 'models' | 'budgets'>;

export interface OpenExperimentResourcesOptions {
  config: ResourceConfig;
  experimentId: string;
  storage: SequenceStorage;
  instances: readonly Instance[];
  logger: Logger;
  /** Tokens and cost already spent by these runs (charged to the budget). */
  spentBefore?: { tokens: number; costUsd: number };
  /** Short notices (image builds) for the progress display. */
  log?: (message: string) => void;
}

/** The containers-pool and use-counting view of the environment's instance sandboxes. */
function sandboxResourcesOf(sandbox: DockerSandbox, provider: InstanceSandboxProvider, pools: ResourcePools): SandboxResources {
  const wrapped = new Map<string, EnvironmentInstanceSandbox>();
  const users = new Map<string, number>();
  return {
    sandbox,
    provider,
    sandboxFor(instance) {
      let pooled = wrapped.get(instance.instanceId);
      if (!pooled) {
        pooled = pooledInstanceSandbox(provider.sandboxFor(instance), pools);
        wrapped.set(instance.instanceId, pooled);
      }
      return pooled;
    },
    acquire(instanceId) {
      users.set(instanceId, (users.get(instanceId) ?? 0) + 1);
    },
    async release(instanceId) {
      const remaining = (users.get(instanceId) ?? 1) - 1;
      if (remaining > 0) {
        users.set(instanceId, remaining);
        return;
      }
      users.delete(instanceId);
      wrapped.delete(instanceId);
      await provider.release(instanceId);
    },
  };
}

export async function openExperimentResources(options: OpenExperimentResourcesOptions): Promise<ExperimentResources> {
  const { config } = options;
  const pools = createResourcePools(config.concurrency);
  const instances = new Map(options.instances.map((instance) => [instance.instanceId, instance]));
  const environment = await openRunnerEnvironment({
    instances: [...instances.values()],
    sandbox: config.sandbox,
    labels: experimentContainerLabels(options.experimentId),
    cacheDirectory: config.cacheDirectory ?? defaultRepositoryCacheDirectory(),
    repositorySources: config.repositories,
    log: options.log ?? (() => undefined),
  });
  const models = createModelClients({
    models: config.models,
    budgets: config.budgets,
    storage: options.storage,
    logger: options.logger,
    ...(options.spentBefore ? { spentBefore: options.spentBefore } : {}),
  });
  let closing: Promise<void> | undefined;
  return {
    storage: options.storage,
    instances,
    models,
    repositoryCache: environment.repositoryCache,
    workspaces: environment.workspaces,
    sandboxes: environment.sandbox && environment.instanceSandboxes ? sandboxResourcesOf(environment.sandbox, environment.instanceSandboxes, pools) : undefined,
    pools,
    logger: options.logger,
    close() {
      closing ??= (async () => {
        await models.close().catch(() => undefined);
        await environment.close();
      })();
      return closing;
    },
  };
}
