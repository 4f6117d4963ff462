import { addUsage, emptyUsage, type Usage } from '@codemonkeys/protocol';

/** What the model calls of a sample cost. */
export interface CallTotals {
  /** Model calls made for the sample (a shared `n` call counts once per sample it served). */
  calls: number;
  usage: Usage;
  costUsd: number;
  /** Calls answered from the response cache. */
  cacheHits: number;
}

export const emptyTotals = (): CallTotals => ({ calls: 0, usage: emptyUsage(), costUsd: 0, cacheHits: 0 });

export function addTotals(left: CallTotals, right: CallTotals): CallTotals {
  return { calls: left.calls + right.calls, usage: addUsage(left.usage, right.usage), costUsd: left.costUsd + right.costUsd, cacheHits: left.cacheHits + right.cacheHits };
}
