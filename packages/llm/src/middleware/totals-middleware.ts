import { addUsage, emptyUsage, type Usage } from '@codemonkeys/protocol';
import type { ModelMiddleware } from './model-middleware';

/** Counts of one client since it was created, for progress displays. */
export interface ModelClientTotals {
  /** Calls that returned an answer (cache hits included). */
  calls: number;
  /** Calls that threw (budget refusals and caller aborts included). */
  failedCalls: number;
  /** Calls answered from the response cache (no endpoint request, no cost). */
  cacheHits: number;
  /** HTTP requests sent to the endpoint (retries included). */
  endpointRequests: number;
  /** Requests that were retries of a failed attempt. */
  retries: number;
  /** Tokens billed by the endpoint (cache hits excluded). */
  usage: Usage;
  costUsd: number;
}

export interface TotalsMiddleware extends ModelMiddleware {
  snapshot(): ModelClientTotals;
}

/** Counts calls (outermost call layer) and requests (inside the retries and limits, so each attempt counts). */
export function createTotalsMiddleware(): TotalsMiddleware {
  const totals: ModelClientTotals = { calls: 0, failedCalls: 0, cacheHits: 0, endpointRequests: 0, retries: 0, usage: emptyUsage(), costUsd: 0 };
  const countCall = <R extends { cacheHit: boolean }>(pending: Promise<R>): Promise<R> =>
    pending.then(
      (result) => {
        totals.calls += 1;
        if (result.cacheHit) totals.cacheHits += 1;
        return result;
      },
      (error: unknown) => {
        totals.failedCalls += 1;
        throw error;
      },
    );
  return {
    snapshot: () => ({ ...totals, usage: { ...totals.usage } }),
    wrapChat: (call, next) => countCall(next(call)),
    wrapEmbed: (call, next) => countCall(next(call)),
    async wrapRequest(request, attempt, next) {
      totals.endpointRequests += 1;
      if (attempt > 0) totals.retries += 1;
      const answer = await next(request, attempt);
      totals.usage = addUsage(totals.usage, answer.usage);
      totals.costUsd += answer.costUsd;
      return answer;
    },
  };
}
