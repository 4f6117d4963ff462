import { supportedSpecificationVersions, type RunRecord, type RunStatus, type SequenceStorage } from '@codemonkeys/protocol';
import { packageMeta } from '../package-meta';
import type { EnvironmentValidationSummary } from './environment-validation';
import type { ExperimentRuntime, RuntimeRun } from './experiment-runtime';

/** Run record metadata written by the runner (besides what `codemonkeys runs` shows from the record itself). */
export interface RunMetadata {
  label: string;
  sweepIndex: number;
  overrides: Record<string, unknown>;
  configHash: string;
  plugins: RuntimeRun['plugins'];
  config: Record<string, unknown>;
  modelNameOrPath: string;
  runner: { name: string; version: string };
  protocolVersions: readonly string[];
  /** Instances of the dataset selection this run was asked for (the last invocation's). */
  instanceIds: string[];
  /** Storage URL of the run, for workers and reports. */
  storage: string;
  /** Gold validation of the instances' environments before the run (absent: not validated). */
  environments?: EnvironmentValidationSummary;
  outcome?: { done: number; failed: number; partial?: number; stopped: number; total: number; stopReason?: string };
}

/**
 * Stores the experiment and its runs before any work: the resolved config, its hash, every plugin with
 * name, version, protocol version and options. Creation times survive a resumed invocation.
 */
export async function recordExperiment(
  runtime: ExperimentRuntime,
  storage: SequenceStorage,
  options: { instanceIds: readonly string[]; storageUrl: string; environments?: EnvironmentValidationSummary },
): Promise<void> {
  const record = runtime.experimentRecord();
  const existing = await storage.getExperiment(record.id);
  await storage.putExperiment({ ...record, createdAt: existing?.createdAt ?? record.createdAt });
  const now = new Date().toISOString();
  for (const run of runtime.runs) {
    const previous = await storage.getRun(run.runId);
    const metadata: RunMetadata = {
      label: run.label,
      sweepIndex: run.index,
      overrides: run.overrides,
      configHash: run.configHash,
      plugins: run.plugins,
      config: run.config,
      modelNameOrPath: run.modelNameOrPath,
      runner: packageMeta,
      protocolVersions: supportedSpecificationVersions,
      instanceIds: [...options.instanceIds],
      storage: options.storageUrl,
      ...(options.environments ? { environments: options.environments } : {}),
    };
    await storage.putRun({
      id: run.runId,
      experimentId: runtime.experimentId,
      hypers: run.hypers as Record<string, unknown>,
      status: 'running',
      createdAt: previous?.createdAt ?? now,
      updatedAt: now,
      startedAt: previous?.startedAt ?? now,
      metadata: metadata as unknown as Record<string, unknown>,
    });
  }
}

/** Updates a run's status and outcome counts at the end of an invocation. */
export async function finishRunRecord(
  storage: SequenceStorage,
  runId: string,
  status: RunStatus,
  outcome: NonNullable<RunMetadata['outcome']>,
  extra: Partial<RunMetadata> = {},
): Promise<RunRecord | undefined> {
  const run = await storage.getRun(runId);
  if (!run) return undefined;
  const now = new Date().toISOString();
  const updated: RunRecord = {
    ...run,
    status,
    updatedAt: now,
    ...(status === 'completed' || status === 'failed' ? { finishedAt: now } : {}),
    metadata: { ...run.metadata, ...extra, outcome },
  };
  await storage.putRun(updated);
  return updated;
}
