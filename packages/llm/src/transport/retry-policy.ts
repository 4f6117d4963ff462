import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';

export const RetryOptionsSchema = z.object({
  /** Attempts after the first. 0 disables retries. */
  maxRetries: z.number().int().min(0).default(5),
  /** Backoff before the first retry; doubles (`multiplier`) each time up to `maxDelayMs`. */
  initialDelayMs: z.number().min(0).default(500),
  maxDelayMs: z.number().min(0).default(30_000),
  multiplier: z.number().min(1).default(2),
  /** A `Retry-After` longer than this is not waited for: the call fails with the endpoint's answer. */
  maxRetryAfterMs: z.number().min(0).default(120_000),
});
export type RetryOptions = z.input<typeof RetryOptionsSchema>;
export type ResolvedRetryOptions = z.output<typeof RetryOptionsSchema>;

/** 408 timeout, 409 conflict (OpenAI's "try again"), 425 too early, 429 rate limit, and every 5xx. */
export function isRetryableStatus(statusCode: number): boolean {
  return statusCode === 408 || statusCode === 409 || statusCode === 425 || statusCode === 429 || statusCode >= 500;
}

/**
 * Backoff before retry number `retry` (0 for the first): exponential, capped, with "equal jitter"
 * (half fixed, half random) so that many clients that failed together do not retry together, while
 * none retries immediately.
 */
export function backoffDelayMs(retry: number, options: ResolvedRetryOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxDelayMs, options.initialDelayMs * options.multiplier ** retry);
  return ceiling / 2 + random() * (ceiling / 2);
}

/** The wait a server asked for: `retry-after-ms` (OpenAI), else `retry-after` as seconds or an HTTP date. */
export function retryAfterMs(headers: IncomingHttpHeaders, now: number = Date.now()): number | undefined {
  const first = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);
  const milliseconds = first(headers['retry-after-ms']);
  if (milliseconds !== undefined && milliseconds.trim() !== '' && Number.isFinite(Number(milliseconds))) return Math.max(0, Number(milliseconds));
  const retryAfter = first(headers['retry-after'])?.trim();
  if (!retryAfter) return undefined;
  if (/^\d+(\.\d+)?$/.test(retryAfter)) return Number(retryAfter) * 1000;
  const date = Date.parse(retryAfter);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
