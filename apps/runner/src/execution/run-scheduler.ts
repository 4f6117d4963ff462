import { setTimeout as sleep } from 'node:timers/promises';
import pLimit from 'p-limit';
import type { ExperimentRuntime, RuntimeRun } from './experiment-runtime';
import { processInstance, type InstanceOutcome } from './process-instance';
import type { RunControl } from './run-control';

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
}

/**
 * Runs the items with bounded concurrency. A failed item is retried after `retryDelayMs` (doubling) up to
 * `retries` times and then recorded as failed; it never stops the others. Once a stop is requested
 * (interrupt, budget) no item starts, and items in flight stop at their next stage boundary.
 */
export async function scheduleInstances(options: ScheduleOptions): Promise<InstanceOutcome[]> {
  const limit = pLimit(options.concurrency);
  const { control } = options;
  return Promise.all(
    options.items.map((item) =>
      limit(async (): Promise<InstanceOutcome> => {
        options.onStart?.(item);
        for (let attempt = 1; ; attempt += 1) {
          const outcome = await processInstance(options.runtime, item.run, item.instanceId, control, attempt);
          const willRetry = outcome.status === 'failed' && attempt <= options.retries && !control.stopReason;
          options.onOutcome?.(outcome, item, willRetry);
          if (!willRetry) return outcome;
          try {
            await sleep(options.retryDelayMs * 2 ** (attempt - 1), undefined, { signal: control.signal });
          } catch {
            return { ...outcome, status: 'stopped', stopReason: 'interrupt' };
          }
          if (control.stopReason) return { ...outcome, status: 'stopped', stopReason: control.stopReason };
        }
      }),
    ),
  );
}
