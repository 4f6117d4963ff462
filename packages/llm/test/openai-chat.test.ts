import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createModelClient, type LlmModelClient } from '../src/index';
import { echoHandler, queueHandler, rawReply, samplesReply, startLoopbackModelServer, textReply, toolCallReply, type LoopbackModelServer } from '../src/testing/index';
import { createCaptureLogger } from './capture-logger';

describe('OpenAI-compatible chat', () => {
  let server: LoopbackModelServer;
  let client: LlmModelClient;
  const logger = createCaptureLogger();

  beforeAll(async () => {
    server = await startLoopbackModelServer();
    client = createModelClient({ endpoint: server.endpoint(), logger, prices: { 'loopback-model': { inputPerMillion: 1_000_000, outputPerMillion: 2_000_000 } } });
  });
  afterAll(async () => {
    await client.close();
    await server.close();
  });
  afterEach(() => {
    server.reset();
    server.setHandler(echoHandler);
  });

  it('sends messages and parameters in the OpenAI wire format', async () => {
    await client.chat({
      model: 'other-model',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'read a.py', name: 'researcher' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', function: { name: 'read_file', arguments: '{"path":"a.py"}' } }] },
        { role: 'tool', content: 'print(1)', toolCallId: 'call_1' },
      ],
      temperature: 0.2,
      topP: 0.9,
      maxTokens: 100,
      stop: ['END'],
      seed: 7,
      tools: [{ function: { name: 'read_file', description: 'reads a file', parameters: { type: 'object' } } }],
      toolChoice: { name: 'read_file' },
    });
    const [request] = server.requests;
    expect(request!.path).toBe('/v1/chat/completions');
    expect(request!.body).toEqual({
      model: 'other-model',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'read a.py', name: 'researcher' },
        { role: 'assistant', content: '', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'read_file', arguments: '{"path":"a.py"}' } }] },
        { role: 'tool', content: 'print(1)', tool_call_id: 'call_1' },
      ],
      temperature: 0.2,
      top_p: 0.9,
      max_tokens: 100,
      stop: ['END'],
      seed: 7,
      tools: [{ type: 'function', function: { name: 'read_file', description: 'reads a file', parameters: { type: 'object' } } }],
      tool_choice: { type: 'function', function: { name: 'read_file' } },
    });
    expect(request!.headers['content-type']).toBe('application/json');
  });

  it('normalizes the answer, usage and cost', async () => {
    server.setHandler(() => textReply('the answer', { usage: { promptTokens: 30, completionTokens: 5, cachedTokens: 10 } }));
    const response = await client.chat({ messages: [{ role: 'user', content: 'question' }] });
    expect(response.choices).toEqual([{ index: 0, message: { role: 'assistant', content: 'the answer' }, finishReason: 'stop' }]);
    expect(response.usage).toEqual({ inputTokens: 30, outputTokens: 5, cacheReadTokens: 10, cacheWriteTokens: 0 });
    // $1 per input token, $2 per output token; cache reads at the input price when no cache price is set.
    expect(response.costUsd).toBeCloseTo(30 * 1 + 5 * 2, 6);
    expect(response).toMatchObject({ model: 'loopback-model', cacheHit: false, retries: 0 });
    expect(response.latencyMs).toBeGreaterThan(0);
  });

  it('returns tool calls with null content as an empty string', async () => {
    server.setHandler(() => toolCallReply({ name: 'search', arguments: { query: 'parse' } }));
    const response = await client.chat({ messages: [{ role: 'user', content: 'find it' }] });
    expect(response.choices[0]!.message).toEqual({
      role: 'assistant',
      content: '',
      toolCalls: [{ id: expect.any(String), type: 'function', function: { name: 'search', arguments: '{"query":"parse"}' } }],
    });
    expect(response.choices[0]!.finishReason).toBe('tool_calls');
  });

  it('asks for n samples in one request', async () => {
    server.setHandler(queueHandler(['first', 'second', 'third']));
    const response = await client.chat({ messages: [{ role: 'user', content: 'sample' }], n: 3, temperature: 1 });
    expect(response.choices.map((choice) => choice.message.content)).toEqual(['first', 'second', 'third']);
    expect(server.requestCount()).toBe(1);
    expect((server.requests[0]!.body as { n: number }).n).toBe(3);
    server.setHandler(() => samplesReply(['a', 'b']));
    const two = await client.chat({ messages: [{ role: 'user', content: 'again' }], n: 2 });
    expect(two.choices.map((choice) => choice.index)).toEqual([0, 1]);
  });

  it('asks for missing samples one by one when a server ignores n', async () => {
    const oneChoice = (content: string) =>
      rawReply(
        200,
        JSON.stringify({
          id: 'x',
          model: 'm',
          choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 5, completion_tokens: 1 },
        }),
      );
    server.enqueue(oneChoice('first'), oneChoice('second'), oneChoice('third'));
    const response = await client.chat({ messages: [{ role: 'user', content: 'three please' }], n: 3 });
    expect(response.choices.map((choice) => choice.message.content).sort()).toEqual(['first', 'second', 'third']);
    expect(response.choices.map((choice) => choice.index)).toEqual([0, 1, 2]);
    expect(response.usage).toMatchObject({ inputTokens: 15, outputTokens: 3 });
    expect(server.requests.map((request) => (request.body as { n?: number }).n)).toEqual([3, undefined, undefined]);
    expect(logger.warnings.join('\n')).toMatch(/answered 1 of 3 samples/);
  });

  it('sends max_completion_tokens when the endpoint asks for it', async () => {
    const reasoning = createModelClient({ endpoint: server.endpoint({ maxTokensField: 'max_completion_tokens', name: 'reasoning-endpoint' }), logger });
    try {
      await reasoning.chat({ messages: [{ role: 'user', content: 'x' }], maxTokens: 50 });
      expect(server.requests[0]!.body).toMatchObject({ max_completion_tokens: 50 });
      expect(server.requests[0]!.body).not.toHaveProperty('max_tokens');
    } finally {
      await reasoning.close();
    }
  });

  it('refuses an invalid request with the zod issues and sends nothing', async () => {
    await expect(client.chat({ messages: [] })).rejects.toMatchObject({ name: 'SchemaValidationError', message: expect.stringContaining('at least one message') });
    await expect(client.chat({ messages: [{ role: 'user', content: 'x' }], temperature: 5 })).rejects.toMatchObject({ name: 'SchemaValidationError' });
    expect(server.requestCount()).toBe(0);
  });

  it('counts totals for progress displays', async () => {
    const fresh = createModelClient({ endpoint: server.endpoint({ name: 'totals-endpoint' }), logger, prices: { 'loopback-model': { inputPerMillion: 0 } } });
    try {
      server.setHandler(() => textReply('ok', { usage: { promptTokens: 3, completionTokens: 1 } }));
      await fresh.chat({ messages: [{ role: 'user', content: 'a' }] });
      await fresh.chat({ messages: [{ role: 'user', content: 'b' }] });
      expect(fresh.totals()).toMatchObject({ calls: 2, failedCalls: 0, cacheHits: 0, endpointRequests: 2, retries: 0, usage: { inputTokens: 6, outputTokens: 2 } });
    } finally {
      await fresh.close();
    }
  });

  it('says which model is missing when there is no default', async () => {
    const noDefault = createModelClient({ endpoint: { kind: 'openai', baseUrl: `${server.url}/v1`, name: 'no-default' }, logger });
    try {
      await expect(noDefault.chat({ messages: [{ role: 'user', content: 'x' }] })).rejects.toThrow(/names no model.*endpoint\.defaultModel/);
    } finally {
      await noDefault.close();
    }
  });
});
