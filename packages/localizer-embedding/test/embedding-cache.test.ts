import { describe, expect, it } from 'vitest';
import { createInMemorySequenceStorage } from '@codemonkeys/protocol';
import { EmbeddingCache } from '../src/index';

const embedding = (calls: string[][]) => ({
  batchSize: 2,
  concurrency: 2,
  async embedBatch(keys: readonly string[]) {
    calls.push([...keys]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    return new Map(keys.map((key) => [key, { vector: [key.length, 1, -0.5], model: 'test-model' }]));
  },
});

describe('EmbeddingCache', () => {
  it('embeds missing keys in batches, then serves them from memory and from storage', async () => {
    const storage = createInMemorySequenceStorage();
    const calls: string[][] = [];
    const cache = new EmbeddingCache({ storage });
    const vectors = await cache.resolve(['a', 'bb', 'a', 'ccc'], embedding(calls));
    expect(calls.flat().sort()).toEqual(['a', 'bb', 'ccc']);
    expect(calls.every((batch) => batch.length <= 2)).toBe(true);
    expect([...vectors.get('bb')!]).toEqual([2, 1, -0.5]);
    await cache.resolve(['a', 'bb'], embedding(calls));
    expect(calls.flat()).toHaveLength(3);
    const fresh = new EmbeddingCache({ storage });
    const fromStorage = await fresh.resolve(['ccc'], embedding(calls));
    expect(calls.flat()).toHaveLength(3);
    expect([...fromStorage.get('ccc')!]).toEqual([3, 1, -0.5]);
    expect(fresh.statistics).toMatchObject({ storageHits: 1, misses: 0 });
  });

  it('lets concurrent callers wait for a text in flight instead of embedding it twice', async () => {
    const calls: string[][] = [];
    const cache = new EmbeddingCache({ storage: createInMemorySequenceStorage() });
    const [left, right] = await Promise.all([cache.resolve(['x', 'y'], embedding(calls)), cache.resolve(['y', 'z'], embedding(calls))]);
    expect(calls.flat().sort()).toEqual(['x', 'y', 'z']);
    expect(left.get('y')).toBe(right.get('y'));
    expect(cache.statistics.sharedInFlight).toBe(1);
  });

  it('embeds again, with a warning, what a malformed storage entry holds', async () => {
    const storage = createInMemorySequenceStorage();
    await storage.putCacheEntries([{ key: 'k', value: { kind: 'localizer-embedding/vector', model: 'm', dimensions: 4, vector: 'AAAA' }, createdAt: new Date().toISOString() }]);
    const warnings: string[] = [];
    const calls: string[][] = [];
    const cache = new EmbeddingCache({ storage, logger: { debug() {}, info() {}, warn: (message) => warnings.push(message), error() {} } });
    await cache.resolve(['k'], embedding(calls));
    expect(calls).toEqual([['k']]);
    expect(warnings.join('\n')).toContain('malformed cache entry k');
  });

  it('rejects waiting callers when the embedding fails, and forgets the failed keys', async () => {
    const cache = new EmbeddingCache({ storage: createInMemorySequenceStorage() });
    const failing = { batchSize: 4, concurrency: 1, embedBatch: async () => Promise.reject(new Error('endpoint down')) };
    const results = await Promise.allSettled([cache.resolve(['p'], failing), cache.resolve(['p'], failing)]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    const calls: string[][] = [];
    await cache.resolve(['p'], embedding(calls));
    expect(calls).toEqual([['p']]);
  });

  it('keys texts by endpoint, model and content', () => {
    const key = EmbeddingCache.keyOf('openai:http://127.0.0.1:1/v1', 'm', 'text');
    expect(key).toMatch(/^localizer-embedding\/v1\/openai:http:\/\/127\.0\.0\.1:1\/v1\/m\/[0-9a-f]{64}$/);
    expect(EmbeddingCache.keyOf('e', 'm', 'text')).not.toBe(EmbeddingCache.keyOf('e', 'm2', 'text'));
  });
});
