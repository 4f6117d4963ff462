import { exitCodes } from '../exit-codes';

/**
 * Runs `work` with a signal that the first SIGINT/SIGTERM aborts (the work stops and cleans up: its
 * containers go); a second interrupt exits at once without waiting (the next run reaps the containers).
 * The handlers are removed when the work settles.
 */
export async function abortOnInterrupt<Result>(work: (signal: AbortSignal) => Promise<Result>): Promise<Result> {
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(exitCodes.interrupted);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
