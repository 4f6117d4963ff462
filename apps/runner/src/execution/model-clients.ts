import { addUsage, emptyUsage, type Logger, type SequenceStorage, type Usage } from '@codemonkeys/protocol';
import { createModelBudget, createModelCallRecorder, createModelClient, type LlmModelClient, type ModelBudget, type ModelCallRecorder } from '@codemonkeys/llm';
import type { ExperimentConfig, ModelEndpointConfig } from '../config/experiment-config';

/** The model clients of an experiment: one per role of `models`, one budget and one call recorder shared by all. */
export interface ModelClients {
  /** The client of a role (`default`, `judge`, `ranker`, ...); undefined when the config has no such role. */
  get(role: string): LlmModelClient | undefined;
  /** The client of a role, or the default one. */
  forRole(role: string): LlmModelClient;
  readonly roles: readonly string[];
  readonly budget: ModelBudget;
  readonly recorder: ModelCallRecorder;
  /** Endpoint requests, cache hits, tokens and cost of every client since they were created. */
  totals(): { calls: number; cacheHits: number; endpointRequests: number; usage: Usage; costUsd: number };
  /** Writes every model call record made so far (before a stage result is written, so a resumed run finds them). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface ModelClientsOptions {
  models: ExperimentConfig['models'];
  budgets: ExperimentConfig['budgets'];
  storage: SequenceStorage;
  logger?: Logger;
  /** Tokens and cost spent before this process started (earlier invocations of the same runs), charged to the budget. */
  spentBefore?: { tokens: number; costUsd: number };
}

function endpointOf(model: ModelEndpointConfig) {
  return {
    kind: model.kind,
    baseUrl: model.baseUrl,
    defaultModel: model.model,
    ...(model.embeddingModel ? { defaultEmbeddingModel: model.embeddingModel } : {}),
    ...(model.name ? { name: model.name } : {}),
    ...(model.apiKeyEnv ? { apiKeyEnv: model.apiKeyEnv } : {}),
    ...(model.headers ? { headers: model.headers } : {}),
  };
}

export function createModelClients(options: ModelClientsOptions): ModelClients {
  const budget = createModelBudget(options.budgets);
  if (options.spentBefore && (options.spentBefore.tokens > 0 || options.spentBefore.costUsd > 0)) {
    budget.charge({ ...emptyUsage(), inputTokens: options.spentBefore.tokens }, options.spentBefore.costUsd);
  }
  const recorder = createModelCallRecorder({ write: (records) => options.storage.putModelCalls(records), ...(options.logger ? { logger: options.logger } : {}) });
  const clients = new Map<string, LlmModelClient>();
  for (const [role, model] of Object.entries(options.models)) {
    clients.set(
      role,
      createModelClient({
        endpoint: endpointOf(model),
        limits: {
          maxConcurrent: model.maxConcurrent,
          ...(model.requestsPerMinute ? { requestsPerMinute: model.requestsPerMinute } : {}),
          ...(model.tokensPerMinute ? { tokensPerMinute: model.tokensPerMinute } : {}),
        },
        budget,
        ...(model.price ? { prices: { [model.model]: model.price } } : {}),
        cache: { storage: options.storage },
        recorder,
        timeoutMs: model.timeoutMs,
        ...(options.logger ? { logger: options.logger } : {}),
      }),
    );
  }
  const fallback = clients.get('default')!;
  return {
    get: (role) => clients.get(role),
    forRole: (role) => clients.get(role) ?? fallback,
    roles: [...clients.keys()],
    budget,
    recorder,
    totals() {
      const sum = { calls: 0, cacheHits: 0, endpointRequests: 0, usage: emptyUsage(), costUsd: 0 };
      for (const client of clients.values()) {
        const totals = client.totals();
        sum.calls += totals.calls;
        sum.cacheHits += totals.cacheHits;
        sum.endpointRequests += totals.endpointRequests;
        sum.usage = addUsage(sum.usage, totals.usage);
        sum.costUsd += totals.costUsd;
      }
      return sum;
    },
    flush: () => recorder.flush(),
    async close() {
      for (const client of clients.values()) await client.close().catch(() => undefined);
      await recorder.close();
    },
  };
}
