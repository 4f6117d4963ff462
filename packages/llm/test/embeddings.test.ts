import { InMemorySequenceStorage } from '@codemonkeys/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createModelClient } from '../src/index';
import { deterministicEmbedding, startLoopbackModelServer, type LoopbackModelServer } from '../src/testing/index';
import { createCaptureLogger } from './capture-logger';

describe('embeddings', () => {
  let server: LoopbackModelServer;
  beforeAll(async () => {
    server = await startLoopbackModelServer({ embeddingDimensions: 16 });
  });
  afterAll(async () => {
    await server.close();
  });
  afterEach(() => server.reset());

  it('splits large inputs into batches sent in parallel and keeps the order', async () => {
    const client = createModelClient({ endpoint: server.endpoint({ name: 'embed-batches' }), embeddingBatchSize: 40, logger: createCaptureLogger() });
    try {
      const input = Array.from({ length: 100 }, (_, index) => `def function_${index}(): return ${index}`);
      const response = await client.embed({ input });
      expect(server.requestCount('openai-embeddings')).toBe(3);
      expect(server.requests.map((request) => request.input.length).sort()).toEqual([20, 40, 40]);
      expect(response.embeddings).toEqual(input.map((text) => deterministicEmbedding(text, 16)));
      expect(response.model).toBe('loopback-embedding');
      expect(response.usage.inputTokens).toBeGreaterThan(0);
      expect((server.requests[0]!.body as { model: string }).model).toBe('loopback-embedding');
    } finally {
      await client.close();
    }
  });

  it('sends each distinct text once and caches texts one by one', async () => {
    const storage = new InMemorySequenceStorage();
    const client = createModelClient({ endpoint: server.endpoint({ name: 'embed-cache' }), cache: { storage }, logger: createCaptureLogger() });
    try {
      const first = await client.embed({ input: ['alpha', 'beta', 'alpha'] });
      expect(server.requests[0]!.input).toEqual(['alpha', 'beta']);
      expect(first.embeddings[0]).toEqual(first.embeddings[2]);
      // a later call with one known and one new text sends only the new one
      const second = await client.embed({ input: ['beta', 'gamma'] });
      expect(server.requests[1]!.input).toEqual(['gamma']);
      expect(second.embeddings).toEqual([deterministicEmbedding('beta', 16), deterministicEmbedding('gamma', 16)]);
      expect(second.cacheHit).toBe(false);
      const third = await client.embed({ input: ['gamma', 'alpha'] });
      expect(third).toMatchObject({ cacheHit: true, costUsd: 0 });
      expect(Number.isInteger(third.usage.inputTokens)).toBe(true);
      const replayOfFirst = await client.embed({ input: ['alpha', 'beta', 'alpha'] });
      expect(replayOfFirst).toMatchObject({ cacheHit: true, usage: first.usage, embeddings: first.embeddings });
      expect(server.requestCount()).toBe(2);
    } finally {
      await client.close();
    }
  });

  it('uses the endpoint default embedding model, or the request model', async () => {
    const client = createModelClient({ endpoint: server.endpoint({ name: 'embed-models' }), logger: createCaptureLogger() });
    try {
      await client.embed({ input: ['x'], model: 'text-embedding-3-small' });
      expect((server.requests[0]!.body as { model: string }).model).toBe('text-embedding-3-small');
    } finally {
      await client.close();
    }
  });

  it('refuses a response with the wrong number of vectors', async () => {
    const client = createModelClient({ endpoint: server.endpoint({ name: 'embed-short' }), logger: createCaptureLogger() });
    try {
      server.enqueue({ type: 'embeddings', embeddings: [[1, 0]] });
      await expect(client.embed({ input: ['a', 'b'] })).rejects.toMatchObject({
        name: 'ModelCallError',
        isRetryable: false,
        message: expect.stringMatching(/one vector for each of the 2 inputs, got 1/),
      });
    } finally {
      await client.close();
    }
  });
});
