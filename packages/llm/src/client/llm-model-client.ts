import {
  ChatRequestSchema,
  CodemonkeysError,
  EmbeddingRequestSchema,
  UnsupportedCapabilityError,
  currentCallLabels,
  parseWithSchema,
  type CallLabels,
  type ChatRequest,
  type ChatResponse,
  type EmbeddingRequest,
  type EmbeddingResponse,
  type ModelCallOptions,
  type ModelClient,
} from '@codemonkeys/protocol';
import type { ModelBudget } from '../budget/model-budget';
import { composeChat, composeEmbed, composeRequest, type ModelMiddleware, type NextChat, type NextEmbed } from '../middleware/model-middleware';
import type { ModelClientTotals, TotalsMiddleware } from '../middleware/totals-middleware';
import type { ModelTransport, SendRequest } from '../transport/model-transport';
import { callStartPacer } from '../limits/start-pacer';
import { ChatCallIdentity, EmbeddingCallIdentity } from './call-identity';

/** The model client of `@codemonkeys/llm`: the protocol's ModelClient plus totals, flush and close. */
export interface LlmModelClient extends ModelClient {
  readonly kind: 'openai' | 'anthropic';
  readonly budget: ModelBudget | undefined;
  totals(): ModelClientTotals;
  /** Writes every model call record accepted so far. */
  flush(): Promise<void>;
  /** Flushes the records and gives back the shared connection pool. Calls after close are refused. */
  close(): Promise<void>;
}

export interface ComposedModelClientOptions {
  endpoint: string;
  kind: 'openai' | 'anthropic';
  defaultModel: string | undefined;
  defaultEmbeddingModel: string | undefined;
  budget: ModelBudget | undefined;
  transport: ModelTransport;
  /** Layers around each call, outermost first. */
  callMiddleware: readonly ModelMiddleware[];
  /** Layers around each endpoint request, outermost first. */
  requestMiddleware: readonly ModelMiddleware[];
  totals: TotalsMiddleware;
  countTokens(text: string, model: string): number;
  /** After every layer is closed: gives back what the client shares with others (its endpoint's pool). */
  release(): Promise<void>;
}

function mergeLabels(scope: CallLabels, override: CallLabels | undefined): CallLabels {
  if (!override) return scope;
  const merged: CallLabels = { ...scope };
  for (const [key, value] of Object.entries(override)) if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  return merged;
}

/**
 * A transport wrapped in middleware. The client itself only validates requests, resolves the model and
 * the labels, and hands the call to the chain; what happens to it (cache, budget, records, retries,
 * limits, prices) is the middleware's, and how it goes over the wire is the transport's.
 */
export class ComposedModelClient implements LlmModelClient {
  readonly specificationVersion = 'v1' as const;
  readonly endpoint: string;
  readonly defaultModel: string | undefined;
  readonly kind: 'openai' | 'anthropic';
  readonly budget: ModelBudget | undefined;

  private readonly options: ComposedModelClientOptions;
  private readonly chatChain: NextChat;
  private readonly embedChain: NextEmbed | undefined;
  private closed = false;

  constructor(options: ComposedModelClientOptions) {
    this.options = options;
    this.endpoint = options.endpoint;
    this.defaultModel = options.defaultModel;
    this.kind = options.kind;
    this.budget = options.budget;
    const requests = composeRequest(options.requestMiddleware, async (request, attempt) => {
      const { value, usage } = await request.send();
      return { value, usage, costUsd: 0, retries: attempt };
    });
    const send: SendRequest = (request) => requests(request, 0);
    const { transport } = options;
    this.chatChain = composeChat(options.callMiddleware, (call) => transport.chat(call, send));
    const embed = transport.embed;
    this.embedChain = embed ? composeEmbed(options.callMiddleware, (call) => embed(call, send)) : undefined;
  }

  totals(): ModelClientTotals {
    return this.options.totals.snapshot();
  }

  countTokens(text: string, model?: string): number {
    return this.options.countTokens(text, model ?? this.defaultModel ?? '');
  }

  async flush(): Promise<void> {
    for (const layer of this.options.callMiddleware) await layer.flush?.();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      for (const layer of this.options.callMiddleware) await layer.close?.();
    } finally {
      await this.options.release();
    }
  }

  async chat(request: ChatRequest, options: ModelCallOptions = {}): Promise<ChatResponse> {
    const started = performance.now();
    this.assertOpen();
    const turn = callStartPacer.admit();
    if (turn) await turn;
    const normalized = parseWithSchema(ChatRequestSchema, request, `The chat request to ${this.endpoint}`);
    const model = normalized.model ?? this.defaultModel;
    if (!model) throw this.noModelError('chat');
    const labels = mergeLabels(currentCallLabels(), options.labels);
    const sample = options.sample ?? labels.sample ?? 0;
    const result = await this.chatChain({
      request: normalized,
      model,
      labels,
      sample,
      signal: options.signal,
      useCache: options.cache !== false,
      started,
      identity: new ChatCallIdentity(this.endpoint, model, normalized, labels, sample),
    });
    return {
      ...(result.id !== undefined ? { id: result.id } : {}),
      model: result.model,
      choices: result.choices,
      usage: result.usage,
      costUsd: result.costUsd,
      latencyMs: result.latencyMs,
      cacheHit: result.cacheHit,
      retries: result.retries,
    };
  }

  async embed(request: EmbeddingRequest, options: ModelCallOptions = {}): Promise<EmbeddingResponse> {
    const started = performance.now();
    this.assertOpen();
    const turn = callStartPacer.admit();
    if (turn) await turn;
    if (!this.embedChain) {
      throw new UnsupportedCapabilityError({
        capability: 'embeddings',
        provider: `${this.options.transport.protocol} endpoint ${this.endpoint}`,
        hint: 'Configure an OpenAI-compatible endpoint (kind "openai") for the embedding model.',
      });
    }
    const normalized = parseWithSchema(EmbeddingRequestSchema, request, `The embedding request to ${this.endpoint}`);
    const model = normalized.model ?? this.options.defaultEmbeddingModel ?? this.defaultModel;
    if (!model) throw this.noModelError('embedding');
    const labels = mergeLabels(currentCallLabels(), options.labels);
    const sample = options.sample ?? labels.sample ?? 0;
    const result = await this.embedChain({
      input: normalized.input,
      model,
      labels,
      sample,
      signal: options.signal,
      useCache: options.cache !== false,
      started,
      identity: new EmbeddingCallIdentity(this.endpoint, model, normalized.input, labels, sample),
    });
    return {
      model: result.model,
      embeddings: result.embeddings,
      usage: result.usage,
      costUsd: result.costUsd,
      latencyMs: result.latencyMs,
      cacheHit: result.cacheHit,
      retries: result.retries,
    };
  }

  private assertOpen(): void {
    if (this.closed) throw new CodemonkeysError(`The model client of ${this.endpoint} is closed; create a new one with createModelClient.`);
  }

  private noModelError(kind: 'chat' | 'embedding'): CodemonkeysError {
    const field = kind === 'chat' ? 'endpoint.defaultModel' : 'endpoint.defaultEmbeddingModel';
    return new CodemonkeysError(`The ${kind} request to ${this.endpoint} names no model and the client has no default: set "model" in the request or ${field}.`);
  }
}
