export { packageMeta } from './package-meta';

// The client
export { createModelClient } from './client/create-model-client';
export { ModelClientOptionsSchema, type ModelClientOptions, type ResolvedModelClientOptions } from './client/model-client-options';
export type { LlmModelClient } from './client/llm-model-client';
export type { ModelClientTotals } from './middleware/totals-middleware';
export { EndpointConfigSchema, defaultEndpointName, type EndpointConfig, type ResolvedEndpointConfig } from './endpoint/endpoint-config';

// Limits, budgets, prices
export { EndpointLimitsSchema, defaultMaxConcurrent, type EndpointLimits, type ResolvedEndpointLimits } from './limits/endpoint-limits';
export { EndpointLimiter, type EndpointLimiterSnapshot, type LimiterPermit } from './limits/endpoint-limiter';
export { ModelBudgetLimitsSchema, createModelBudget, type ModelBudget, type ModelBudgetLimits, type ModelBudgetSpent } from './budget/model-budget';
export { ModelPriceSchema, PriceTableSchema, type ModelPrice, type PriceTable } from './pricing/model-price';
export { defaultPrices, defaultPricesReadOn } from './pricing/default-prices';
export { createPriceList, type PriceList } from './pricing/price-table';

// Retries
export { RetryOptionsSchema, backoffDelayMs, isRetryableStatus, retryAfterMs, type ResolvedRetryOptions, type RetryOptions } from './transport/retry-policy';

// Cache and records
export { chatCacheKey, embeddingCacheKey, modelCallRecordId } from './cache/cache-keys';
export { createModelCallRecorder, type ModelCallRecorder, type ModelCallRecorderOptions, type ModelCallWriter } from './recording/model-call-recorder';

// Tokens
export { defaultTokenCounterFor, tiktokenCounter, type TiktokenEncodingName } from './tokens/tiktoken-counter';
