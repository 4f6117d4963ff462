import os from 'node:os';
import path from 'node:path';
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import { CodemonkeysError, NotFoundError, type SequenceStorage } from '@codemonkeys/protocol';
import { ExperimentConfigSchema } from '../config/experiment-config';
import { openCodeExperiment } from '../experiment/code-experiment';
import type { ExperimentRuntime } from '../execution/experiment-runtime';
import { holdInstance, instanceLeaseSettings } from '../execution/instance-leases';
import { openConfiguredExperiment } from '../execution/open-configured-experiment';
import { processInstance } from '../execution/process-instance';
import { withRelinquishCheck, type RunControl } from '../execution/run-control';
import type { RunMetadata } from '../execution/run-records';
import type { ProgressLogger } from '../progress/progress-logger';
import { openStorage } from '../storage/open-storage';
import { runIdOf } from '../experiment/experiment-identity';
import { budgetFailureMarker } from './queue-dispatch';
import { InstanceJobSchema, redisConnection, type QueueLocation } from './run-queue';

export interface RunWorkerOptions extends QueueLocation {
  /** Jobs processed at once. */
  concurrency: number;
  /** How long a job's lock lasts without renewal: a killed worker's jobs are taken over after about this long. */
  lockDurationMs: number;
  /**
   * How often this worker looks for jobs whose lock expired (their worker died) and moves them back to the
   * queue; default half the lock duration, at least 1 s. A killed worker's job is taken over within about
   * lockDurationMs + stalledIntervalMs.
   */
  stalledIntervalMs?: number;
  /** The worker's name in each job it takes (BullMQ's `processedBy`); default `<host>:<pid>`. */
  workerName?: string;
  /** Exit after this long without a job (undefined: run until stopped). */
  idleExitMs?: number;
  /** Use this storage URL instead of the one in each job (the same storage reached another way). */
  storageOverride?: string;
  cwd: string;
  control: RunControl;
  logger: ProgressLogger;
  log(message: string): void;
}

export interface RunWorker {
  /** Resolves when the worker has stopped (idle exit or `close`). */
  readonly done: Promise<{ processed: number; failed: number }>;
  /** Stops taking jobs; jobs in flight stop at their next stage boundary and go back to the queue. */
  close(): Promise<void>;
}

/**
 * `codemonkeys worker`: takes (instance × run) jobs from BullMQ and runs them exactly as `codemonkeys
 * run` would, with this machine's Docker and the run's shared storage. The experiment (config or code
 * module), its plugins and its dataset selection come from the experiment record in storage. A job whose
 * worker died is taken over by another after the lock expires; it resumes from the stored stages.
 */
export function startRunWorker(options: RunWorkerOptions): RunWorker {
  const storages = new Map<string, Promise<SequenceStorage>>();
  const runtimes = new Map<string, Promise<ExperimentRuntime>>();
  let processed = 0;
  let failed = 0;

  const storageOf = (url: string): Promise<SequenceStorage> => {
    let storage = storages.get(url);
    if (!storage) {
      storage = openStorage(url, { cwd: options.cwd });
      storage.catch(() => storages.delete(url));
      storages.set(url, storage);
    }
    return storage;
  };

  const runtimeOf = (experimentId: string, runId: string, storageUrl: string): Promise<ExperimentRuntime> => {
    let runtime = runtimes.get(experimentId);
    if (!runtime) {
      runtime = (async () => {
        const storage = await storageOf(storageUrl);
        const record = await storage.getExperiment(experimentId);
        if (!record)
          throw new NotFoundError(
            `Experiment "${experimentId}" is not in ${storageUrl}: the run command records it before enqueueing; check that the worker uses the same storage.`,
          );
        const run = await storage.getRun(runId);
        // A run named with --run-id (single-point experiments only) keeps its name here too.
        const metadata = run?.metadata as Partial<RunMetadata> | undefined;
        const customRunId = metadata && runIdOf(experimentId, metadata.overrides ?? {}) !== runId ? runId : undefined;
        const code = record.config.codeExperiment as { module: string; sha256: string } | undefined;
        options.log(`loading experiment ${experimentId} (${code ? `code: ${code.module}` : 'config'})`);
        if (code) {
          const { codeExperiment: _module, ...settings } = record.config;
          const { opened } = await openCodeExperiment(
            path.resolve(code.module),
            { instances: [], localizer: [], set: [], vary: [], repository: [], rewards: true, ...(customRunId ? { runId: customRunId } : {}) },
            {
              cwd: options.cwd,
              control: options.control,
              logger: options.logger,
              openStorage: async () => storage,
              log: options.log,
              settings,
              expectedSha256: code.sha256,
            },
          );
          return opened.runtime;
        }
        const config = ExperimentConfigSchema.parse(record.config);
        const { runtime: opened } = await openConfiguredExperiment(config, {
          cwd: options.cwd,
          ...(customRunId ? { runId: customRunId } : {}),
          storage,
          control: options.control,
          logger: options.logger,
          log: options.log,
        });
        if (opened.experimentId !== experimentId) {
          options.log(`warning: the experiment id computed here (${opened.experimentId}) differs from the job's (${experimentId}); plugins or the runner differ between machines`);
        }
        return opened;
      })();
      runtime.catch(() => runtimes.delete(experimentId));
      runtimes.set(experimentId, runtime);
    }
    return runtime;
  };

  // This worker's hold on each job it works on. A hold is lost when BullMQ fails to renew the job's lock
  // (the worker was busy for longer than the lock lasts, or Redis was unreachable: another worker may
  // have taken the job over), or when this worker takes the same job again; the old hold's work stops.
  const holds = new Map<string, { lost: boolean }>();
  const leaseSettings = instanceLeaseSettings();
  const relinquish = (jobId: string, label: string, instanceId: string): never => {
    options.log(`${label} ${instanceId}: lost the lock of job ${jobId}; left to the worker that took it over (a longer --lock-duration avoids this on a busy machine)`);
    throw new CodemonkeysError(`Worker ${process.pid} lost the lock of job ${jobId} and stopped working on it.`);
  };

  const processor = async (job: Job, token?: string): Promise<string> => {
    const jobId = job.id!;
    const hold = { lost: false };
    const previous = holds.get(jobId);
    if (previous) previous.lost = true;
    holds.set(jobId, hold);
    try {
      return await processJob(job, hold, token);
    } finally {
      if (holds.get(jobId) === hold) holds.delete(jobId);
    }
  };

  const processJob = async (job: Job, hold: { lost: boolean }, token?: string): Promise<string> => {
    const jobId = job.id!;
    const data = InstanceJobSchema.parse(job.data);
    const storageUrl = options.storageOverride ?? data.storage;
    let runtime: ExperimentRuntime;
    try {
      runtime = await runtimeOf(data.experimentId, data.runId, storageUrl);
    } catch (error) {
      // A broken experiment fails every job the same way: no retry.
      throw new UnrecoverableError(`${(error as Error).name}: ${(error as Error).message}`);
    }
    const run = runtime.runs.find((entry) => entry.runId === data.runId);
    if (!run)
      throw new UnrecoverableError(
        `Run "${data.runId}" is not a run of experiment ${data.experimentId} as loaded here (runs: ${runtime.runs.map((entry) => entry.runId).join(', ')}).`,
      );
    // stalledCounter counts the times BullMQ moved the job back because its worker stopped renewing the lock.
    options.log(`${run.label} ${data.instanceId}: started (attempt ${job.attemptsMade + 1}${job.stalledCounter > 0 ? `, taken over from a worker that stopped` : ''})`);
    if (hold.lost) return relinquish(jobId, run.label, data.instanceId);
    // One writer per (run, instance) across every process on the storage, not only across this queue's
    // workers: a `codemonkeys run` on the same storage, or a worker of another queue, holds its lease too.
    const leases = runtime.environment.storage.leases;
    const attempt = leases ? await holdInstance(leases, { runId: run.runId, instanceId: data.instanceId }, leaseSettings) : undefined;
    if (attempt?.status === 'held') {
      options.log(`${run.label} ${data.instanceId}: held by ${attempt.holder} (until ${attempt.expiresAt}); back to the queue`);
      await job.moveToDelayed(Date.now() + leaseSettings.recheckEveryMs, token);
      throw new DelayedError();
    }
    const lease = attempt?.status === 'acquired' ? attempt.hold : undefined;
    if (attempt?.status === 'acquired' && attempt.tookOver)
      options.log(`${run.label} ${data.instanceId}: took over the lease of ${attempt.tookOver.holder}, which expired at ${attempt.tookOver.expiredAt}`);
    const lost = (): boolean => hold.lost || lease?.lost === true;
    let outcome;
    try {
      outcome = await withRelinquishCheck(lost, () => processInstance(runtime, run, data.instanceId, options.control, job.attemptsMade + 1));
    } finally {
      await lease?.release().catch(() => undefined);
    }
    // Whatever this worker stored stays valid (stages are keyed and resumed), but the job is the new owner's.
    if (lost()) return relinquish(jobId, run.label, data.instanceId);
    if (outcome.status === 'done' || outcome.status === 'reused') {
      processed += 1;
      const detail = `${outcome.status}${outcome.patch?.diff.trim() ? '' : ' (empty patch)'} in ${(outcome.durationMs / 1000).toFixed(1)} s by worker ${process.pid}`;
      options.log(`${run.label} ${data.instanceId}: ${detail}`);
      return detail;
    }
    if (outcome.status === 'stopped') {
      if (outcome.stopReason === 'budget') throw new UnrecoverableError(`${budgetFailureMarker}: the budget is spent (worker ${process.pid}); raise it and run the same command`);
      // Interrupted: back to the queue without using an attempt; another worker (or this one, restarted) resumes it.
      await job.moveToDelayed(Date.now() + 1_000, token);
      throw new DelayedError();
    }
    failed += 1;
    options.log(`${run.label} ${data.instanceId}: attempt ${job.attemptsMade + 1} failed: ${outcome.error?.name}: ${outcome.error?.message.split('\n')[0]}`);
    throw new CodemonkeysError(`${outcome.error?.name}: ${outcome.error?.message}`);
  };

  const connection = redisConnection(options.url);
  const worker = new Worker(options.name, processor, {
    connection,
    prefix: options.prefix,
    name: options.workerName ?? `${os.hostname()}:${process.pid}`,
    concurrency: options.concurrency,
    lockDuration: options.lockDurationMs,
    stalledInterval: options.stalledIntervalMs ?? Math.max(1_000, Math.floor(options.lockDurationMs / 2)),
    // A job whose worker was killed is moved back once per stall; allow a few before calling it failed.
    maxStalledCount: 3,
    autorun: true,
  });
  worker.on('error', (error) => options.log(`worker error: ${error.message}`));
  worker.on('lockRenewalFailed', (jobIds) => {
    for (const jobId of jobIds) {
      const hold = holds.get(jobId);
      if (hold) hold.lost = true;
    }
  });

  let idleTimer: NodeJS.Timeout | undefined;
  let settle: (() => void) | undefined;
  const stopped = new Promise<void>((resolve) => (settle = resolve));
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      if (idleTimer) clearTimeout(idleTimer);
      await worker.close().catch(() => undefined);
      for (const runtime of runtimes.values()) await (await runtime.catch(() => undefined))?.close().catch(() => undefined);
      for (const storage of storages.values()) await (await storage.catch(() => undefined))?.close().catch(() => undefined);
      connection.disconnect();
      settle?.();
    })();
    return closing;
  };
  if (options.idleExitMs !== undefined) {
    const idleExitMs = options.idleExitMs;
    const armIdle = (): void => {
      if (idleTimer) clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        options.log(`no job for ${Math.round(idleExitMs / 1000)} s: stopping`);
        void close();
      }, idleExitMs);
    };
    worker.on('drained', armIdle);
    worker.on('active', () => idleTimer && clearTimeout(idleTimer));
    worker.on('ready', armIdle);
  }
  return {
    done: stopped.then(() => ({ processed, failed })),
    close,
  };
}
