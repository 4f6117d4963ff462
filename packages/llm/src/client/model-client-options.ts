import type { Logger, SequenceStorage, TokenCounter } from '@codemonkeys/protocol';
import { z } from 'zod';
import { isModelBudget, ModelBudgetLimitsSchema, type ModelBudget } from '../budget/model-budget';
import { EndpointConfigSchema } from '../endpoint/endpoint-config';
import { EndpointLimitsSchema } from '../limits/endpoint-limits';
import { PriceTableSchema } from '../pricing/model-price';
import { isModelCallRecorder, type ModelCallRecorder, type ModelCallWriter } from '../recording/model-call-recorder';
import { RetryOptionsSchema } from '../transport/retry-policy';

const isFunction = (value: unknown): boolean => typeof value === 'function';
const isStorage = (value: unknown): value is SequenceStorage =>
  typeof value === 'object' && value !== null && typeof (value as SequenceStorage).getCacheEntry === 'function' && typeof (value as SequenceStorage).putCacheEntries === 'function';
const isLogger = (value: unknown): value is Logger => typeof value === 'object' && value !== null && typeof (value as Logger).warn === 'function';

export const ModelClientOptionsSchema = z.object({
  endpoint: EndpointConfigSchema,
  /** Shared by every client of the same endpoint (by name) in the process. */
  limits: EndpointLimitsSchema.prefault({}),
  /** A budget from `createModelBudget` (share one across clients), or limits for a budget of this client alone. */
  budget: z.union([z.custom<ModelBudget>(isModelBudget), ModelBudgetLimitsSchema]).optional(),
  /** Prices (USD per million tokens) merged over the defaults. */
  prices: PriceTableSchema.optional(),
  /** Set false to price only the models in `prices`. */
  useDefaultPrices: z.boolean().default(true),
  /** The response cache: any SequenceStorage (memory, SQLite, Firestore). */
  cache: z
    .object({
      storage: z.custom<SequenceStorage>(isStorage, 'cache.storage must be a SequenceStorage (with getCacheEntry and putCacheEntries)'),
      enabled: z.boolean().default(true),
    })
    .optional(),
  /** Receives one ModelCallRecord per call: a recorder, or a writer such as `(records) => storage.putModelCalls(records)`. */
  recorder: z
    .custom<ModelCallRecorder | ModelCallWriter>(
      (value) => isFunction(value) || isModelCallRecorder(value),
      'recorder must be a function (records) => Promise<void> or a ModelCallRecorder',
    )
    .optional(),
  retry: RetryOptionsSchema.prefault({}),
  /** Deadline of one attempt (connect, headers and body), in ms. Each retry gets a new one. */
  timeoutMs: z.number().int().positive().default(600_000),
  /** Inputs per embeddings request; larger calls are split and sent in parallel under the limits. */
  embeddingBatchSize: z.number().int().positive().default(256),
  /** The tokenizer of a model, or undefined for the default (js-tiktoken o200k/cl100k). */
  tokenCounter: z.custom<(model: string) => TokenCounter | undefined>(isFunction, 'tokenCounter must be a function (model) => counter').optional(),
  logger: z.custom<Logger>(isLogger, 'logger must have debug/info/warn/error').optional(),
});
export type ModelClientOptions = z.input<typeof ModelClientOptionsSchema>;
export type ResolvedModelClientOptions = z.output<typeof ModelClientOptionsSchema>;
