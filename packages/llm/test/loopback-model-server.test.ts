import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  connectionResetReply,
  cosineSimilarity,
  deterministicEmbedding,
  lastUserMessageHandler,
  malformedJsonReply,
  queueHandler,
  rateLimitedReply,
  samplesReply,
  startLoopbackModelServer,
  stallingReply,
  toolCallReply,
  type LoopbackModelServer,
} from '../src/testing/index';

async function post(server: LoopbackModelServer, path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await request(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, text, json: () => JSON.parse(text) as Record<string, any> };
}

describe('loopback model server', () => {
  let server: LoopbackModelServer;
  beforeAll(async () => {
    server = await startLoopbackModelServer();
  });
  afterAll(async () => {
    await server.close();
  });
  afterEach(() => {
    server.reset();
    server.setHandler((request) => `echo: ${request.lastUserMessage ?? ''}`);
    server.setLatency(0);
  });

  it('listens on 127.0.0.1 and echoes the last user message with usage numbers', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await post(server, '/v1/chat/completions', {
      model: 'm',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hello there' },
      ],
    });
    expect(response.status).toBe(200);
    const body = response.json();
    expect(body.choices[0].message).toEqual({ role: 'assistant', content: 'echo: hello there' });
    expect(body.usage.prompt_tokens).toBeGreaterThan(0);
    expect(body.usage.completion_tokens).toBe(Math.ceil('echo: hello there'.length / 4));
    expect(server.requestCount('openai-chat')).toBe(1);
    expect(server.requests[0]!.lastUserMessage).toBe('hello there');
  });

  it('answers n samples by calling the handler once per missing choice', async () => {
    server.setHandler(queueHandler(['a', 'b', 'c']));
    const body = (await post(server, '/v1/chat/completions', { model: 'm', n: 3, messages: [{ role: 'user', content: 'x' }] })).json();
    expect(body.choices.map((choice: any) => choice.message.content)).toEqual(['a', 'b', 'c']);
    server.setHandler(() => samplesReply(['p', 'q']));
    const both = (await post(server, '/v1/chat/completions', { model: 'm', n: 2, messages: [{ role: 'user', content: 'x' }] })).json();
    expect(both.choices.map((choice: any) => choice.message.content)).toEqual(['p', 'q']);
  });

  it('a queue handler that runs out answers 400 with a message saying so', async () => {
    server.setHandler(queueHandler(['only one']));
    expect((await post(server, '/v1/chat/completions', { messages: [{ role: 'user', content: 'x' }] })).status).toBe(200);
    const second = await post(server, '/v1/chat/completions', { messages: [{ role: 'user', content: 'x' }] });
    expect(second.status).toBe(400);
    expect(second.text).toContain('no replies left');
  });

  it('answers from the last user message and returns tool calls', async () => {
    server.setHandler(lastUserMessageHandler((text) => (text.includes('tool') ? toolCallReply({ name: 'read_file', arguments: { path: 'a.py' } }) : 'plain')));
    const body = (await post(server, '/v1/chat/completions', { messages: [{ role: 'user', content: 'use a tool' }] })).json();
    expect(body.choices[0].finish_reason).toBe('tool_calls');
    expect(body.choices[0].message.content).toBeNull();
    expect(body.choices[0].message.tool_calls[0].function).toEqual({ name: 'read_file', arguments: '{"path":"a.py"}' });
  });

  it('injects 429 with Retry-After, then serves the handler', async () => {
    server.enqueue(rateLimitedReply({ retryAfterSeconds: 1.5 }));
    const limited = await post(server, '/v1/chat/completions', { messages: [{ role: 'user', content: 'x' }] });
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('2');
    expect(limited.headers['retry-after-ms']).toBe('1500');
    expect((await post(server, '/v1/chat/completions', { messages: [{ role: 'user', content: 'x' }] })).status).toBe(200);
  });

  it('injects malformed JSON, connection resets and latency', async () => {
    server.enqueue(malformedJsonReply());
    const malformed = await post(server, '/v1/chat/completions', { messages: [{ role: 'user', content: 'x' }] });
    expect(malformed.status).toBe(200);
    expect(() => JSON.parse(malformed.text)).toThrow();

    server.enqueue(connectionResetReply());
    await expect(post(server, '/v1/chat/completions', { messages: [{ role: 'user', content: 'x' }] })).rejects.toThrow();

    server.setLatency(60);
    const started = performance.now();
    await post(server, '/v1/chat/completions', { messages: [{ role: 'user', content: 'x' }] });
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
  });

  it('stalls a body until the client gives up, and tracks concurrency', async () => {
    server.enqueue(stallingReply({ phase: 'body' }));
    const controller = new AbortController();
    const pending = request(`${server.url}/v1/chat/completions`, { method: 'POST', body: '{}', signal: controller.signal }).then((response) => response.body.text());
    await server.waitForRequests(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.activeRequests).toBe(1);
    controller.abort();
    await expect(pending).rejects.toThrow();
    expect(server.maxActiveRequests).toBe(1);
  });

  it('serves deterministic lexical embeddings', async () => {
    const body = (await post(server, '/v1/embeddings', { model: 'e', input: ['parse the config file', 'parse config files', 'weather in Paris'] })).json();
    const vectors = body.data.map((item: any) => item.embedding as number[]);
    expect(vectors[0]).toEqual(deterministicEmbedding('parse the config file', server.embeddingDimensions));
    expect(cosineSimilarity(vectors[0], vectors[1])).toBeGreaterThan(cosineSimilarity(vectors[0], vectors[2]));
    expect(body.usage.prompt_tokens).toBeGreaterThan(0);
  });

  it('speaks Anthropic messages with cache usage fields', async () => {
    server.setHandler(() => ({
      type: 'chat',
      choices: [{ content: 'hi', finishReason: 'stop' }],
      usage: { promptTokens: 100, completionTokens: 5, cachedTokens: 60, cacheWriteTokens: 30 },
    }));
    const body = (
      await post(server, '/v1/messages', { model: 'claude', system: 'sys', max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'text', text: 'hello' }] }] })
    ).json();
    expect(body.content).toEqual([{ type: 'text', text: 'hi' }]);
    expect(body.stop_reason).toBe('end_turn');
    expect(body.usage).toEqual({ input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 60, cache_creation_input_tokens: 30 });
    expect(server.requests[0]!.messages[0]).toEqual({ role: 'system', content: 'sys' });
  });
});

describe('loopback model server with a key', () => {
  it('refuses a wrong key with 401 and quotes it, as real providers do', async () => {
    const server = await startLoopbackModelServer({ apiKey: 'sk-right' });
    try {
      const wrong = await post(server, '/v1/chat/completions', { messages: [{ role: 'user', content: 'x' }] }, { authorization: 'Bearer sk-wrong' });
      expect(wrong.status).toBe(401);
      expect(wrong.text).toContain('sk-wrong');
      const right = await post(server, '/v1/chat/completions', { messages: [{ role: 'user', content: 'x' }] }, { authorization: 'Bearer sk-right' });
      expect(right.status).toBe(200);
      expect(server.endpoint()).toMatchObject({ kind: 'openai', baseUrl: `${server.url}/v1`, apiKey: 'sk-right' });
    } finally {
      await server.close();
    }
  });
});
