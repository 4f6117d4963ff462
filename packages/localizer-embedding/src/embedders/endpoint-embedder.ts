import type { ModelClient } from '@codemonkeys/protocol';
import { EmbeddingCache } from '../cache/embedding-cache';
import type { Corpus } from '../chunking/corpus';
import { EmbeddingLocalizerError } from '../errors/embedding-localizer-error';
import type { EndpointEmbedderOptions } from '../options/embedding-localizer-options';
import { emptyEmbeddingUsage, type Embedder, type EmbeddingIndex, type EmbeddingUsage } from './embedder';
import { truncateToTokens } from './truncate-to-tokens';

export interface EndpointEmbedderDependencies {
  /** The client of the embeddings endpoint (from the plugin context). */
  client: ModelClient;
  /** Shared by every index of the plugin instance: memory, storage and in-flight layers. */
  cache: EmbeddingCache;
  options: EndpointEmbedderOptions;
}

function normalize(vector: ArrayLike<number>, target: Float32Array, offset: number): void {
  let norm = 0;
  for (let index = 0; index < vector.length; index += 1) norm += vector[index]! * vector[index]!;
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let index = 0; index < vector.length; index += 1) target[offset + index] = vector[index]! * scale;
}

/**
 * The `endpoint` embedder: dense vectors from an OpenAI-compatible `/v1/embeddings` model through the
 * context's ModelClient, in batches, cached by chunk content (see EmbeddingCache), compared by cosine.
 */
export function createEndpointEmbedder(dependencies: EndpointEmbedderDependencies): Embedder {
  const { client, cache, options } = dependencies;
  const keyModel = options.model ?? `default:${client.defaultModel ?? ''}`;
  const countTokens = (text: string): number => client.countTokens(text, options.model);

  const embedTexts = async (texts: readonly string[], usage: EmbeddingUsage, signal: AbortSignal | undefined, useResponseCache: boolean) => {
    const response = await client.embed(
      { input: [...texts], ...(options.model ? { model: options.model } : {}) },
      { ...(signal ? { signal } : {}), ...(useResponseCache ? {} : { cache: false }) },
    );
    if (response.embeddings.length !== texts.length) {
      throw new EmbeddingLocalizerError(
        `the embeddings endpoint ${client.endpoint} answered ${response.embeddings.length} vectors for ${texts.length} inputs; check the endpoint and model.`,
      );
    }
    if (!response.cacheHit) {
      usage.calls += 1;
      usage.inputs += texts.length;
      usage.tokens += response.usage.inputTokens;
    }
    return response;
  };

  return {
    name: 'endpoint',
    async index(corpus: Corpus, signal?: AbortSignal): Promise<EmbeddingIndex> {
      const usage = emptyEmbeddingUsage();
      const keys = corpus.chunks.map((chunk) => {
        const text = truncateToTokens(chunk.text, options.maxInputTokens, countTokens);
        return { key: EmbeddingCache.keyOf(client.endpoint, keyModel, text, text === chunk.text ? chunk.contentHash : undefined), text };
      });
      const textOfKey = new Map(keys.map(({ key, text }) => [key, text]));
      let embeddedKeys = 0;
      // The plugin's cache holds the vectors; the client's response cache would keep a second copy.
      const vectors = await cache.resolve(
        keys.map(({ key }) => key),
        {
          batchSize: options.batchSize,
          concurrency: options.concurrency,
          embedBatch: async (batch) => {
            signal?.throwIfAborted();
            const response = await embedTexts(
              batch.map((key) => textOfKey.get(key)!),
              usage,
              signal,
              false,
            );
            embeddedKeys += batch.length;
            return new Map(batch.map((key, index) => [key, { vector: response.embeddings[index]!, model: response.model }]));
          },
        },
      );
      usage.embeddedChunks = embeddedKeys;
      usage.cachedChunks = corpus.chunks.length - embeddedKeys;
      const dimensions = vectors.values().next().value?.length ?? 0;
      const matrix = new Float32Array(corpus.chunks.length * dimensions);
      keys.forEach(({ key }, row) => {
        const vector = vectors.get(key)!;
        if (vector.length !== dimensions) {
          throw new EmbeddingLocalizerError(
            `embeddings of different sizes (${vector.length} and ${dimensions}) for one model; set endpoint.model so that cached vectors of another model are not mixed in.`,
          );
        }
        normalize(vector, matrix, row * dimensions);
      });
      return {
        usage,
        async score(query, scoreSignal) {
          const chunks = new Float64Array(corpus.chunks.length);
          if (dimensions === 0) return { chunks };
          const response = await embedTexts([truncateToTokens(query.text, options.maxInputTokens, countTokens)], usage, scoreSignal ?? signal, true);
          const queryVector = new Float32Array(dimensions);
          if (response.embeddings[0]!.length !== dimensions) {
            throw new EmbeddingLocalizerError(
              `the query embedding has ${response.embeddings[0]!.length} dimensions, the chunks ${dimensions}; set endpoint.model so that one model embeds both.`,
            );
          }
          normalize(response.embeddings[0]!, queryVector, 0);
          for (let row = 0; row < chunks.length; row += 1) {
            let dot = 0;
            const offset = row * dimensions;
            for (let index = 0; index < dimensions; index += 1) dot += matrix[offset + index]! * queryVector[index]!;
            // Cosine moved to [0, 1]: retrieval keeps positive scores only.
            chunks[row] = (1 + dot) / 2;
          }
          return { chunks };
        },
      };
    },
  };
}
