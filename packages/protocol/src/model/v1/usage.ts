import { z } from 'zod';

const tokenCount = z.number().int().min(0).default(0);

/** Token usage of one model call, normalized across providers. */
export const UsageSchema = z.object({
  /** Every prompt token of the call, cache reads and writes included (so uncached input = input - cacheRead - cacheWrite). */
  inputTokens: tokenCount,
  outputTokens: tokenCount,
  /** Prompt tokens served from the provider's prompt cache. */
  cacheReadTokens: tokenCount,
  /** Prompt tokens written to the provider's prompt cache (Anthropic). */
  cacheWriteTokens: tokenCount,
});
export type Usage = z.output<typeof UsageSchema>;

export const emptyUsage = (): Usage => ({ inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 });

export function addUsage(left: Usage, right: Usage): Usage {
  return {
    inputTokens: left.inputTokens + right.inputTokens,
    outputTokens: left.outputTokens + right.outputTokens,
    cacheReadTokens: left.cacheReadTokens + right.cacheReadTokens,
    cacheWriteTokens: left.cacheWriteTokens + right.cacheWriteTokens,
  };
}
