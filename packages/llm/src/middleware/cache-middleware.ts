import { CodemonkeysError, emptyUsage, type Logger, type SequenceStorage, type Usage } from '@codemonkeys/protocol';
import { CachedChatSchema, CachedEmbeddingCallSchema, CachedEmbeddingSchema, copyChoices, type CachedChat } from '../cache/cached-values';
import { createResponseCache } from '../cache/response-cache';
import type { ChatCall, ChatResult, EmbeddingResult, ModelMiddleware } from './model-middleware';

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

// Choices are copied so that a caller editing its answer cannot change the next replay.
function chatHit(call: ChatCall, cached: CachedChat): ChatResult {
  return {
    id: cached.id,
    model: cached.model,
    choices: copyChoices(cached.choices),
    usage: { ...cached.usage },
    costUsd: 0,
    retries: 0,
    latencyMs: performance.now() - call.started,
    createdAt: new Date().toISOString(),
    cacheHit: true,
    origin: cached.origin,
  };
}

/**
 * The response cache over any SequenceStorage. A hit never reaches the layers inside it (budget,
 * transport); identical chat calls in flight at once share one lookup and one endpoint request (the
 * later ones are hits); embeddings are cached per text, so only the texts never seen go to the endpoint.
 * Every stored answer keeps its origin (the call that paid for it), so that a replay of that very call
 * can rewrite its record as it was.
 */
export function createCacheMiddleware(options: { storage: SequenceStorage; logger: Logger }): ModelMiddleware {
  const cache = createResponseCache(options.storage, options.logger);
  const inFlight = new Map<string, Promise<CachedChat>>();

  const wrapChat = async (call: ChatCall, next: (call: ChatCall) => Promise<ChatResult>): Promise<ChatResult> => {
    if (!call.useCache) return next(call);
    const key = call.identity.cacheKey;
    const pending = inFlight.get(key);
    if (pending) {
      let shared: CachedChat | undefined;
      try {
        shared = await raceWithSignal(pending, call.signal);
      } catch (error) {
        // The first caller stopped (its own abort): this one was not stopped, so it asks for itself.
        if (call.signal?.aborted || CodemonkeysError.isInstance(error)) throw error;
      }
      return shared ? chatHit(call, shared) : wrapChat(call, next);
    }
    let fromCache = false;
    const lookup = (async (): Promise<CachedChat> => {
      const cached = await cache.get(key, CachedChatSchema);
      if (cached) {
        fromCache = true;
        return cached;
      }
      const fresh = await next(call);
      const value: CachedChat = {
        kind: 'chat',
        ...(fresh.id !== undefined ? { id: fresh.id } : {}),
        model: fresh.model,
        choices: fresh.choices,
        usage: fresh.usage,
        origin: { recordId: call.identity.recordId, costUsd: fresh.costUsd, latencyMs: fresh.latencyMs, retries: fresh.retries, createdAt: fresh.createdAt },
      };
      await cache.put([{ key, value }]);
      return value;
    })();
    inFlight.set(key, lookup);
    let value: CachedChat;
    try {
      value = await lookup;
    } finally {
      inFlight.delete(key);
    }
    if (fromCache) return chatHit(call, value);
    const { origin } = value;
    // A copy: identical calls that waited for this one are answered from `value` after this caller runs.
    return {
      id: value.id,
      model: value.model,
      choices: copyChoices(value.choices),
      usage: { ...value.usage },
      costUsd: origin.costUsd,
      retries: origin.retries,
      latencyMs: origin.latencyMs,
      createdAt: origin.createdAt,
      cacheHit: false,
    };
  };

  return {
    wrapChat,
    async wrapEmbed(call, next): Promise<EmbeddingResult> {
      if (!call.useCache) return next(call);
      const { inputKeys, cacheKey, recordId } = call.identity;
      const embeddings = new Array<number[] | undefined>(call.input.length);
      let cachedTokens = 0;
      (await cache.getMany(inputKeys, CachedEmbeddingSchema)).forEach((entry, index) => {
        if (entry) {
          embeddings[index] = entry.embedding;
          cachedTokens += entry.tokens;
        }
      });
      const missing = [...new Set(call.input.filter((_, index) => embeddings[index] === undefined))];
      if (missing.length === 0) {
        const summary = await cache.get(cacheKey, CachedEmbeddingCallSchema);
        // The same call again reports what it was billed; a new mix of cached texts, their shares.
        const usage: Usage = summary ? { ...summary.usage } : { ...emptyUsage(), inputTokens: Math.round(cachedTokens) };
        return {
          model: call.model,
          embeddings: embeddings as number[][],
          usage,
          costUsd: 0,
          retries: 0,
          latencyMs: performance.now() - call.started,
          createdAt: new Date().toISOString(),
          cacheHit: true,
          ...(summary ? { origin: summary.origin } : {}),
        };
      }
      const fresh = await next({ ...call, input: missing });
      const vectors = new Map<string, number[]>();
      const keyOf = new Map<string, string>();
      missing.forEach((text, index) => vectors.set(text, fresh.embeddings[index]!));
      call.input.forEach((text, index) => {
        if (embeddings[index] !== undefined) return;
        embeddings[index] = vectors.get(text)!;
        if (!keyOf.has(text)) keyOf.set(text, inputKeys[index]!);
      });
      const entries: Array<{ key: string; value: unknown }> = missing.map((text, index) => ({
        key: keyOf.get(text)!,
        value: { kind: 'embedding', model: call.model, embedding: fresh.embeddings[index]!, tokens: fresh.inputTokens?.[index] ?? 0 },
      }));
      const origin = { recordId, costUsd: fresh.costUsd, latencyMs: fresh.latencyMs, retries: fresh.retries, createdAt: fresh.createdAt };
      entries.push({ key: cacheKey, value: { kind: 'embedding-call', model: call.model, usage: fresh.usage, origin } });
      await cache.put(entries);
      return {
        model: fresh.model,
        embeddings: embeddings as number[][],
        usage: fresh.usage,
        costUsd: fresh.costUsd,
        retries: fresh.retries,
        latencyMs: fresh.latencyMs,
        createdAt: fresh.createdAt,
        cacheHit: false,
      };
    },
  };
}
