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
function evaluationSandboxSettings(
  options: Pick<EvalOptions, 'specFile' | 'specKind' | 'isolation' | 'buildBaseImages' | 'memoryGb' | 'cpus'> & Partial<Pick<EvalOptions, 'registry' | 'maxImageDisk'>>,
  singleUse: boolean,
): DockerSandboxConfig {
  return DockerSandboxConfigSchema.parse({
    ...(options.specFile ? { specFile: options.specFile } : {}),
    specKind: options.specKind,
    // One evaluation per instance needs neither a snapshot nor a reset: a single-use container is faster.
    isolation: options.isolation === 'auto' ? (singleUse ? 'fresh' : 'reuse') : options.isolation,
    ...(options.registry ? { registry: options.registry } : {}),
    ...(options.maxImageDisk ? { maxImageDiskBytes: options.maxImageDisk } : {}),
    buildBaseImages: options.buildBaseImages,
    limits: { ...(options.memoryGb ? { memoryBytes: Math.round(options.memoryGb * 1024 ** 3) } : {}), ...(options.cpus ? { cpus: options.cpus } : {}) },
  });
}

export interface ForEachWithEvaluationResourcesOptions<Item extends { instance: Instance; units: readonly unknown[] }> {
  options: EvalOptions;
  runId: string;
  signal: AbortSignal;
  /** Stopped when the work ends; gets the resources' notices and `interruptMessage`. */
  progress: EvaluationProgress;
  /** Said once on an interrupt (what is kept, how to resume). */
  interruptMessage: string;
  /** Instances with their units of work (a candidate and repetition each); in the order they are started. */
  items: readonly Item[];
  /** Sandbox uses of one unit (default 1; an environment check uses two): with `--isolation auto`, instances used once get a single-use container. */
  usesPerUnit?: number;
  /** One unit's work, holding one container; the instance's sandbox is released after its last unit, whatever happens. */
  each(item: Item, unit: Item['units'][number], sandboxes: InstanceSandboxProvider): Promise<void>;
}

/**
 * Runs `each` over every unit of every item with one evaluation's environment open, at most
 * `options.containers` units at once (each holds one container; an instance may have several, so that its
 * candidates run side by side), in the order given, and always closes the environment. An interrupt
 * removes the containers at once (ending the tests in flight) and units not started by then are
 * skipped; so are they after a unit failed with a bug, which is rethrown once the units in flight are
 * done. Resolves to whether the work was interrupted.
 */
export async function forEachWithEvaluationResources<Item extends { instance: Instance; units: readonly unknown[] }>(
  settings: ForEachWithEvaluationResourcesOptions<Item>,
): Promise<boolean> {
  const { options, runId, signal, progress } = settings;
  let environment: EvaluationEnvironment<DockerSandbox> | undefined;
  let interrupted = false;
  const onAbort = (): void => {
    interrupted = true;
    progress.log(settings.interruptMessage);
    // The instances' containers go at once (ending the tests in flight); the rest of the environment (its
    // Docker client) only once no unit runs: a container being created now is then removed by its pool,
    // not left behind by a request cut off halfway.
    void environment?.instanceSandboxes.close();
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    environment = await openEvaluationSandboxes(
      options,
      runId,
      settings.items.map((item) => item.instance),
      (message) => progress.log(message),
      { sessionsPerInstance: options.containers, singleUse: settings.items.every((item) => item.units.length * (settings.usesPerUnit ?? 1) === 1) },
    );
    const sandboxes = environment.instanceSandboxes;
    // Units in order, `containers` at once; an instance's containers go when its last unit is done.
    const remaining = new Map(settings.items.map((item) => [item, item.units.length]));
    const releases: Promise<void>[] = [];
    let failure: { error: unknown } | undefined;
    await pMap(
      settings.items.flatMap((item) => item.units.map((unit) => ({ item, unit }))),
      async ({ item, unit }) => {
        try {
          if (!signal.aborted && !failure) await settings.each(item, unit, sandboxes);
        } catch (error) {
          failure ??= { error };
        } finally {
          const left = remaining.get(item)! - 1;
          remaining.set(item, left);
          if (left === 0) releases.push(sandboxes.release(item.instance.instanceId).catch((error: unknown) => void (failure ??= { error })));
        }
      },
      { concurrency: options.containers },
    );
    await Promise.all(releases);
    if (failure) throw failure.error;
  } finally {
    signal.removeEventListener('abort', onAbort);
    progress.stop();
    await environment?.close();
  }
  return interrupted;
}

/** The Docker environment of one evaluation (or `rewards --sandbox` run) from its flags. */
export function openEvaluationSandboxes(
  options: Pick<EvalOptions, 'specFile' | 'specKind' | 'isolation' | 'buildBaseImages' | 'memoryGb' | 'cpus' | 'cacheDirectory' | 'repository'> &
    Partial<Pick<EvalOptions, 'registry' | 'maxImageDisk'>>,
  runId: string,
  instances: readonly Instance[],
  log: (message: string) => void,
  extra: { sessionsPerInstance?: number; singleUse?: boolean } = {},
): Promise<EvaluationEnvironment<DockerSandbox>> {
  return openRunnerEnvironment({
    instances,
    sandbox: evaluationSandboxSettings(options, extra.singleUse ?? false),
    labels: evaluationLabels(runId),
    ...(extra.sessionsPerInstance ? { sessionsPerInstance: extra.sessionsPerInstance } : {}),
    cacheDirectory: options.cacheDirectory,
    repositorySources: repositorySourcesOf(options.repository),
    log,
  });
}
