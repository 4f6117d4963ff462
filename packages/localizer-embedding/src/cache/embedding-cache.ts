import { ByteBoundedCache, stringBytes } from './byte-bounded-cache';
import { createHash } from 'node:crypto';
import pMap from 'p-map';
import { z } from 'zod';
import type { Logger, SequenceStorage } from '@codemonkeys/protocol';
import { EmbeddingLocalizerError } from '../errors/embedding-localizer-error';

/** What the cache keeps per text: the vector as base64 of little-endian float32, and its model. */
export const CachedEmbeddingSchema = z.object({
  kind: z.literal('localizer-embedding/vector'),
  model: z.string(),
  dimensions: z.number().int().positive(),
  vector: z.string().min(1),
});
export type CachedEmbedding = z.output<typeof CachedEmbeddingSchema>;

export function encodeVector(vector: ArrayLike<number>): string {
  return Buffer.from(Float32Array.from(vector).buffer).toString('base64');
}

export function decodeVector(encoded: string, dimensions: number): Float32Array | undefined {
  const bytes = Buffer.from(encoded, 'base64');
  if (bytes.length !== dimensions * 4) return undefined;
  const vector = new Float32Array(dimensions);
  for (let index = 0; index < dimensions; index += 1) vector[index] = bytes.readFloatLE(index * 4);
  return vector;
}

/** How missing vectors are made: in batches of keys, some at once. */
export interface EmbedBatches {
  batchSize: number;
  concurrency: number;
  embedBatch(keys: readonly string[]): Promise<ReadonlyMap<string, { vector: ArrayLike<number>; model: string }>>;
}

export interface EmbeddingCacheOptions {
  storage: SequenceStorage;
  /** Bytes of vectors kept in memory (least recently used dropped first; default 128 MiB). */
  maxMemoryBytes?: number;
  /** An additional cap on the number of vectors in memory (none by default). */
  maxMemoryVectors?: number;
  /** Storage reads in flight at once. */
  readConcurrency?: number;
  logger?: Logger;
}

export interface EmbeddingCacheStatistics {
  memoryHits: number;
  storageHits: number;
  /** Texts another caller of this process was already embedding: awaited, not embedded twice. */
  sharedInFlight: number;
  misses: number;
}

/**
 * Embeddings by content: the key is the endpoint, the model and the SHA-256 of the text embedded, so a
 * chunk that did not change between two commits is never embedded again, whatever its line numbers.
 * Three layers: memory, the plugin context's storage (persistent, shared by processes: entries are
 * content-addressed and written idempotently, so concurrent writers at worst do the same work twice),
 * and in-flight requests of this process (concurrent instances wait for the same text instead of
 * embedding it again).
 */
export class EmbeddingCache {
  private readonly memory: ByteBoundedCache<string, Float32Array>;
  private readonly inFlight = new Map<string, Promise<Float32Array>>();
  readonly statistics: EmbeddingCacheStatistics = { memoryHits: 0, storageHits: 0, sharedInFlight: 0, misses: 0 };

  constructor(private readonly options: EmbeddingCacheOptions) {
    this.memory = new ByteBoundedCache(options.maxMemoryBytes ?? 128 * 1024 * 1024, (key, vector) => stringBytes(key) + vector.byteLength + 64, options.maxMemoryVectors);
  }

  static keyOf(endpoint: string, model: string, text: string, textHash?: string): string {
    const hash = textHash ?? createHash('sha256').update(text).digest('hex');
    return `localizer-embedding/v1/${endpoint}/${model}/${hash}`;
  }

  private remember(key: string, vector: Float32Array): void {
    this.memory.set(key, vector);
  }

  private async readStorage(key: string): Promise<Float32Array | undefined> {
    const entry = await this.options.storage.getCacheEntry(key);
    if (!entry) return undefined;
    const parsed = CachedEmbeddingSchema.safeParse(entry.value);
    const vector = parsed.success ? decodeVector(parsed.data.vector, parsed.data.dimensions) : undefined;
    if (!vector) this.options.logger?.warn(`embedding localizer: ignoring a malformed cache entry ${key}; the text is embedded again`);
    return vector;
  }

  /**
   * Vectors for `keys`: from memory, from texts in flight, from storage, and for the rest from
   * `embedBatch` (batches of `batchSize` keys, `concurrency` at once). Each batch is written to storage
   * as soon as it arrives, so a run that fails half-way keeps what it paid for.
   */
  async resolve(keys: readonly string[], embedding: EmbedBatches): Promise<Map<string, Float32Array>> {
    const found = new Map<string, Float32Array>();
    const waiting: Array<Promise<void>> = [];
    const mine: string[] = [];
    const settle = new Map<string, { resolve: (vector: Float32Array) => void; reject: (error: unknown) => void }>();
    for (const key of new Set(keys)) {
      const cached = this.memory.get(key);
      if (cached) {
        this.statistics.memoryHits += 1;
        this.remember(key, cached);
        found.set(key, cached);
        continue;
      }
      const pending = this.inFlight.get(key);
      if (pending) {
        this.statistics.sharedInFlight += 1;
        waiting.push(pending.then((vector) => void found.set(key, vector)));
        continue;
      }
      // Claim the key before any await, so that a concurrent caller waits for this one.
      const promise = new Promise<Float32Array>((resolve, reject) => settle.set(key, { resolve, reject }));
      promise.catch(() => undefined);
      this.inFlight.set(key, promise);
      mine.push(key);
    }
    try {
      const stored = await pMap(mine, (key) => this.readStorage(key), { concurrency: this.options.readConcurrency ?? 16 });
      const missing: string[] = [];
      mine.forEach((key, index) => {
        const vector = stored[index];
        if (vector) {
          this.statistics.storageHits += 1;
          this.finish(key, vector, found, settle);
        } else missing.push(key);
      });
      this.statistics.misses += missing.length;
      const batches: string[][] = [];
      for (let offset = 0; offset < missing.length; offset += embedding.batchSize) batches.push(missing.slice(offset, offset + embedding.batchSize));
      await pMap(
        batches,
        async (batch) => {
          const embedded = await embedding.embedBatch(batch);
          const createdAt = new Date().toISOString();
          const entries = batch.map((key) => {
            const result = embedded.get(key);
            if (!result)
              throw new EmbeddingLocalizerError(`the embeddings endpoint returned no vector for one of ${batch.length} inputs; check that it answers one embedding per input.`);
            const vector = Float32Array.from(result.vector);
            this.finish(key, vector, found, settle);
            return {
              key,
              createdAt,
              value: { kind: 'localizer-embedding/vector', model: result.model, dimensions: vector.length, vector: encodeVector(vector) } satisfies CachedEmbedding,
            };
          });
          try {
            await this.options.storage.putCacheEntries(entries);
          } catch (error) {
            // A lost cache write costs a later re-embedding, not this result.
            this.options.logger?.warn(`embedding localizer: could not cache ${entries.length} embeddings (${(error as Error).message})`);
          }
        },
        { concurrency: embedding.concurrency, stopOnError: true },
      );
    } catch (error) {
      for (const key of mine) {
        if (!found.has(key)) {
          settle.get(key)?.reject(error);
          this.inFlight.delete(key);
        }
      }
      throw error;
    }
    await Promise.all(waiting);
    return found;
  }

  private finish(key: string, vector: Float32Array, found: Map<string, Float32Array>, settle: ReadonlyMap<string, { resolve: (vector: Float32Array) => void }>): void {
    found.set(key, vector);
    this.remember(key, vector);
    settle.get(key)?.resolve(vector);
    this.inFlight.delete(key);
  }
}
