import { z } from 'zod';

/** Limits of one endpoint, shared by every client of that endpoint in the process. */
export const EndpointLimitsSchema = z.object({
  /** Requests in flight at once (retries wait for a slot again). Default 64 when no client of the endpoint sets it. */
  maxConcurrent: z.number().int().positive().optional(),
  /** Requests started in any sliding minute (each retry counts). */
  requestsPerMinute: z.number().positive().optional(),
  /**
   * Tokens (prompt + completion) in any sliding minute. A request reserves an estimate (about 3.5
   * characters a token for the prompt, plus `maxTokens`) and is charged its real usage when it ends.
   */
  tokensPerMinute: z.number().positive().optional(),
});
export type EndpointLimits = z.input<typeof EndpointLimitsSchema>;
export type ResolvedEndpointLimits = z.output<typeof EndpointLimitsSchema>;

/** Concurrency of an endpoint whose clients set no `maxConcurrent`. */
export const defaultMaxConcurrent = 64;
