import { CodemonkeysError, createConsoleLogger, createSecretRedactor, parseWithSchema } from '@codemonkeys/protocol';
import { createModelBudget, isModelBudget } from '../budget/model-budget';
import { defaultEndpointName } from '../endpoint/endpoint-config';
import { acquireSharedEndpoint } from '../limits/shared-endpoints';
import { createBudgetMiddleware } from '../middleware/budget-middleware';
import { createCacheMiddleware } from '../middleware/cache-middleware';
import { createLimitsMiddleware } from '../middleware/limits-middleware';
import type { ModelMiddleware } from '../middleware/model-middleware';
import { createPricingMiddleware } from '../middleware/pricing-middleware';
import { createRecordingMiddleware } from '../middleware/recording-middleware';
import { createRetryMiddleware } from '../middleware/retry-middleware';
import { createTotalsMiddleware } from '../middleware/totals-middleware';
import { createPriceList } from '../pricing/price-table';
import { createModelCallRecorder, isModelCallRecorder } from '../recording/model-call-recorder';
import { createModelTokenCounters } from '../tokens/model-token-counters';
import { selectTransport } from '../transport/select-transport';
import { ComposedModelClient, type LlmModelClient } from './llm-model-client';
import { ModelClientOptionsSchema, type ModelClientOptions } from './model-client-options';

const present = <T>(value: T | undefined): value is T => value !== undefined;

/**
 * Creates a ModelClient for one endpoint. Invalid options throw a SchemaValidationError listing every
 * issue; a key named by `endpoint.apiKeyEnv` that is not set throws before any call is made.
 *
 * ```ts
 * const model = createModelClient({
 *   endpoint: { kind: 'openai', baseUrl: 'http://127.0.0.1:8000/v1', defaultModel: 'Qwen/Qwen2.5-Coder-32B-Instruct' },
 *   limits: { maxConcurrent: 32 },
 *   cache: { storage },
 *   recorder: (records) => storage.putModelCalls(records),
 * });
 * ```
 *
 * The client is the endpoint's transport (its wire protocol) wrapped in middleware. Around each call,
 * outermost first: totals, records, response cache, budget check. Around each request the transport
 * makes: retries, limits, totals, budget charge, prices.
 */
export function createModelClient(options: ModelClientOptions): LlmModelClient {
  const resolved = parseWithSchema(ModelClientOptionsSchema, options, 'The options of createModelClient', 'See the README of @codemonkeys/llm for every option.');
  const { endpoint } = resolved;
  let apiKey = endpoint.apiKey;
  if (apiKey === undefined && endpoint.apiKeyEnv !== undefined) {
    apiKey = process.env[endpoint.apiKeyEnv];
    if (apiKey === undefined || apiKey === '') {
      throw new CodemonkeysError(
        `The environment variable ${endpoint.apiKeyEnv} (endpoint.apiKeyEnv) is not set: export it with the API key of ${endpoint.baseUrl}, or remove apiKeyEnv for an endpoint without a key.`,
      );
    }
  }

  const name = endpoint.name ?? defaultEndpointName(endpoint);
  const logger = resolved.logger ?? createConsoleLogger({ level: 'warn', prefix: '@codemonkeys/llm' });
  // The protocol's redactor (the one every storage uses) plus this client's own secrets: its key and header values.
  const redactor = createSecretRedactor({ secretValues: [apiKey, ...Object.values(endpoint.headers ?? {})].filter(present) });
  const budget = resolved.budget === undefined ? undefined : isModelBudget(resolved.budget) ? resolved.budget : createModelBudget(resolved.budget);
  const countTokens = createModelTokenCounters(resolved.tokenCounter);
  const shared = acquireSharedEndpoint(name, resolved.limits, logger);
  const transport = selectTransport({
    endpoint,
    name,
    apiKey,
    dispatcher: shared.dispatcher,
    timeoutMs: resolved.timeoutMs,
    redactor,
    logger,
    embeddingBatchSize: resolved.embeddingBatchSize,
    countTokens,
  });

  let recording: ModelMiddleware | undefined;
  if (resolved.recorder !== undefined) {
    const own = !isModelCallRecorder(resolved.recorder);
    const recorder = isModelCallRecorder(resolved.recorder) ? resolved.recorder : createModelCallRecorder({ write: resolved.recorder, logger });
    recording = createRecordingMiddleware({ endpoint: name, recorder, ownsRecorder: own, redactor });
  }
  const cache = resolved.cache?.enabled ? createCacheMiddleware({ storage: resolved.cache.storage, logger }) : undefined;
  const budgetLayer = budget ? createBudgetMiddleware(budget) : undefined;
  const totals = createTotalsMiddleware();
  const prices = createPriceList({ ...(resolved.prices ? { prices: resolved.prices } : {}), useDefaultPrices: resolved.useDefaultPrices, logger });

  return new ComposedModelClient({
    endpoint: name,
    kind: endpoint.kind,
    defaultModel: endpoint.defaultModel,
    defaultEmbeddingModel: endpoint.defaultEmbeddingModel,
    budget,
    transport,
    callMiddleware: [totals, recording, cache, budgetLayer].filter(present),
    requestMiddleware: [
      // A 429 pauses the whole endpoint for as long as its retry waits, so that other calls do not hammer it meanwhile.
      createRetryMiddleware({ endpoint: name, retry: resolved.retry, redactor, onRateLimited: (delayMs) => shared.limiter.pauseUntil(Date.now() + delayMs) }),
      createLimitsMiddleware(shared.limiter),
      totals,
      budgetLayer,
      createPricingMiddleware(prices),
    ].filter(present),
    totals,
    countTokens,
    release: () => shared.release(),
  });
}
