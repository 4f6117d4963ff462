/** Exit codes of `codemonkeys`, documented in the README. */
export const exitCodes = {
  ok: 0,
  /** Something failed at run time (an instance after its retries, an evaluation, a service). */
  failure: 1,
  /** The command line or the config is invalid (the problems are listed), or a plugin cannot be found or loaded. */
  usage: 2,
  /** `codemonkeys run`: the budget was spent before every instance was done (run the same command with a larger budget to continue). */
  budget: 3,
  /** Interrupted (SIGINT) after checkpointing. */
  interrupted: 130,
} as const;
