import { setMaxListeners } from 'node:events';

/**
 * A signal that aborts with `parent` and may carry one listener per call in flight (Node warns past ten
 * on one signal). `dispose()` detaches it from `parent`, which outlives the run (the runner's signal), so
 * that runs do not pile up listeners there.
 */
export function followSignal(parent: AbortSignal, maxListeners: number): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  setMaxListeners(Math.max(10, maxListeners), controller.signal);
  const onAbort = (): void => controller.abort(parent.reason);
  if (parent.aborted) controller.abort(parent.reason);
  else parent.addEventListener('abort', onAbort, { once: true });
  return { signal: controller.signal, dispose: () => parent.removeEventListener('abort', onAbort) };
}

/** Runs `work` on a `followSignal(parent, maxListeners)` signal, detached from `parent` when the work settles. */
export async function withFollowedSignal<Result>(parent: AbortSignal, maxListeners: number, work: (signal: AbortSignal) => Promise<Result>): Promise<Result> {
  const { signal, dispose } = followSignal(parent, maxListeners);
  try {
    return await work(signal);
  } finally {
    dispose();
  }
}
