import type { PriceTable } from './model-price';

/**
 * The date the default prices were read. Anthropic's come from its pricing page (base input, 5-minute
 * cache writes, cache hits, output); OpenAI's from published copies of its pricing page, cross-checked
 * against each other (input, cached input, output; standard tier, no batch or flex discounts). Prices
 * change: pass `prices` to `createModelClient` to override or add.
 */
export const defaultPricesReadOn = '2026-11-25';

/** USD per million tokens. A dated model id (`claude-sonnet-4-20250514`, `gpt-4o-2024-08-06`) uses its base name's price. */
export const defaultPrices: PriceTable = {
  // OpenAI
  'gpt-5': { inputPerMillion: 1.25, cacheReadPerMillion: 0.125, outputPerMillion: 10 },
  'gpt-5-mini': { inputPerMillion: 0.25, cacheReadPerMillion: 0.025, outputPerMillion: 2 },
  'gpt-5-nano': { inputPerMillion: 0.05, cacheReadPerMillion: 0.005, outputPerMillion: 0.4 },
  'gpt-4.1': { inputPerMillion: 2, cacheReadPerMillion: 0.5, outputPerMillion: 8 },
  'gpt-4.1-mini': { inputPerMillion: 0.4, cacheReadPerMillion: 0.1, outputPerMillion: 1.6 },
  'gpt-4.1-nano': { inputPerMillion: 0.1, cacheReadPerMillion: 0.025, outputPerMillion: 0.4 },
  'gpt-4o': { inputPerMillion: 2.5, cacheReadPerMillion: 1.25, outputPerMillion: 10 },
  'gpt-4o-mini': { inputPerMillion: 0.15, cacheReadPerMillion: 0.075, outputPerMillion: 0.6 },
  o1: { inputPerMillion: 15, cacheReadPerMillion: 7.5, outputPerMillion: 60 },
  o3: { inputPerMillion: 2, cacheReadPerMillion: 0.5, outputPerMillion: 8 },
  'o3-mini': { inputPerMillion: 1.1, cacheReadPerMillion: 0.55, outputPerMillion: 4.4 },
  'o4-mini': { inputPerMillion: 1.1, cacheReadPerMillion: 0.275, outputPerMillion: 4.4 },
  'text-embedding-3-small': { inputPerMillion: 0.02 },
  'text-embedding-3-large': { inputPerMillion: 0.13 },
  'text-embedding-ada-002': { inputPerMillion: 0.1 },
  // Anthropic
  'claude-opus-4-6': { inputPerMillion: 5, cacheWritePerMillion: 6.25, cacheReadPerMillion: 0.5, outputPerMillion: 25 },
  'claude-opus-4-5': { inputPerMillion: 5, cacheWritePerMillion: 6.25, cacheReadPerMillion: 0.5, outputPerMillion: 25 },
  'claude-opus-4-1': { inputPerMillion: 15, cacheWritePerMillion: 18.75, cacheReadPerMillion: 1.5, outputPerMillion: 75 },
  'claude-opus-4': { inputPerMillion: 15, cacheWritePerMillion: 18.75, cacheReadPerMillion: 1.5, outputPerMillion: 75 },
  'claude-opus-4-0': { inputPerMillion: 15, cacheWritePerMillion: 18.75, cacheReadPerMillion: 1.5, outputPerMillion: 75 },
  'claude-sonnet-4-6': { inputPerMillion: 3, cacheWritePerMillion: 3.75, cacheReadPerMillion: 0.3, outputPerMillion: 15 },
  'claude-sonnet-4-5': { inputPerMillion: 3, cacheWritePerMillion: 3.75, cacheReadPerMillion: 0.3, outputPerMillion: 15 },
  'claude-sonnet-4': { inputPerMillion: 3, cacheWritePerMillion: 3.75, cacheReadPerMillion: 0.3, outputPerMillion: 15 },
  'claude-sonnet-4-0': { inputPerMillion: 3, cacheWritePerMillion: 3.75, cacheReadPerMillion: 0.3, outputPerMillion: 15 },
  'claude-3-7-sonnet': { inputPerMillion: 3, cacheWritePerMillion: 3.75, cacheReadPerMillion: 0.3, outputPerMillion: 15 },
  'claude-haiku-4-5': { inputPerMillion: 1, cacheWritePerMillion: 1.25, cacheReadPerMillion: 0.1, outputPerMillion: 5 },
  'claude-3-5-haiku': { inputPerMillion: 0.8, cacheWritePerMillion: 1, cacheReadPerMillion: 0.08, outputPerMillion: 4 },
  'claude-3-haiku': { inputPerMillion: 0.25, cacheWritePerMillion: 0.3, cacheReadPerMillion: 0.03, outputPerMillion: 1.25 },
};
