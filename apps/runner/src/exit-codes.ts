/** Exit codes of `codemonkeys`, documented in the README. */
export const exitCodes = {
  ok: 0,
  /** Something failed at run time (an instance, an evaluation, a service). */
  failure: 1,
  /** The command line or the config is invalid. */
  usage: 2,
  /** Interrupted (SIGINT) after checkpointing. */
  interrupted: 130,
} as const;
