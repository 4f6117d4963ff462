/** Exit codes of `codemonkeys`, documented in the README. */
export const exitCodes = {
  ok: 0,
  /** Something failed at run time (an instance after its retries, an evaluation, a service). */
  failure: 1,
  /**
   * Invalid input, found before any work: options, config, dataset, predictions or labels files, `--instances`
   * that match nothing, plugin names or options, storage URLs and paths, runs named that do not exist.
   * Which error classes count is decided in commands/cli-errors.ts.
   */
  usage: 2,
  /** `codemonkeys run`: the budget was spent before every instance was done (run the same command with a larger budget to continue). */
  budget: 3,
  /** Interrupted (SIGINT) after checkpointing. */
  interrupted: 130,
} as const;
