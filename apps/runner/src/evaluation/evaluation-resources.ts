import pMap from 'p-map';
import type { Instance } from '@codemonkeys/protocol';
import type { DockerSandbox } from '@codemonkeys/sandbox-docker';
import type { EvaluationEnvironment, InstanceSandboxProvider } from '@codemonkeys/swebench';
import { DockerSandboxConfigSchema, type DockerSandboxConfig } from '../config/experiment-config';
import type { EvaluationProgress } from './evaluation-progress';
import { openRunnerEnvironment } from './evaluation-environment';
import { repositorySourcesOf, type EvalOptions } from './eval-options';

/** Labels of the evaluation's containers, so that they can be found (and are reaped after a crash). */
const evaluationLabels = (runId: string): Record<string, string> => ({ 'codemonkeys.eval': '1', 'codemonkeys.eval.run': runId });

/** The Docker settings of `eval`'s (and `rewards --sandbox`'s) flags, as a config would give them. */
function evaluationSandboxSettings(options: Pick<EvalOptions, 'specFile' | 'specKind' | 'isolation' | 'buildBaseImages' | 'memoryGb' | 'cpus'>): DockerSandboxConfig {
  return DockerSandboxConfigSchema.parse({
    ...(options.specFile ? { specFile: options.specFile } : {}),
    specKind: options.specKind,
    isolation: options.isolation,
    buildBaseImages: options.buildBaseImages,
    limits: { ...(options.memoryGb ? { memoryBytes: Math.round(options.memoryGb * 1024 ** 3) } : {}), ...(options.cpus ? { cpus: options.cpus } : {}) },
  });
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
  each(item: Item, sandboxes: InstanceSandboxProvider): Promise<void>;
}

/**
 * Runs `each` over the items (`options.concurrency` at once) with one evaluation's environment open, and
 * always closes it. An interrupt closes it at once (removing the containers ends the tests in flight)
 * and items not started by then are skipped. Resolves to whether the work was interrupted.
 */
export async function forEachWithEvaluationResources<Item extends { instance: Instance }>(settings: ForEachWithEvaluationResourcesOptions<Item>): Promise<boolean> {
  const { options, runId, signal, progress } = settings;
  let environment: EvaluationEnvironment<DockerSandbox> | undefined;
  let interrupted = false;
  const onAbort = (): void => {
    interrupted = true;
    progress.log(settings.interruptMessage);
    void environment?.close();
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    environment = await openEvaluationSandboxes(
      options,
      runId,
      settings.items.map((item) => item.instance),
      (message) => progress.log(message),
    );
    const sandboxes = environment.instanceSandboxes;
    await pMap(
      settings.items,
      async (item) => {
        if (signal.aborted) return;
        try {
          await settings.each(item, sandboxes);
        } finally {
          await sandboxes.release(item.instance.instanceId);
        }
      },
      { concurrency: options.concurrency, stopOnError: true },
    );
  } finally {
    signal.removeEventListener('abort', onAbort);
    progress.stop();
    await environment?.close();
  }
  return interrupted;
}

/** The Docker environment of one evaluation (or `rewards --sandbox` run) from its flags. */
export function openEvaluationSandboxes(
  options: Pick<EvalOptions, 'specFile' | 'specKind' | 'isolation' | 'buildBaseImages' | 'memoryGb' | 'cpus' | 'cacheDirectory' | 'repository'>,
  runId: string,
  instances: readonly Instance[],
  log: (message: string) => void,
): Promise<EvaluationEnvironment<DockerSandbox>> {
  return openRunnerEnvironment({
    instances,
    sandbox: evaluationSandboxSettings(options),
    labels: evaluationLabels(runId),
    cacheDirectory: options.cacheDirectory,
    repositorySources: repositorySourcesOf(options.repository),
    log,
  });
}
