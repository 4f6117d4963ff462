import { BudgetExceededError, InMemorySequenceStorage } from '@codemonkeys/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createModelBudget, createModelClient } from '../src/index';
import { echoHandler, startLoopbackModelServer, textReply, type LoopbackModelServer } from '../src/testing/index';
import { createCaptureLogger } from './capture-logger';

const prices = { 'loopback-model': { inputPerMillion: 1_000, outputPerMillion: 1_000 } }; // 0.001 USD a token

describe('token and cost budgets', () => {
  let server: LoopbackModelServer;
  beforeAll(async () => {
    server = await startLoopbackModelServer();
    server.setHandler(() => textReply('ok', { usage: { promptTokens: 90, completionTokens: 10 } })); // 100 tokens a call
  });
  afterAll(async () => {
    await server.close();
  });
  afterEach(() => server.reset());

  it('refuses new calls once the token budget is spent, with a BudgetExceededError that says how to continue', async () => {
    const client = createModelClient({ endpoint: server.endpoint({ name: 'token-budget' }), budget: { maxTokens: 250 }, prices, logger: createCaptureLogger() });
    try {
      for (let index = 0; index < 3; index += 1) await client.chat({ messages: [{ role: 'user', content: `q${index}` }] }); // 100, 200, 300
      const error = await client.chat({ messages: [{ role: 'user', content: 'q4' }] }).catch((caught: unknown) => caught);
      expect(BudgetExceededError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ budget: 'tokens', limit: 250, spent: 300 });
      expect((error as Error).message).toMatch(/Raise the budget/);
      expect(server.requestCount()).toBe(3);
      expect(client.budget?.spent).toEqual({ tokens: 300, costUsd: expect.closeTo(0.3, 9) });
      expect(client.totals().failedCalls).toBe(1);
    } finally {
      await client.close();
    }
  });

  it('lets calls already in flight finish and charges them', async () => {
    server.setLatency(30);
    const client = createModelClient({ endpoint: server.endpoint({ name: 'in-flight-budget' }), budget: { maxTokens: 100 }, logger: createCaptureLogger() });
    try {
      const inFlight = await Promise.all(Array.from({ length: 5 }, (_, index) => client.chat({ messages: [{ role: 'user', content: `p${index}` }] })));
      expect(inFlight).toHaveLength(5);
      expect(client.budget?.spent.tokens).toBe(500);
      await expect(client.chat({ messages: [{ role: 'user', content: 'next' }] })).rejects.toMatchObject({ name: 'BudgetExceededError' });
    } finally {
      server.setLatency(0);
      await client.close();
    }
  });

  it('a cost budget shared by two clients stops both', async () => {
    const budget = createModelBudget({ maxCostUsd: 0.15 });
    const logger = createCaptureLogger();
    const first = createModelClient({ endpoint: server.endpoint({ name: 'cost-a' }), budget, prices, logger });
    const second = createModelClient({ endpoint: server.endpoint({ name: 'cost-b' }), budget, prices, logger });
    try {
      await first.chat({ messages: [{ role: 'user', content: 'a' }] }); // 0.1 USD
      await second.chat({ messages: [{ role: 'user', content: 'b' }] }); // 0.2 USD in all
      await expect(first.chat({ messages: [{ role: 'user', content: 'c' }] })).rejects.toMatchObject({ budget: 'cost', limit: 0.15 });
      await expect(second.chat({ messages: [{ role: 'user', content: 'd' }] })).rejects.toMatchObject({ budget: 'cost' });
      expect(budget.spent.costUsd).toBeCloseTo(0.2, 9);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('still answers from the response cache when the budget is spent (a hit costs nothing)', async () => {
    const storage = new InMemorySequenceStorage();
    const client = createModelClient({ endpoint: server.endpoint({ name: 'cache-budget' }), budget: { maxTokens: 100 }, cache: { storage }, logger: createCaptureLogger() });
    try {
      const first = await client.chat({ messages: [{ role: 'user', content: 'same' }] });
      const replay = await client.chat({ messages: [{ role: 'user', content: 'same' }] });
      expect(replay).toMatchObject({ cacheHit: true, costUsd: 0, choices: first.choices });
      expect(client.budget?.spent.tokens).toBe(100);
      await expect(client.chat({ messages: [{ role: 'user', content: 'new' }] })).rejects.toMatchObject({ name: 'BudgetExceededError' });
    } finally {
      await client.close();
      server.setHandler(() => textReply('ok', { usage: { promptTokens: 90, completionTokens: 10 } }));
    }
  });

  it('validates its limits', () => {
    expect(() => createModelBudget({ maxTokens: -1 })).toThrow();
    void echoHandler;
  });
});
