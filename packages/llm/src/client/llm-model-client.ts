import { ChatRequestSchema, CodemonkeysError, EmbeddingRequestSchema, ModelCallError, UnsupportedCapabilityError, addUsage, createConsoleLogger, createSecretRedactor, currentCallLabels, emptyUsage, parseWithSchema, type CallLabels, type ChatRequest, type ChatResponse, type EmbeddingRequest, type EmbeddingResponse, type Logger, type ModelCallOptions, type ModelCallRecord, type ModelClient, type SecretRedactor, type NormalizedChatRequest, type TokenCounter, type Usage } from '@codemonkeys/protocol';
import { createModelBudget, isModelBudget, type ModelBudget } from '../budget/model-budget';
import { chatCacheKey, chatRequestForKey, embeddingCacheKey, embeddingCallKey, modelCallRecordId } from '../cache/cache-keys';
import { CachedChatSchema, CachedEmbeddingCallSchema, CachedEmbeddingSchema, copyChoices, type CachedChat, type CallOrigin } from '../cache/cached-values';
import { createResponseCache, type ResponseCache } from '../cache/response-cache';
import { defaultEndpointName, type ResolvedEndpointConfig } from '../endpoint/endpoint-config';
import { acquireSharedEndpoint, type SharedEndpointHandle } from '../limits/shared-endpoints';
import { createPriceList, type PriceList } from '../pricing/price-table';
import { anthropicMessagesBody, parseAnthropicMessagesResponse } from '../protocol/anthropic-messages-protocol';
import { openAiChatBody, parseOpenAiChatResponse } from '../protocol/openai-chat-protocol';
import { parseOpenAiEmbeddingsResponse } from '../protocol/openai-embeddings-protocol';
import type { ParsedChat } from '../protocol/parsed-chat';
import { createModelCallRecorder, isModelCallRecorder, type ModelCallRecorder } from '../recording/model-call-recorder';
import { defaultTokenCounterFor } from '../tokens/tiktoken-counter';
import { sendHttpRequest, type HttpExchange } from '../transport/http-transport';
import type { ResolvedRetryOptions } from '../transport/retry-policy';
import { AttemptFailureSignal, httpFailure, malformedJsonFailure } from './attempt-failure';
import { callWithRetries } from './call-with-retries';
import type { ResolvedModelClientOptions } from './model-client-options';

/** Counts of one client since it was created, for progress displays. */
export interface ModelClientTotals {
  /** Calls that returned an answer (cache hits included). */
  calls: number;
  /** Calls that threw (budget refusals and caller aborts included). */
  failedCalls: number;
  /** Calls answered from the response cache (no endpoint request, no cost). */
  cacheHits: number;
  /** HTTP requests sent to the endpoint (retries included). */
  endpointRequests: number;
  retries: number;
  /** Tokens billed by the endpoint (cache hits excluded). */
  usage: Usage;
  costUsd: number;
}

/** The model client of `@codemonkeys/llm`: core's ModelClient plus totals, flush and close. */
export interface LlmModelClient extends ModelClient {
  readonly kind: 'openai' | 'anthropic';
  readonly budget: ModelBudget | undefined;
  totals(): ModelClientTotals;
  /** Writes every model call record accepted so far. */
  flush(): Promise<void>;
  /** Flushes the records and gives back the shared connection pool. Calls after close are refused. */
  close(): Promise<void>;
}

interface ExchangeResult {
  parsed: ParsedChat;
  usage: Usage;
  costUsd: number;
}

const noTokens = (): Usage => emptyUsage();

export class UndiciModelClient implements LlmModelClient {
  readonly specificationVersion = 'v1' as const;
  readonly endpoint: string;
  readonly defaultModel: string | undefined;
  readonly kind: 'openai' | 'anthropic';
  readonly budget: ModelBudget | undefined;

  private readonly config: ResolvedEndpointConfig;
  private readonly apiKey: string | undefined;
  private readonly headers: Record<string, string>;
  private readonly redactor: SecretRedactor;
  private readonly logger: Logger;
  private readonly retry: ResolvedRetryOptions;
  private readonly timeoutMs: number;
  private readonly embeddingBatchSize: number;
  private readonly prices: PriceList;
  private readonly cache: ResponseCache | undefined;
  private readonly recorder: ModelCallRecorder | undefined;
  private readonly ownsRecorder: boolean;
  private readonly shared: SharedEndpointHandle;
  private readonly tokenCounterOption: ((model: string) => TokenCounter | undefined) | undefined;
  private readonly tokenCounters = new Map<string, TokenCounter>();
  private readonly inFlight = new Map<string, Promise<CachedChat>>();
  private readonly origin: string;
  private readonly chatPath: string;
  private readonly embeddingsPath: string;
  private closed = false;
  private readonly counters: ModelClientTotals = { calls: 0, failedCalls: 0, cacheHits: 0, endpointRequests: 0, retries: 0, usage: emptyUsage(), costUsd: 0 };

  constructor(options: ResolvedModelClientOptions, apiKey: string | undefined) {
    this.config = options.endpoint;
    this.kind = options.endpoint.kind;
    this.endpoint = options.endpoint.name ?? defaultEndpointName(options.endpoint);
    this.defaultModel = options.endpoint.defaultModel;
    this.apiKey = apiKey;
    this.logger = options.logger ?? createConsoleLogger({ level: 'warn', prefix: '@codemonkeys/llm' });
    // Core's redactor (the one every storage uses) plus this client's own secrets: its key and header values.
    this.redactor = createSecretRedactor({ secretValues: [apiKey, ...Object.values(options.endpoint.headers ?? {})].filter((value): value is string => value !== undefined) });
    this.retry = options.retry;
    this.timeoutMs = options.timeoutMs;
    this.embeddingBatchSize = options.embeddingBatchSize;
    this.prices = createPriceList({ ...(options.prices ? { prices: options.prices } : {}), useDefaultPrices: options.useDefaultPrices, logger: this.logger });
    this.budget = options.budget === undefined ? undefined : isModelBudget(options.budget) ? options.budget : createModelBudget(options.budget);
    this.cache = options.cache && options.cache.enabled ? createResponseCache(options.cache.storage, this.logger) : undefined;
    if (options.recorder === undefined) {
      this.recorder = undefined;
      this.ownsRecorder = false;
    } else if (isModelCallRecorder(options.recorder)) {
      this.recorder = options.recorder;
      this.ownsRecorder = false;
    } else {
      this.recorder = createModelCallRecorder({ write: options.recorder, logger: this.logger });
      this.ownsRecorder = true;
    }
    this.tokenCounterOption = options.tokenCounter;
    this.shared = acquireSharedEndpoint(this.endpoint, options.limits, this.logger);

    const baseUrl = new URL(options.endpoint.baseUrl);
    this.origin = baseUrl.origin;
    const basePath = baseUrl.pathname.replace(/\/+$/, '');
    const query = baseUrl.search; // e.g. Azure's ?api-version=...
    this.chatPath = this.kind === 'anthropic' ? `${basePath.endsWith('/v1') ? basePath : `${basePath}/v1`}/messages${query}` : `${basePath}/chat/completions${query}`;
    this.embeddingsPath = `${basePath}/embeddings${query}`;
    this.headers = { 'content-type': 'application/json', accept: 'application/json', ...(options.endpoint.headers ?? {}) };
    if (this.kind === 'anthropic') {
      this.headers['anthropic-version'] = options.endpoint.anthropicVersion;
      if (apiKey) this.headers['x-api-key'] = apiKey;
    } else if (apiKey) {
      this.headers.authorization = `Bearer ${apiKey}`;
    }
  }

  totals(): ModelClientTotals {
    return { ...this.counters, usage: { ...this.counters.usage } };
  }

  countTokens(text: string, model?: string): number {
    return this.tokenCounterFor(model ?? this.defaultModel ?? '')(text);
  }

  async flush(): Promise<void> {
    await this.recorder?.flush();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.ownsRecorder) await this.recorder?.close();
      else await this.recorder?.flush();
    } finally {
      await this.shared.release();
    }
  }

  async chat(request: ChatRequest, options: ModelCallOptions = {}): Promise<ChatResponse> {
    const started = performance.now();
    this.assertOpen();
    const normalized = parseWithSchema(ChatRequestSchema, request, `The chat request to ${this.endpoint}`);
    const model = normalized.model ?? this.defaultModel;
    if (!model) throw this.noModelError('chat');
    const labels = mergeLabels(currentCallLabels(), options.labels);
    const sample = options.sample ?? labels.sample ?? 0;
    const cacheKey = chatCacheKey({ endpoint: this.endpoint, model, request: normalized, sample });
    const recordId = modelCallRecordId(labels, sample, cacheKey);
    const useCache = this.cache !== undefined && options.cache !== false;
    const base = { labels, sample, model, cacheKey, recordId, request: this.recorder ? recordedChatRequest(normalized, model) : undefined };

    let delegated = false;
    try {
      let value: CachedChat;
      if (useCache) {
        // Identical calls in flight at once share one lookup and one endpoint request; the later ones are cache hits.
        const pending = this.inFlight.get(cacheKey);
        if (pending) {
          let shared: CachedChat | undefined;
          try {
            shared = await raceWithSignal(pending, options.signal);
          } catch (error) {
            // The first caller stopped (its own abort): this one was not stopped, so it asks for itself.
            if (options.signal?.aborted || CodemonkeysError.isInstance(error)) throw error;
          }
          if (shared) return this.answerFromCache(shared, base, started);
          delegated = true;
          return await this.chat(request, options);
        }
        let fromCache = false;
        const lookup = (async () => {
          const cached = await this.cache!.get(cacheKey, CachedChatSchema);
          if (cached) {
            fromCache = true;
            return cached;
          }
          this.budget?.assertAvailable();
          const fresh = await this.chatFromEndpoint(normalized, model, recordId, options.signal, started);
          await this.cache!.put([{ key: cacheKey, value: fresh }]);
          return fresh;
        })();
        this.inFlight.set(cacheKey, lookup);
        try {
          value = await lookup;
        } finally {
          this.inFlight.delete(cacheKey);
        }
        if (fromCache) return this.answerFromCache(value, base, started);
      } else {
        this.budget?.assertAvailable();
        value = await this.chatFromEndpoint(normalized, model, recordId, options.signal, started);
      }
      const response: ChatResponse = {
        ...(value.id !== undefined ? { id: value.id } : {}),
        model: value.model,
        // A copy: identical calls that waited for this one are answered from `value` after this caller runs.
        choices: copyChoices(value.choices),
        usage: { ...value.usage },
        costUsd: value.origin.costUsd,
        latencyMs: value.origin.latencyMs,
        cacheHit: false,
        retries: value.origin.retries,
      };
      this.counters.calls += 1;
      this.record({ ...base, kind: 'chat', response: chatResponseForRecord(value), usage: value.usage, costUsd: value.origin.costUsd, latencyMs: value.origin.latencyMs, cacheHit: false, retries: value.origin.retries, createdAt: value.origin.createdAt });
      return response;
    } catch (error) {
      if (!delegated) {
        this.counters.failedCalls += 1;
        if (ModelCallError.isInstance(error)) this.recordFailure({ ...base, kind: 'chat' }, error, started);
      }
      throw error;
    }
  }

  async embed(request: EmbeddingRequest, options: ModelCallOptions = {}): Promise<EmbeddingResponse> {
    const started = performance.now();
    this.assertOpen();
    if (this.kind === 'anthropic') {
      throw new UnsupportedCapabilityError({
        capability: 'embeddings',
        provider: `Anthropic endpoint ${this.endpoint}`,
        hint: 'Configure an OpenAI-compatible endpoint (kind "openai") for the embedding model.',
      });
    }
    const normalized = parseWithSchema(EmbeddingRequestSchema, request, `The embedding request to ${this.endpoint}`);
    const model = normalized.model ?? this.config.defaultEmbeddingModel ?? this.defaultModel;
    if (!model) throw this.noModelError('embedding');
    const labels = mergeLabels(currentCallLabels(), options.labels);
    const sample = options.sample ?? labels.sample ?? 0;
    const inputKeys = normalized.input.map((input) => embeddingCacheKey({ endpoint: this.endpoint, model, input }));
    const cacheKey = embeddingCallKey({ endpoint: this.endpoint, model, inputKeys });
    const recordId = modelCallRecordId(labels, sample, cacheKey);
    const useCache = this.cache !== undefined && options.cache !== false;
    const base = {
      labels,
      sample,
      model,
      cacheKey,
      recordId,
      request: { model, inputs: normalized.input.length, characters: normalized.input.reduce((sum, input) => sum + input.length, 0) },
    };

    try {
      const embeddings = new Array<number[] | undefined>(normalized.input.length);
      let cachedTokens = 0;
      if (useCache) {
        const cached = await this.cache!.getMany(inputKeys, CachedEmbeddingSchema);
        cached.forEach((entry, index) => {
          if (entry) {
            embeddings[index] = entry.embedding;
            cachedTokens += entry.tokens;
          }
        });
      }
      // Each distinct missing text is sent once, however often it repeats in the input.
      const missingTexts = [...new Set(normalized.input.filter((_, index) => embeddings[index] === undefined))];
      if (missingTexts.length === 0) {
        const origin = useCache ? await this.cache!.get(cacheKey, CachedEmbeddingCallSchema) : undefined;
        // The same call again reports what it was billed; a new mix of cached texts, their shares.
        const usage: Usage = origin ? { ...origin.usage } : { ...emptyUsage(), inputTokens: Math.round(cachedTokens) };
        return this.answerEmbeddingsFromCache(embeddings as number[][], usage, origin, base, started);
      }

      this.budget?.assertAvailable();
      const batches: string[][] = [];
      for (let offset = 0; offset < missingTexts.length; offset += this.embeddingBatchSize) batches.push(missingTexts.slice(offset, offset + this.embeddingBatchSize));
      const results = await Promise.all(batches.map((batch) => this.embeddingBatchFromEndpoint(batch, model, options.signal)));
      const vectors = new Map<string, { embedding: number[]; tokens: number }>();
      let usage = emptyUsage();
      let costUsd = 0;
      let retries = 0;
      results.forEach((result, batchIndex) => {
        const batch = batches[batchIndex]!;
        usage = addUsage(usage, result.usage);
        costUsd += result.costUsd;
        retries += result.retries;
        // Per-text tokens (for replays) share the batch's total out by length when the endpoint gave only a total.
        const characters = batch.reduce((sum, text) => sum + Math.max(1, text.length), 0);
        batch.forEach((text, index) => vectors.set(text, { embedding: result.embeddings[index]!, tokens: (result.usage.inputTokens * Math.max(1, text.length)) / characters }));
      });
      normalized.input.forEach((text, index) => {
        if (embeddings[index] === undefined) embeddings[index] = vectors.get(text)!.embedding;
      });
      const latencyMs = performance.now() - started;
      const createdAt = new Date().toISOString();
      const origin: CallOrigin = { recordId, costUsd, latencyMs, retries, createdAt };
      if (useCache) {
        await this.cache!.put([
          ...[...vectors].map(([text, vector]) => ({
            key: embeddingCacheKey({ endpoint: this.endpoint, model, input: text }),
            value: { kind: 'embedding', model, embedding: vector.embedding, tokens: vector.tokens },
          })),
          { key: cacheKey, value: { kind: 'embedding-call', model, usage, origin } },
        ]);
      }
      this.counters.calls += 1;
      this.record({ ...base, kind: 'embedding', response: { vectors: embeddings.length, dimensions: embeddings[0]?.length ?? 0 }, usage, costUsd, latencyMs, cacheHit: false, retries, createdAt });
      return { model, embeddings: embeddings as number[][], usage, costUsd, latencyMs, cacheHit: false, retries };
    } catch (error) {
      this.counters.failedCalls += 1;
      if (ModelCallError.isInstance(error)) this.recordFailure({ ...base, kind: 'embedding' }, error, started);
      throw error;
    }
  }

  // ---- endpoint calls ----

  private async chatFromEndpoint(request: NormalizedChatRequest, model: string, recordId: string, signal: AbortSignal | undefined, started: number): Promise<CachedChat> {
    const samples = request.n ?? 1;
    let parts: Array<{ result: ExchangeResult; retries: number }>;
    if (this.kind === 'anthropic') {
      // Anthropic has no `n`: its samples are separate requests, made in parallel under the same limits.
      parts = await Promise.all(Array.from({ length: samples }, () => this.chatExchange(anthropicMessagesBody(request, model, this.config), request, model, signal)));
    } else {
      parts = [await this.chatExchange(openAiChatBody(request, model, this.config), request, model, signal)];
      // Some OpenAI-compatible servers (Ollama, for one) ignore `n` and answer one choice: ask for the rest one by one.
      const missing = samples - parts[0]!.result.parsed.choices.length;
      if (missing > 0) {
        this.warnOnce(`short-n:${model}`, `${this.endpoint} answered ${samples - missing} of ${samples} samples for model "${model}" (it may ignore "n"); the others are requested one by one.`);
        const single = openAiChatBody({ ...request, n: 1 }, model, this.config);
        parts.push(...(await Promise.all(Array.from({ length: missing }, () => this.chatExchange(single, { ...request, n: 1 }, model, signal)))));
      }
    }
    let usage = emptyUsage();
    let costUsd = 0;
    let retries = 0;
    const choices = parts.flatMap((part) => {
      usage = addUsage(usage, part.result.usage);
      costUsd += part.result.costUsd;
      retries += part.retries;
      return part.result.parsed.choices;
    });
    choices.forEach((choice, index) => {
      choice.index = index;
    });
    const first = parts[0]!.result.parsed;
    return {
      kind: 'chat',
      ...(first.id !== undefined ? { id: first.id } : {}),
      model: first.model ?? model,
      choices,
      usage,
      origin: { recordId, costUsd, latencyMs: performance.now() - started, retries, createdAt: new Date().toISOString() },
    };
  }

  private async chatExchange(body: Record<string, unknown>, request: NormalizedChatRequest, model: string, signal: AbortSignal | undefined): Promise<{ result: ExchangeResult; retries: number }> {
    const text = JSON.stringify(body);
    const { value, retries } = await callWithRetries(
      { endpoint: this.endpoint, operation: `chat (model "${model}")`, retry: this.retry, limiter: this.shared.limiter, redactor: this.redactor, signal, estimatedTokens: this.estimateChatTokens(request) },
      async () => {
        const exchange = await this.send(this.chatPath, text, signal);
        const parsed = this.kind === 'anthropic' ? parseAnthropicMessagesResponse(this.parseJson(exchange)) : parseOpenAiChatResponse(this.parseJson(exchange));
        const usage = parsed.usage ?? this.countChatUsage(request, parsed, model);
        const costUsd = this.charge(model, usage);
        return { value: { parsed, usage, costUsd }, tokens: usage.inputTokens + usage.outputTokens };
      },
    );
    this.counters.retries += retries;
    return { result: value, retries };
  }

  private async embeddingBatchFromEndpoint(batch: string[], model: string, signal: AbortSignal | undefined): Promise<{ embeddings: number[][]; usage: Usage; costUsd: number; retries: number }> {
    const text = JSON.stringify({ model, input: batch });
    const estimatedTokens = Math.ceil(batch.reduce((sum, input) => sum + input.length, 0) / 3.5);
    const { value, retries } = await callWithRetries(
      { endpoint: this.endpoint, operation: `embedding of ${batch.length} inputs (model "${model}")`, retry: this.retry, limiter: this.shared.limiter, redactor: this.redactor, signal, estimatedTokens },
      async () => {
        const exchange = await this.send(this.embeddingsPath, text, signal);
        const parsed = parseOpenAiEmbeddingsResponse(this.parseJson(exchange), batch.length);
        const inputTokens = parsed.promptTokens ?? batch.reduce((sum, input) => sum + this.countTokens(input, model), 0);
        const usage: Usage = { ...emptyUsage(), inputTokens };
        const costUsd = this.charge(model, usage);
        return { value: { embeddings: parsed.embeddings, usage, costUsd }, tokens: inputTokens };
      },
    );
    this.counters.retries += retries;
    return { ...value, retries };
  }

  private async send(path: string, body: string, signal: AbortSignal | undefined): Promise<HttpExchange> {
    this.counters.endpointRequests += 1;
    const exchange = await sendHttpRequest(this.shared.dispatcher, { origin: this.origin, path, method: 'POST', headers: this.headers, body, timeoutMs: this.timeoutMs, ...(signal ? { signal } : {}) });
    if (exchange.statusCode < 200 || exchange.statusCode >= 300) throw new AttemptFailureSignal(httpFailure(exchange, this.redactor));
    return exchange;
  }

  private parseJson(exchange: HttpExchange): unknown {
    try {
      return JSON.parse(exchange.body) as unknown;
    } catch (error) {
      throw new AttemptFailureSignal(malformedJsonFailure(exchange, this.redactor, error));
    }
  }

  /** Prices one successful exchange and charges it to the totals and the budget at once (so a failing sibling cannot hide it). */
  private charge(model: string, usage: Usage): number {
    const costUsd = this.prices.costOf(model, usage);
    this.counters.usage = addUsage(this.counters.usage, usage);
    this.counters.costUsd += costUsd;
    this.budget?.charge(usage, costUsd);
    return costUsd;
  }

  // ---- cache hits ----

  private answerFromCache(cached: CachedChat, base: RecordBase, started: number): ChatResponse {
    const latencyMs = performance.now() - started;
    this.counters.calls += 1;
    this.counters.cacheHits += 1;
    this.recordReplay({ ...base, kind: 'chat', response: chatResponseForRecord(cached), usage: cached.usage }, cached.origin, latencyMs);
    // Choices are copied so that a caller editing its answer cannot change the next replay.
    return {
      ...(cached.id !== undefined ? { id: cached.id } : {}),
      model: cached.model,
      choices: copyChoices(cached.choices),
      usage: { ...cached.usage },
      costUsd: 0,
      latencyMs,
      cacheHit: true,
      retries: 0,
    };
  }

  private answerEmbeddingsFromCache(embeddings: number[][], usage: Usage, origin: { usage: Usage; origin: CallOrigin } | undefined, base: RecordBase, started: number): EmbeddingResponse {
    const latencyMs = performance.now() - started;
    this.counters.calls += 1;
    this.counters.cacheHits += 1;
    const response = { vectors: embeddings.length, dimensions: embeddings[0]?.length ?? 0 };
    if (origin) this.recordReplay({ ...base, kind: 'embedding', response, usage: origin.usage }, origin.origin, latencyMs);
    else this.record({ ...base, kind: 'embedding', response, usage, costUsd: 0, latencyMs, cacheHit: true, retries: 0, createdAt: new Date().toISOString() });
    return { model: base.model, embeddings, usage, costUsd: 0, latencyMs, cacheHit: true, retries: 0 };
  }

  /**
   * A cache hit of the very call (same labels, same key) that produced the entry, as when a resumed run
   * redoes it, rewrites that call's record as it was, so the stored cost survives; any other hit is a
   * record of its own with cost 0.
   */
  private recordReplay(entry: Omit<RecordEntry, 'costUsd' | 'latencyMs' | 'cacheHit' | 'retries' | 'createdAt'>, origin: CallOrigin, latencyMs: number): void {
    if (origin.recordId === entry.recordId) {
      this.record({ ...entry, costUsd: origin.costUsd, latencyMs: origin.latencyMs, cacheHit: false, retries: origin.retries, createdAt: origin.createdAt });
    } else {
      this.record({ ...entry, costUsd: 0, latencyMs, cacheHit: true, retries: 0, createdAt: new Date().toISOString() });
    }
  }

  // ---- records ----

  private record(entry: RecordEntry, error?: { name: string; message: string }): void {
    if (!this.recorder) return;
    const record: ModelCallRecord = {
      id: entry.recordId,
      ...labelFields(entry.labels),
      sample: entry.sample,
      kind: entry.kind,
      endpoint: this.endpoint,
      model: entry.model,
      request: this.redactor.redact(entry.request),
      ...(entry.response !== undefined ? { response: this.redactor.redact(entry.response) } : {}),
      usage: entry.usage,
      costUsd: entry.costUsd,
      latencyMs: entry.latencyMs,
      cacheKey: entry.cacheKey,
      cacheHit: entry.cacheHit,
      retries: entry.retries,
      status: error ? 'error' : 'ok',
      ...(error ? { error } : {}),
      createdAt: entry.createdAt,
    };
    this.recorder.record(record);
  }

  private recordFailure(entry: Omit<RecordEntry, 'usage' | 'costUsd' | 'latencyMs' | 'cacheHit' | 'retries' | 'createdAt' | 'response'>, error: ModelCallError, started: number): void {
    this.record(
      { ...entry, usage: noTokens(), costUsd: 0, latencyMs: performance.now() - started, cacheHit: false, retries: Math.max(0, error.attempts - 1), createdAt: new Date().toISOString() },
      { name: error.name, message: this.redactor.redactText(error.message) },
    );
  }

  // ---- tokens ----

  private tokenCounterFor(model: string): TokenCounter {
    let counter = this.tokenCounters.get(model);
    if (!counter) {
      counter = this.tokenCounterOption?.(model) ?? defaultTokenCounterFor(model);
      this.tokenCounters.set(model, counter);
    }
    return counter;
  }

  /** Reserved against tokens-per-minute: a cheap estimate (3.5 characters a token), corrected by the real usage. */
  private estimateChatTokens(request: NormalizedChatRequest): number {
    if (this.shared.limiter.limits.tokensPerMinute === undefined) return 0;
    const characters = request.messages.reduce((sum, message) => sum + message.content.length, 0);
    return Math.ceil(characters / 3.5) + (request.maxTokens ?? 1024) * (this.kind === 'anthropic' ? 1 : (request.n ?? 1));
  }

  /** For endpoints that report no usage: count with the model's tokenizer (4 tokens of framing a message). */
  private countChatUsage(request: NormalizedChatRequest, parsed: ParsedChat, model: string): Usage {
    const counter = this.tokenCounterFor(model);
    const inputTokens = request.messages.reduce((sum, message) => sum + counter(message.content) + 4, 0);
    const outputTokens = parsed.choices.reduce((sum, choice) => sum + counter(choice.message.content) + (choice.message.toolCalls ?? []).reduce((calls, call) => calls + counter(call.function.arguments), 0), 0);
    return { ...emptyUsage(), inputTokens, outputTokens };
  }

  private readonly warned = new Set<string>();
  private warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.logger.warn(message);
  }

  private assertOpen(): void {
    if (this.closed) throw new CodemonkeysError(`The model client of ${this.endpoint} is closed; create a new one with createModelClient.`);
  }

  private noModelError(kind: 'chat' | 'embedding'): CodemonkeysError {
    const field = kind === 'chat' ? 'endpoint.defaultModel' : 'endpoint.defaultEmbeddingModel';
    return new CodemonkeysError(`The ${kind} request to ${this.endpoint} names no model and the client has no default: set "model" in the request or ${field}.`);
  }
}

interface RecordBase {
  labels: CallLabels;
  sample: number;
  model: string;
  cacheKey: string;
  recordId: string;
  request: unknown;
}

interface RecordEntry extends RecordBase {
  kind: 'chat' | 'embedding';
  response?: unknown;
  usage: Usage;
  costUsd: number;
  latencyMs: number;
  cacheHit: boolean;
  retries: number;
  createdAt: string;
}

/** `promise`, or the signal's reason as soon as it is aborted (the promise itself goes on for others). */
function raceWithSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function mergeLabels(scope: CallLabels, override: CallLabels | undefined): CallLabels {
  if (!override) return scope;
  const merged: CallLabels = { ...scope };
  for (const [key, value] of Object.entries(override)) if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  return merged;
}

function labelFields(labels: CallLabels): Partial<Pick<ModelCallRecord, 'experimentId' | 'runId' | 'instanceId' | 'stage'>> {
  return {
    ...(labels.experimentId !== undefined ? { experimentId: labels.experimentId } : {}),
    ...(labels.runId !== undefined ? { runId: labels.runId } : {}),
    ...(labels.instanceId !== undefined ? { instanceId: labels.instanceId } : {}),
    ...(labels.stage !== undefined ? { stage: labels.stage } : {}),
  };
}

function recordedChatRequest(request: NormalizedChatRequest, model: string): Record<string, unknown> {
  return { model, ...chatRequestForKey(request), ...(request.promptCaching !== undefined ? { promptCaching: request.promptCaching } : {}) };
}

function chatResponseForRecord(value: Pick<CachedChat, 'id' | 'model' | 'choices'>): Record<string, unknown> {
  return { ...(value.id !== undefined ? { id: value.id } : {}), model: value.model, choices: value.choices };
}
