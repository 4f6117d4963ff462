import type { SecretRedactor } from '@codemonkeys/protocol';
import { classifyFailure, toModelCallError } from '../client/attempt-failure';
import { backoffDelayMs, type ResolvedRetryOptions } from '../transport/retry-policy';
import type { ModelMiddleware } from './model-middleware';

export interface RetryMiddlewareOptions {
  /** The endpoint's name, for errors. */
  endpoint: string;
  retry: ResolvedRetryOptions;
  redactor: SecretRedactor;
  /** Told of every 429 with the wait before its retry, so that the whole endpoint can pause for as long. */
  onRateLimited?(delayMs: number): void;
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
 * Attempts a request until it succeeds, fails for good, or runs out of retries, and turns the last
 * failure into a ModelCallError that names the endpoint and says what to do. Between attempts it sleeps
 * the server's Retry-After when it sent one, else exponential backoff with jitter. Placed outside the
 * limits, so that a waiting call may use the slot meanwhile. The caller's abort ends it at once with the
 * signal's reason.
 */
export function createRetryMiddleware(options: RetryMiddlewareOptions): ModelMiddleware {
  const { endpoint, retry, redactor } = options;
  return {
    async wrapRequest(request, _attempt, next) {
      for (let retries = 0; ; retries += 1) {
        let failure;
        try {
          return await next(request, retries);
        } catch (error) {
          if (request.signal?.aborted) throw request.signal.reason;
          failure = classifyFailure(error, redactor);
        }
        const attempts = retries + 1;
        if (!failure.retryable || retries >= retry.maxRetries) throw toModelCallError({ endpoint, operation: request.operation, failure, attempts });
        if (failure.retryAfterMs !== undefined && failure.retryAfterMs > retry.maxRetryAfterMs) {
          throw toModelCallError({
            endpoint,
            operation: request.operation,
            failure,
            attempts,
            note: `The endpoint asked to wait ${Math.round(failure.retryAfterMs / 1000)} s, longer than retry.maxRetryAfterMs (${retry.maxRetryAfterMs} ms).`,
          });
        }
        const delay = failure.retryAfterMs ?? backoffDelayMs(retries, retry);
        if (failure.statusCode === 429) options.onRateLimited?.(delay);
        await sleep(delay, request.signal);
      }
    },
  };
}
