import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModelClient, createPriceList, defaultPrices, defaultPricesReadOn, defaultTokenCounterFor, tiktokenCounter } from '../src/index';
import { rawReply, startLoopbackModelServer, type LoopbackModelServer } from '../src/testing/index';
import { createCaptureLogger } from './capture-logger';

const usage = (inputTokens: number, outputTokens: number, cacheReadTokens = 0, cacheWriteTokens = 0) => ({ inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens });

describe('token counting', () => {
  it('counts with the o200k and cl100k encodings', () => {
    expect(tiktokenCounter('o200k_base')('hello world')).toBe(2);
    expect(tiktokenCounter('cl100k_base')('hello world')).toBe(2);
    expect(tiktokenCounter('o200k_base')('')).toBe(0);
    const code = 'def parse_config(path: str) -> dict:\n    return json.loads(open(path).read())\n';
    expect(tiktokenCounter('o200k_base')(code)).toBeGreaterThan(10);
    expect(tiktokenCounter('o200k_base')(code)).toBeLessThan(code.length / 2);
  });

  it('counts special-token text found in repositories as text instead of throwing', () => {
    expect(tiktokenCounter('o200k_base')('a <|endoftext|> b')).toBeGreaterThan(3);
  });

  it('picks an encoding per model and lets a client plug in its own', async () => {
    expect(defaultTokenCounterFor('gpt-4-0613')('hello world')).toBe(2);
    const client = createModelClient({
      endpoint: { kind: 'openai', baseUrl: 'http://127.0.0.1:9/v1', defaultModel: 'Qwen/Qwen2.5-Coder', name: 'counting' },
      tokenCounter: (model) => (model.startsWith('Qwen/') ? (text) => text.length : undefined),
      logger: createCaptureLogger(),
    });
    try {
      expect(client.countTokens('hello world')).toBe(11);
      expect(client.countTokens('hello world', 'gpt-4o')).toBe(2);
    } finally {
      await client.close();
    }
  });

  describe('when an endpoint reports no usage', () => {
    let server: LoopbackModelServer;
    beforeAll(async () => {
      server = await startLoopbackModelServer();
    });
    afterAll(async () => {
      await server.close();
    });

    it('counts the tokens itself, so budgets still work', async () => {
      server.enqueue(
        rawReply(200, JSON.stringify({ id: 'x', model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'hello world' }, finish_reason: 'stop' }] })),
      );
      const client = createModelClient({ endpoint: server.endpoint({ name: 'no-usage' }), budget: { maxTokens: 1_000 }, logger: createCaptureLogger() });
      try {
        const response = await client.chat({ messages: [{ role: 'user', content: 'say hello world' }] });
        expect(response.usage.outputTokens).toBe(2);
        expect(response.usage.inputTokens).toBe(3 + 4); // "say hello world" + 4 tokens of message framing
        expect(client.budget?.spent.tokens).toBe(9);
      } finally {
        await client.close();
      }
    });
  });
});

describe('prices', () => {
  it('has documented defaults with the date they were read', () => {
    expect(defaultPricesReadOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(defaultPrices['gpt-4o']).toMatchObject({ inputPerMillion: 2.5, outputPerMillion: 10 });
  });

  it('prices dated snapshots and provider-prefixed names as their base model', () => {
    const prices = createPriceList();
    expect(prices.priceOf('claude-sonnet-4-20250514')).toMatchObject({ inputPerMillion: 3 });
    expect(prices.priceOf('gpt-4o-2024-08-06')).toMatchObject({ inputPerMillion: 2.5 });
    expect(prices.priceOf('openai/gpt-4o-mini')).toMatchObject({ inputPerMillion: 0.15 });
    expect(prices.priceOf('gpt-4o-mini')).toMatchObject({ inputPerMillion: 0.15 }); // not gpt-4o's price
    expect(prices.priceOf('claude-opus-4-7')).toBeUndefined(); // an unknown model is never guessed
  });

  it('charges uncached input, cache reads, cache writes and output at their own prices', () => {
    const prices = createPriceList({ prices: { m: { inputPerMillion: 10, outputPerMillion: 20, cacheReadPerMillion: 1, cacheWritePerMillion: 15 } }, useDefaultPrices: false });
    expect(prices.costOf('m', usage(1_000_000, 1_000_000, 200_000, 300_000))).toBeCloseTo(0.5 * 10 + 20 + 0.2 * 1 + 0.3 * 15, 9);
    expect(createPriceList({ useDefaultPrices: false }).priceOf('gpt-4o')).toBeUndefined();
  });

  it('counts an unknown model as free, with one warning per model', () => {
    const logger = createCaptureLogger();
    const prices = createPriceList({ logger });
    expect(prices.costOf('my-local-finetune-x1', usage(100, 100))).toBe(0);
    expect(prices.costOf('my-local-finetune-x1', usage(100, 100))).toBe(0);
    expect(createPriceList({ logger }).costOf('my-local-finetune-x1', usage(1, 1))).toBe(0);
    expect(logger.warnings.filter((warning) => warning.includes('my-local-finetune-x1'))).toHaveLength(1);
    expect(logger.warnings[0]).toMatch(/Add it to the prices option/);
  });
});
