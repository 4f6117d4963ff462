import { setTimeout as sleep } from 'node:timers/promises';
import type { InstanceLeases } from '@codemonkeys/protocol';
import type { ExperimentRuntime, RuntimeRun } from './experiment-runtime';
import { holdInstance, instanceLeaseSettings, type InstanceHold, type InstanceLeaseSettings } from './instance-leases';
import { instanceStateKey, processInstance, storedSelection, type InstanceOutcome, type InstanceState } from './process-instance';
import { withRelinquishCheck, type RunControl } from './run-control';

export interface WorkItem {
  run: RuntimeRun;
  instanceId: string;
}

/**
 * The (instance × run) items of an invocation, instance by instance: the runs of an ablation advance
 * together over the same instances, so a stopped or budget-limited sweep still compares like with like.
 */
export function workItemsOf(runs: readonly RuntimeRun[], instanceIds: readonly string[]): WorkItem[] {
  return instanceIds.flatMap((instanceId) => runs.map((run) => ({ run, instanceId })));
}

export interface ScheduleOptions {
  runtime: ExperimentRuntime;
  items: readonly WorkItem[];
  /** Items worked on at once. */
  concurrency: number;
  /** Further attempts of a failed item. */
  retries: number;
  retryDelayMs: number;
  control: RunControl;
  /** Every final outcome (and each failed attempt that will be retried, with `willRetry`). */
  onOutcome?(outcome: InstanceOutcome, item: WorkItem, willRetry: boolean): void;
  onStart?(item: WorkItem): void;
  /**
   * One writer per (run, instance): the storage's leases with these settings (default: the storage's
   * leases with `instanceLeaseSettings()`); `false` works without leases.
   */
  leases?: Partial<InstanceLeaseSettings> | false;
  /** Notices about other processes on the same run (an instance they hold, a take-over, a lost lease); default the runtime's logger. */
  onNotice?(message: string): void;
}

interface PendingItem {
  index: number;
  /** Not looked at again before this time (an instance another process holds, a failed lease request). */
  notBefore: number;
  /** The "held by another process" notice was given. */
  noticed: boolean;
  /** Lease requests that failed (storage errors), for their retries. */
  leaseFailures: number;
}

/** The item goes back to the queue (another process holds it, or this one lost its lease). */
const requeue = Symbol('requeue');

const errorInfo = (error: unknown) => ({ name: (error as Error)?.name ?? 'Error', message: String((error as Error)?.message ?? error).slice(0, 4000) });
const clockTime = (iso: string): string => iso.slice(11, 19);

/**
 * Runs the items with bounded concurrency. A failed item is retried after `retryDelayMs` (doubling) up to
 * `retries` times and then recorded as failed; it never stops the others. Once a stop is requested
 * (interrupt, budget) no item starts, and items in flight stop at their next stage boundary.
 *
 * One writer per run: before working on an item, the scheduler takes the lease of its (run, instance)
 * in storage and renews it while it works, so that two processes on the same run never work on one
 * instance at once (and never pay twice for one model call). An item another process holds is put back
 * in the queue and looked at again later; meanwhile this process takes the other items, and when only
 * held items are left it waits for them: once their holder releases them (finished: they are reported
 * `reused`, from storage) or its lease expires (it died: this process takes them over and resumes them
 * from their stored stages). An instance that another process finished while this one ran, or found
 * failed after its retries, is not redone here. A lease lost while working (taken over after this
 * process stalled past its expiry) stops the item at its next stage boundary and puts it back.
 */
export async function scheduleInstances(options: ScheduleOptions): Promise<InstanceOutcome[]> {
  const { control, runtime, items } = options;
  const storage = runtime.environment.storage;
  const notice = options.onNotice ?? ((message: string) => runtime.environment.resources.logger.warn(message));
  const leases: InstanceLeases | undefined = options.leases === false ? undefined : storage.leases;
  const settings = instanceLeaseSettings(options.leases || {});
  if (!leases && options.leases !== false && storage.capabilities.multiProcess && items.length > 0) {
    notice(`the ${storage.name} storage has no instance leases: a second process on the same run would redo this one's instances (run one process per run)`);
  }
  const invocationStarted = new Date().toISOString();

  const outcomes: Array<InstanceOutcome | undefined> = new Array(items.length);
  const pending: PendingItem[] = items.map((_, index) => ({ index, notBefore: 0, noticed: false, leaseFailures: 0 }));
  let inFlight = 0;
  // Wakes idle workers when an item goes back to the queue or the last one in flight ends.
  let wake: () => void = () => undefined;
  let changed = new Promise<void>((resolve) => (wake = resolve));
  const notify = (): void => {
    wake();
    changed = new Promise<void>((resolve) => (wake = resolve));
  };
  /** Waits `milliseconds`, or less when the queue changes or the run is aborted; leaves no timer behind. */
  const pause = async (milliseconds: number): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    await Promise.race([
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Math.max(1, milliseconds));
        onAbort = resolve;
        control.signal.addEventListener('abort', onAbort, { once: true });
      }),
      changed,
    ]);
    clearTimeout(timer);
    control.signal.removeEventListener('abort', onAbort!);
  };

  /** The attempts of one item, with its retries (the lease, when there is one, is held throughout). */
  const attempts = async (item: WorkItem, hold: InstanceHold | undefined): Promise<InstanceOutcome> => {
    for (let attempt = 1; ; attempt += 1) {
      const outcome = await processInstance(runtime, item.run, item.instanceId, control, attempt);
      // Stopped because the lease was lost: not an outcome, the item goes back to the queue.
      if (hold?.lost && outcome.status === 'stopped' && !control.stopReason) return outcome;
      const willRetry = outcome.status === 'failed' && attempt <= options.retries && !control.stopReason && !hold?.lost;
      options.onOutcome?.(outcome, item, willRetry);
      if (!willRetry) return outcome;
      try {
        await sleep(options.retryDelayMs * 2 ** (attempt - 1), undefined, { signal: control.signal });
      } catch {
        return { ...outcome, status: 'stopped', stopReason: 'interrupt' };
      }
      if (control.stopReason) return { ...outcome, status: 'stopped', stopReason: control.stopReason };
      if (hold?.lost) return { ...outcome, status: 'stopped', stopReason: 'interrupt' };
    }
  };

  /** Without a lease: the item as it stands in storage when it needs none (done by anyone), else undefined. */
  const storedOutcome = async (item: WorkItem): Promise<InstanceOutcome | undefined> => {
    const state = (await storage.getWorkState(item.run.runId, item.instanceId, instanceStateKey))?.state as InstanceState | undefined;
    if (state?.status !== 'done') return undefined;
    const patch = await storedSelection(runtime, item.run.runId, item.instanceId);
    return patch ? { runId: item.run.runId, instanceId: item.instanceId, status: 'reused', patch, attempt: 1, durationMs: 0 } : undefined;
  };

  /** With the lease: the item's final failure, when another process recorded it during this invocation. */
  const failedElsewhere = async (item: WorkItem): Promise<InstanceOutcome | undefined> => {
    const record = await storage.getWorkState(item.run.runId, item.instanceId, instanceStateKey);
    const state = record?.state as InstanceState | undefined;
    if (state?.status !== 'failed' || record!.updatedAt < invocationStarted) return undefined;
    return { runId: item.run.runId, instanceId: item.instanceId, status: 'failed', ...(state.error ? { error: state.error } : {}), attempt: state.attempts, durationMs: 0 };
  };

  const label = (item: WorkItem): string => `${item.run.label} ${item.instanceId}`;

  const runItem = async (entry: PendingItem): Promise<InstanceOutcome | typeof requeue> => {
    const item = items[entry.index]!;
    if (!leases) {
      options.onStart?.(item);
      return attempts(item, undefined);
    }
    const stored = await storedOutcome(item).catch(() => undefined);
    if (stored) {
      options.onStart?.(item);
      options.onOutcome?.(stored, item, false);
      return stored;
    }
    let attempt: Awaited<ReturnType<typeof holdInstance>>;
    try {
      attempt = await holdInstance(leases, { runId: item.run.runId, instanceId: item.instanceId }, settings, {
        onLost: (hold) => notice(`${label(item)}: this process lost its lease (${hold.lostBecause}); it stops at the next stage boundary and leaves the instance to the holder`),
      });
    } catch (error) {
      // The storage refused the lease request: retried like a failed attempt, then reported (not stored).
      entry.leaseFailures += 1;
      if (entry.leaseFailures <= options.retries && !control.stopReason) {
        notice(`${label(item)}: cannot take its lease (${errorInfo(error).message}); retrying`);
        entry.notBefore = Date.now() + options.retryDelayMs * 2 ** (entry.leaseFailures - 1);
        return requeue;
      }
      const failed: InstanceOutcome = {
        runId: item.run.runId,
        instanceId: item.instanceId,
        status: 'failed',
        error: errorInfo(error),
        attempt: entry.leaseFailures,
        durationMs: 0,
      };
      options.onOutcome?.(failed, item, false);
      return failed;
    }
    if (attempt.status === 'held') {
      if (!entry.noticed) {
        notice(
          `${label(item)}: another process (${attempt.holder}) is working on it (lease until ${clockTime(attempt.expiresAt)} UTC, renewed while it works); this process takes other instances and comes back to it`,
        );
        entry.noticed = true;
      }
      entry.notBefore = Date.now() + settings.recheckEveryMs;
      return requeue;
    }
    const { hold } = attempt;
    try {
      if (attempt.tookOver)
        notice(
          `${label(item)}: taken over from ${attempt.tookOver.holder}, whose lease expired at ${clockTime(attempt.tookOver.expiredAt)} UTC (it stopped renewing: killed or stalled); resuming from its stored stages`,
        );
      const failed = await failedElsewhere(item);
      if (failed) {
        options.onOutcome?.(failed, item, false);
        return failed;
      }
      options.onStart?.(item);
      const outcome = await withRelinquishCheck(
        () => hold.lost,
        () => attempts(item, hold),
      );
      if (hold.lost && outcome.status === 'stopped' && !control.stopReason) {
        entry.notBefore = Date.now() + settings.recheckEveryMs;
        return requeue;
      }
      return outcome;
    } finally {
      await hold.release();
    }
  };

  const worker = async (): Promise<void> => {
    for (;;) {
      if (control.stopReason) return;
      if (pending.length === 0) {
        if (inFlight === 0) return;
        await pause(settings.recheckEveryMs);
        continue;
      }
      const now = Date.now();
      const position = pending.findIndex((entry) => entry.notBefore <= now);
      if (position < 0) {
        // Only instances that other processes hold are left: wait for them.
        await pause(Math.min(settings.recheckEveryMs, Math.min(...pending.map((entry) => entry.notBefore)) - now));
        continue;
      }
      const [entry] = pending.splice(position, 1);
      inFlight += 1;
      try {
        const result = await runItem(entry!);
        if (result === requeue) pending.push(entry!);
        else outcomes[entry!.index] = result;
      } finally {
        inFlight -= 1;
        notify();
      }
    }
  };

  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, items.length)) }, () => worker()));

  // Items that never started because the run is stopping: left to resume.
  for (const entry of pending.splice(0)) {
    const item = items[entry.index]!;
    const stopped: InstanceOutcome = {
      runId: item.run.runId,
      instanceId: item.instanceId,
      status: 'stopped',
      ...(control.stopReason ? { stopReason: control.stopReason } : {}),
      attempt: 1,
      durationMs: 0,
    };
    options.onOutcome?.(stopped, item, false);
    outcomes[entry.index] = stopped;
  }
  return outcomes.map((outcome, index) => outcome ?? { runId: items[index]!.run.runId, instanceId: items[index]!.instanceId, status: 'stopped', attempt: 1, durationMs: 0 });
}
