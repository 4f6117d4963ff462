import type { RunControl } from '../execution/run-control';
import type { WorkItem } from '../execution/run-scheduler';
import type { RunProgress } from '../progress/run-progress';
import { jobIdOf, openQueue, openQueueEvents, type InstanceJob } from './run-queue';

export interface EnqueueOptions {
  url: string;
  prefix: string;
  name: string;
  items: readonly WorkItem[];
  experimentId: string;
  storageUrl: string;
  /** Further attempts of a failed job (BullMQ `attempts` = retries + 1). */
  retries: number;
  /** Enqueue and return without waiting. */
  detach: boolean;
  control: RunControl;
  progress: RunProgress;
  /** Items done in storage already are not enqueued. */
  isDone?: (item: WorkItem) => Promise<boolean>;
}

/** Marker in the failure of a job that stopped because its worker's budget is spent. */
export const budgetFailureMarker = 'codemonkeys:budget-spent';

/**
 * `codemonkeys run --queue`: enqueues one BullMQ job per (instance × run) not yet done in storage, then
 * (unless detached) waits until every job is completed or has failed for good, reporting each on the
 * progress display. Jobs of an earlier invocation still waiting or active are kept; finished or failed
 * ones are replaced, so the same command resumes. Workers (`codemonkeys worker`) do the work.
 */
export async function enqueueAndWait(options: EnqueueOptions): Promise<void> {
  const location = { url: options.url, prefix: options.prefix, name: options.name };
  const { queue, connection } = openQueue(location);
  const { events, connection: eventsConnection } = options.detach ? { events: undefined, connection: undefined } : openQueueEvents(location);
  const outstanding = new Map<string, WorkItem>();
  let settle: (() => void) | undefined;
  const finished = new Promise<void>((resolve) => (settle = resolve));
  const finish = (jobId: string, status: 'done' | 'failed', detail: string): void => {
    const item = outstanding.get(jobId);
    if (!item) return;
    outstanding.delete(jobId);
    if (detail.includes(budgetFailureMarker)) options.control.requestStop('budget');
    options.progress.itemFinished({ label: item.run.label, instanceId: item.instanceId, status, detail });
    if (outstanding.size === 0) settle?.();
  };
  try {
    if (events) {
      events.on('completed', ({ jobId, returnvalue }) => finish(jobId, 'done', typeof returnvalue === 'string' ? returnvalue : JSON.stringify(returnvalue ?? '')));
      events.on('failed', ({ jobId, failedReason }) => {
        // A failed attempt that BullMQ will retry is not final; the final one is failed with no attempts left.
        void queue.getJob(jobId).then((job) => {
          if (!job || job.attemptsMade >= (job.opts.attempts ?? 1) || failedReason.includes(budgetFailureMarker)) finish(jobId, 'failed', failedReason);
        });
      });
      await events.waitUntilReady();
    }
    const jobs = [];
    for (const item of options.items) {
      const jobId = jobIdOf(item.run.runId, item.instanceId);
      if (await options.isDone?.(item)) {
        options.progress.itemFinished({ label: item.run.label, instanceId: item.instanceId, status: 'reused', detail: 'done by an earlier invocation' });
        continue;
      }
      const existing = await queue.getJob(jobId);
      if (existing) {
        const state = await existing.getState();
        if (state === 'completed' || state === 'failed') await existing.remove();
        else {
          outstanding.set(jobId, item);
          continue;
        }
      }
      outstanding.set(jobId, item);
      const data: InstanceJob = { experimentId: options.experimentId, runId: item.run.runId, instanceId: item.instanceId, storage: options.storageUrl };
      jobs.push({
        name: 'instance',
        data,
        opts: { jobId, attempts: options.retries + 1, backoff: { type: 'exponential' as const, delay: 2_000 }, removeOnComplete: false, removeOnFail: false },
      });
    }
    if (jobs.length > 0) await queue.addBulk(jobs);
    options.progress.log(
      `enqueued ${jobs.length} job(s) on ${options.url} (prefix ${options.prefix}, queue ${options.name}); start workers with: codemonkeys worker --queue ${options.url}${options.prefix !== 'codemonkeys' ? ` --queue-prefix ${options.prefix}` : ''}`,
    );
    if (options.detach || outstanding.size === 0) return;

    // Events can be missed (a job finished between the check and the subscription): reconcile now and then.
    const reconcile = setInterval(() => {
      for (const jobId of [...outstanding.keys()]) {
        void queue.getJob(jobId).then(async (job) => {
          if (!job) return;
          const state = await job.getState();
          if (state === 'completed') finish(jobId, 'done', String(job.returnvalue ?? ''));
          if (state === 'failed') finish(jobId, 'failed', job.failedReason ?? 'failed');
        });
      }
    }, 5_000);
    const onAbort = (): void => settle?.();
    options.control.signal.addEventListener('abort', onAbort, { once: true });
    // A first interrupt stops waiting: the jobs stay queued for the workers, and the same command picks them up.
    const stopWatch = setInterval(() => options.control.stopReason === 'interrupt' && settle?.(), 200);
    try {
      await finished;
    } finally {
      clearInterval(reconcile);
      clearInterval(stopWatch);
      options.control.signal.removeEventListener('abort', onAbort);
    }
  } finally {
    await events?.close().catch(() => undefined);
    await queue.close().catch(() => undefined);
    eventsConnection?.disconnect();
    connection.disconnect();
  }
}
