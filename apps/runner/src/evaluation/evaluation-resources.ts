import fs from 'node:fs/promises';
import { parseEnvironmentSpecs, createInstanceSandboxProvider, createRepositoryCache, type EnvironmentSpec, type InstanceSandboxProvider, type RepositoryCache } from '@codemonkeys/swebench';
import { createDockerSandbox, type DockerSandbox } from '@codemonkeys/sandbox-docker';
import { DatasetError } from '@codemonkeys/core';
import { findBaseImageScript, runBaseImageScript } from './base-image-script';
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
  const script = options.buildBaseImages ? findBaseImageScript() : undefined;
  const announced = new Set<string>();
  const provider = createInstanceSandboxProvider({
    sandbox,
    repositoryCache,
    ...(specs ? { specs } : {}),
    specKind: options.specKind,
    isolation: options.isolation,
    labels: evaluationLabels(runId),
    // The first build of an environment takes minutes: say so once per image (its output goes to the error if it fails).
    onImageLog: (_line: string, image: string) => {
      if (announced.has(image)) return;
      announced.add(image);
      log(`building the environment image ${image} (once; later instances of this environment reuse it)`);
    },
    ...(options.memoryGb || options.cpus
      ? { limits: { ...(options.memoryGb ? { memoryBytes: Math.round(options.memoryGb * 1024 ** 3) } : {}), ...(options.cpus ? { cpus: options.cpus } : {}) } }
      : {}),
    ...(script
      ? {
          buildBaseImage: async (suite: string, image: string) => {
            log(`building the base image ${image} with ${script} (debootstrap of Debian ${suite}, about two minutes)`);
            await runBaseImageScript(script, suite, image, () => undefined);
          },
        }
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
