import type { EndpointLimiter } from '../limits/endpoint-limiter';
import type { SecretRedactor } from '@codemonkeys/protocol';
import { backoffDelayMs, type ResolvedRetryOptions } from '../transport/retry-policy';
import { classifyFailure, toModelCallError } from './attempt-failure';

export interface RetryLoopContext {
  endpoint: string;
  /** For messages: `chat (model "x")`. */
  operation: string;
  retry: ResolvedRetryOptions;
  limiter: EndpointLimiter;
  redactor: SecretRedactor;
  signal: AbortSignal | undefined;
  /** Tokens reserved against tokens-per-minute while the attempt runs. */
  estimatedTokens: number;
}

export interface AttemptResult<T> {
  value: T;
  /** Tokens really used, to correct the per-minute reservation. */
  tokens?: number;
}

function sleep(milliseconds: number, signal: AbortSignal | undefined): Promise<void> {
  if (milliseconds <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, milliseconds);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `attempt` under the endpoint's limits until it succeeds, fails for good, or runs out of
 * retries. Between attempts the slot is given back (a waiting call may use it) and the loop sleeps:
 * the server's Retry-After when it sent one, else exponential backoff with jitter. A 429 pauses the
 * whole endpoint for that long. The caller's abort ends the loop at once with the signal's reason.
 */
export async function callWithRetries<T>(context: RetryLoopContext, attempt: () => Promise<AttemptResult<T>>): Promise<{ value: T; retries: number }> {
  for (let retries = 0; ; retries += 1) {
    const permit = await context.limiter.acquire(context.estimatedTokens, context.signal);
    let failure;
    try {
      const result = await attempt();
      permit.release(result.tokens);
      return { value: result.value, retries };
    } catch (error) {
      permit.release();
      if (context.signal?.aborted) throw context.signal.reason;
      failure = classifyFailure(error, context.redactor);
    }
    const attempts = retries + 1;
    if (!failure.retryable || retries >= context.retry.maxRetries) {
      throw toModelCallError({ endpoint: context.endpoint, operation: context.operation, failure, attempts });
    }
    if (failure.retryAfterMs !== undefined && failure.retryAfterMs > context.retry.maxRetryAfterMs) {
      throw toModelCallError({
        endpoint: context.endpoint,
        operation: context.operation,
        failure,
        attempts,
        note: `The endpoint asked to wait ${Math.round(failure.retryAfterMs / 1000)} s, longer than retry.maxRetryAfterMs (${context.retry.maxRetryAfterMs} ms).`,
      });
    }
    const delay = failure.retryAfterMs ?? backoffDelayMs(retries, context.retry);
    if (failure.statusCode === 429) context.limiter.pauseUntil(Date.now() + delay);
    await sleep(delay, context.signal);
  }
}
