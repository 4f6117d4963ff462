import { InMemorySequenceStorage, withCallLabels, type SequenceStorage } from '@codemonkeys/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chatCacheKey, createModelClient } from '../src/index';
import { startLoopbackModelServer, type LoopbackModelServer } from '../src/testing/index';
import { createCaptureLogger } from './capture-logger';

describe('the response cache', () => {
  let server: LoopbackModelServer;
  let counter = 0;
  beforeAll(async () => {
    server = await startLoopbackModelServer();
    // Every endpoint answer differs, so a repeated answer can only come from the cache.
    server.setHandler((request) => `answer ${(counter += 1)} to ${request.lastUserMessage}`);
  });
  afterAll(async () => {
    await server.close();
  });
  afterEach(() => server.reset());

  const client = (storage: SequenceStorage, name = 'cache-endpoint') =>
    createModelClient({ endpoint: server.endpoint({ name }), cache: { storage }, prices: { 'loopback-model': { inputPerMillion: 1 } }, logger: createCaptureLogger() });

  it('serves a repeated call from storage: same answer, no request, no cost', async () => {
    const storage = new InMemorySequenceStorage();
    const model = client(storage);
    try {
      const first = await model.chat({ messages: [{ role: 'user', content: 'why?' }], temperature: 0 });
      const second = await model.chat({ messages: [{ role: 'user', content: 'why?' }], temperature: 0 });
      expect(first.cacheHit).toBe(false);
      expect(first.costUsd).toBeGreaterThan(0);
      expect(second).toMatchObject({ cacheHit: true, costUsd: 0, retries: 0, choices: first.choices, usage: first.usage, model: first.model, id: first.id });
      expect(server.requestCount()).toBe(1);
      expect(model.totals()).toMatchObject({ calls: 2, cacheHits: 1, endpointRequests: 1 });
    } finally {
      await model.close();
    }
  });

  it('keys by sample index (option or label), parameters, model and endpoint', async () => {
    const storage = new InMemorySequenceStorage();
    const model = client(storage);
    const ask = { messages: [{ role: 'user' as const, content: 'sample me' }], temperature: 1 };
    try {
      const sample0 = await model.chat(ask);
      const sample1 = await model.chat(ask, { sample: 1 });
      const sample1Label = await withCallLabels({ sample: 1 }, () => model.chat(ask));
      const hotter = await model.chat({ ...ask, temperature: 0.5 });
      const otherModel = await model.chat({ ...ask, model: 'loopback-model-2' });
      expect(sample1.choices[0]!.message.content).not.toBe(sample0.choices[0]!.message.content);
      expect(sample1Label).toMatchObject({ cacheHit: true, choices: sample1.choices });
      expect(hotter.cacheHit).toBe(false);
      expect(otherModel.cacheHit).toBe(false);
      expect(server.requestCount()).toBe(4);
      const key = (endpoint: string) => chatCacheKey({ endpoint, model: 'm', request: { messages: [{ role: 'user', content: 'x' }] }, sample: 0 });
      expect(key('a')).not.toBe(key('b'));
    } finally {
      await model.close();
    }
  });

  it('ignores field order, earlier usage on messages and promptCaching', () => {
    const base = { endpoint: 'e', model: 'm', sample: 0 };
    const plain = chatCacheKey({ ...base, request: { messages: [{ role: 'assistant', content: 'a' }], temperature: 0, maxTokens: 5 } });
    const reordered = chatCacheKey({
      ...base,
      request: {
        maxTokens: 5,
        promptCaching: true,
        temperature: 0,
        messages: [{ content: 'a', role: 'assistant', usage: { inputTokens: 1, outputTokens: 2, cacheReadTokens: 0, cacheWriteTokens: 0 } }],
      },
    });
    expect(reordered).toBe(plain);
  });

  it('replays a whole run exactly with a new client over the same storage', async () => {
    const storage = new InMemorySequenceStorage();
    const prompts = ['one', 'two', 'three', 'two'];
    const firstRun = client(storage, 'replay-endpoint');
    const original = [];
    for (const [sample, prompt] of prompts.entries()) original.push(await firstRun.chat({ messages: [{ role: 'user', content: prompt }], temperature: 0.7 }, { sample }));
    await firstRun.close();
    server.reset();

    const secondRun = client(storage, 'replay-endpoint');
    const replayed = [];
    for (const [sample, prompt] of prompts.entries()) replayed.push(await secondRun.chat({ messages: [{ role: 'user', content: prompt }], temperature: 0.7 }, { sample }));
    await secondRun.close();
    expect(server.requestCount()).toBe(0);
    expect(replayed.map((response) => response.choices)).toEqual(original.map((response) => response.choices));
    expect(replayed.every((response) => response.cacheHit && response.costUsd === 0)).toBe(true);
  });

  it('is bypassed with cache: false', async () => {
    const storage = new InMemorySequenceStorage();
    const model = client(storage);
    try {
      await model.chat({ messages: [{ role: 'user', content: 'fresh' }] });
      const again = await model.chat({ messages: [{ role: 'user', content: 'fresh' }] }, { cache: false });
      expect(again.cacheHit).toBe(false);
      expect(server.requestCount()).toBe(2);
    } finally {
      await model.close();
    }
  });

  it('sends identical concurrent calls once', async () => {
    const storage = new InMemorySequenceStorage();
    const model = client(storage);
    try {
      server.setLatency(30);
      const answers = await Promise.all(Array.from({ length: 4 }, () => model.chat({ messages: [{ role: 'user', content: 'together' }] })));
      expect(server.requestCount()).toBe(1);
      expect(new Set(answers.map((answer) => answer.choices[0]!.message.content)).size).toBe(1);
      expect(answers.filter((answer) => answer.cacheHit)).toHaveLength(3);
    } finally {
      server.setLatency(0);
      await model.close();
    }
  });

  it('does not let a caller change a cached answer by editing its copy', async () => {
    const storage = new InMemorySequenceStorage();
    const model = client(storage);
    try {
      await model.chat({ messages: [{ role: 'user', content: 'stable' }] });
      const hit = await model.chat({ messages: [{ role: 'user', content: 'stable' }] });
      hit.choices[0]!.message.content = 'edited';
      const again = await model.chat({ messages: [{ role: 'user', content: 'stable' }] });
      expect(again.choices[0]!.message.content).not.toBe('edited');
    } finally {
      await model.close();
    }
  });

  it('keeps answering when the storage fails, and says so', async () => {
    const broken = new InMemorySequenceStorage();
    broken.getCacheEntry = async () => {
      throw new Error('disk on fire');
    };
    broken.putCacheEntries = async () => {
      throw new Error('disk on fire');
    };
    const logger = createCaptureLogger();
    const model = createModelClient({ endpoint: server.endpoint({ name: 'broken-cache' }), cache: { storage: broken }, logger });
    try {
      const response = await model.chat({ messages: [{ role: 'user', content: 'still works' }] });
      expect(response.cacheHit).toBe(false);
      expect(logger.warnings.join('\n')).toMatch(/Reading the response cache from memory failed/);
      expect(logger.warnings.join('\n')).toMatch(/Writing the response cache to memory failed/);
    } finally {
      await model.close();
    }
  });

  it('treats a cache entry of the wrong shape as a miss', async () => {
    const storage = new InMemorySequenceStorage();
    const logger = createCaptureLogger();
    const model = createModelClient({ endpoint: server.endpoint({ name: 'bad-entry' }), cache: { storage }, logger });
    try {
      const key = chatCacheKey({ endpoint: 'bad-entry', model: 'loopback-model', request: { messages: [{ role: 'user', content: 'q' }] }, sample: 0 });
      await storage.putCacheEntries([{ key, value: { kind: 'chat', nonsense: true }, createdAt: new Date().toISOString() }]);
      const response = await model.chat({ messages: [{ role: 'user', content: 'q' }] });
      expect(response.cacheHit).toBe(false);
      expect(logger.warnings.join('\n')).toMatch(/unexpected shape/);
    } finally {
      await model.close();
    }
  });
});
