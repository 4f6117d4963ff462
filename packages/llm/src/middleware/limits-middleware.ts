import type { EndpointLimiter } from '../limits/endpoint-limiter';
import type { ModelMiddleware } from './model-middleware';

/**
 * Each attempt waits for a slot of the endpoint's limiter (concurrency, requests and tokens per minute,
 * shared by every client of the endpoint in the process) and gives it back when it ends, with the tokens
 * it really used.
 */
export function createLimitsMiddleware(limiter: EndpointLimiter): ModelMiddleware {
  return {
    async wrapRequest(request, attempt, next) {
      const estimatedTokens = limiter.limits.tokensPerMinute === undefined ? 0 : request.estimateTokens();
      const permit = await limiter.acquire(estimatedTokens, request.signal);
      try {
        const answer = await next(request, attempt);
        permit.release(answer.usage.inputTokens + answer.usage.outputTokens);
        return answer;
      } catch (error) {
        permit.release();
        throw error;
      }
    },
  };
}
