import fs from 'node:fs/promises';
import { parseEnvironmentSpecs, createInstanceSandboxProvider, createRepositoryCache, type EnvironmentSpec, type InstanceSandboxProvider, type RepositoryCache } from '@codemonkeys/swebench';
import { createDockerSandbox, type DockerSandbox } from '@codemonkeys/sandbox-docker';
import pMap from 'p-map';
import { DatasetError, type Instance } from '@codemonkeys/protocol';
import type { EvaluationProgress } from './evaluation-progress';
import { imageBuildHooks } from './image-build-notices';
import { repositorySourcesOf, type EvalOptions } from './eval-options';

/** Labels of the evaluation's containers, so that they can be found (and are reaped after a crash). */
export const evaluationLabels = (runId: string): Record<string, string> => ({ 'codemonkeys.eval': '1', 'codemonkeys.eval.run': runId });

export interface EvaluationResources {
  sandbox: DockerSandbox;
  repositoryCache: RepositoryCache;
  provider: InstanceSandboxProvider;
  specs: EnvironmentSpec[] | undefined;
  close(): Promise<void>;
}

/** A user's environment specs file: a JSON array of specs (or one spec). */
export async function loadSpecFile(file: string): Promise<EnvironmentSpec[]> {
  let value: unknown;
  try {
    value = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (error) {
    throw new DatasetError({ file, reason: `is not a readable JSON file of environment specs (${(error as Error).message}).`, cause: error });
  }
  return parseEnvironmentSpecs(Array.isArray(value) ? value : [value], `Environment specs in ${file}`);
}

/**
 * The Docker sandbox (containers of crashed runs reaped on start), the repository cache and the
 * instance sandbox provider of one evaluation.
 */
export async function openEvaluationResources(options: EvalOptions, runId: string, log: (message: string) => void): Promise<EvaluationResources> {
  const specs = options.specFile ? await loadSpecFile(options.specFile) : undefined;
  const sandbox = await createDockerSandbox({ labels: evaluationLabels(runId) });
  const repositoryCache = createRepositoryCache({
    ...(options.cacheDirectory ? { directory: options.cacheDirectory } : {}),
    repositorySources: repositorySourcesOf(options.repository),
  });
  const provider = createInstanceSandboxProvider({
    sandbox,
    repositoryCache,
    ...(specs ? { specs } : {}),
    specKind: options.specKind,
    isolation: options.isolation,
    labels: evaluationLabels(runId),
    ...imageBuildHooks(options.buildBaseImages, log),
    ...(options.memoryGb || options.cpus
      ? { limits: { ...(options.memoryGb ? { memoryBytes: Math.round(options.memoryGb * 1024 ** 3) } : {}), ...(options.cpus ? { cpus: options.cpus } : {}) } }
      : {}),
  });
  let closing: Promise<void> | undefined;
  return {
    sandbox,
    repositoryCache,
    provider,
    specs,
    close() {
      // Every caller (an interrupt, the end of the run) waits for the same removal of the containers.
      closing ??= (async () => {
        await provider.close().catch(() => undefined);
        await sandbox.close().catch(() => undefined);
        await repositoryCache.close().catch(() => undefined);
      })();
      return closing;
    },
  };
}

export interface ForEachWithEvaluationResourcesOptions<Item extends { instance: Instance }> {
  options: EvalOptions;
  runId: string;
  signal: AbortSignal;
  /** Stopped when the work ends; gets the resources' notices and `interruptMessage`. */
  progress: EvaluationProgress;
  /** Said once on an interrupt (what is kept, how to resume). */
  interruptMessage: string;
  items: readonly Item[];
  /** One item's work; its instance's sandbox is released afterwards, whatever happens. */
  each(item: Item, resources: EvaluationResources): Promise<void>;
}

/**
 * Runs `each` over the items (`options.concurrency` at once) with one evaluation's resources open, and
 * always closes them. An interrupt closes them at once (removing the containers ends the tests in
 * flight) and items not started by then are skipped. Resolves to whether the work was interrupted.
 */
export async function forEachWithEvaluationResources<Item extends { instance: Instance }>(settings: ForEachWithEvaluationResourcesOptions<Item>): Promise<boolean> {
  const { options, runId, signal, progress } = settings;
  let resources: EvaluationResources | undefined;
  let interrupted = false;
  const onAbort = (): void => {
    interrupted = true;
    progress.log(settings.interruptMessage);
    void resources?.close();
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    resources = await openEvaluationResources(options, runId, (message) => progress.log(message));
    const opened = resources;
    await pMap(
      settings.items,
      async (item) => {
        if (signal.aborted) return;
        try {
          await settings.each(item, opened);
        } finally {
          await opened.provider.release(item.instance.instanceId);
        }
      },
      { concurrency: options.concurrency, stopOnError: true },
    );
  } finally {
    signal.removeEventListener('abort', onAbort);
    progress.stop();
    await resources?.close();
  }
  return interrupted;
}
