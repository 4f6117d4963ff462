import { z } from 'zod';

/** USD per million tokens. Cache prices default to the input price when a provider has no such discount. */
export const ModelPriceSchema = z.object({
  inputPerMillion: z.number().min(0),
  outputPerMillion: z.number().min(0).default(0),
  /** Prompt tokens read from the provider's prompt cache. */
  cacheReadPerMillion: z.number().min(0).optional(),
  /** Prompt tokens written to the prompt cache (Anthropic). */
  cacheWritePerMillion: z.number().min(0).optional(),
});
export type ModelPrice = z.input<typeof ModelPriceSchema>;

/** Model name (as sent to the endpoint, without date suffix) → price. */
export const PriceTableSchema = z.record(z.string().min(1), ModelPriceSchema);
export type PriceTable = z.input<typeof PriceTableSchema>;
