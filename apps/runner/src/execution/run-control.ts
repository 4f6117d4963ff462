import { AsyncLocalStorage } from 'node:async_hooks';
import { setMaxListeners } from 'node:events';
import { BudgetExceededError, CodemonkeysError } from '@codemonkeys/protocol';

/** Why a run stopped taking new work before every instance was done. */
export type StopReason = 'interrupt' | 'budget';

/**
 * Shared by the scheduler and every instance of a process: a first interrupt (or a spent budget) asks
 * for a stop at the next stage boundary (stages in flight finish and are stored); `abort()` (a second
 * interrupt) cancels model calls and sandbox commands at once.
 */
export interface RunControl {
  readonly signal: AbortSignal;
  readonly stopReason: StopReason | undefined;
  requestStop(reason: StopReason): void;
  abort(): void;
}

export function createRunControl(): RunControl {
  const controller = new AbortController();
  // Every model call, retry wait and sandbox command in flight listens to this one signal (and removes
  // its listener when done): hundreds at once are expected, not a leak, so Node's warning at 11 is off.
  setMaxListeners(0, controller.signal);
  let stopReason: StopReason | undefined;
  return {
    signal: controller.signal,
    get stopReason() {
      return stopReason;
    },
    requestStop(reason) {
      stopReason ??= reason;
    },
    abort() {
      stopReason ??= 'interrupt';
      if (!controller.signal.aborted) controller.abort(new StopRequestedError('interrupt'));
    },
  };
}

/** Thrown at a stage boundary once a stop was asked for: the instance is left to resume, not failed. */
export class StopRequestedError extends CodemonkeysError {
  static override readonly errorName: string = 'StopRequestedError';
  readonly reason: StopReason;

  constructor(reason: StopReason) {
    super(
      reason === 'budget'
        ? 'The budget is spent: no new stage is started. Raise the budget and run the same command to continue.'
        : 'Interrupted: no new stage is started. Run the same command to resume.',
    );
    this.reason = reason;
  }
}

/** True when an error (or one of its causes) is a BudgetExceededError. */
export function isBudgetExceeded(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 8; current = (current as { cause?: unknown }).cause, depth += 1) {
    if (BudgetExceededError.isInstance(current)) return true;
    if (current instanceof AggregateError && current.errors.some(isBudgetExceeded)) return true;
  }
  return false;
}

/** True when an error comes from stopping the run (a stop request, or the abort of a second interrupt). */
export function isStopped(error: unknown, control: RunControl): boolean {
  if (StopRequestedError.isInstance(error)) return true;
  return control.signal.aborted;
}

const relinquished = new AsyncLocalStorage<() => boolean>();

/**
 * Runs `fn` (one instance's work) with a check that, once true, stops that instance alone at its next
 * stage boundary as an interrupt would: a queue worker whose lock on the job was lost (another worker
 * has taken the job over) must not go on writing the instance's stages beside the new owner.
 */
export function withRelinquishCheck<T>(isRelinquished: () => boolean, fn: () => Promise<T>): Promise<T> {
  return relinquished.run(isRelinquished, fn);
}

/** True inside `withRelinquishCheck` once its check says the work belongs to someone else. */
export function isRelinquished(): boolean {
  return relinquished.getStore()?.() ?? false;
}
