import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createModelClient, type LlmModelClient } from '../src/index';
import { echoHandler, queueHandler, startLoopbackModelServer, textReply, toolCallReply, type LoopbackModelServer } from '../src/testing/index';
import { createCaptureLogger } from './capture-logger';

describe('Anthropic messages', () => {
  let server: LoopbackModelServer;
  let client: LlmModelClient;

  beforeAll(async () => {
    server = await startLoopbackModelServer({ apiKey: 'sk-ant-loopback-key-123456' });
    client = createModelClient({ endpoint: server.anthropicEndpoint({ defaultModel: 'claude-sonnet-4-20250514' }), logger: createCaptureLogger() });
  });
  afterAll(async () => {
    await client.close();
    await server.close();
  });
  afterEach(() => {
    server.reset();
    server.setHandler(echoHandler);
  });

  it('sends the system prompt apart, the key as x-api-key and the API version', async () => {
    await client.chat({
      messages: [
        { role: 'system', content: 'You fix bugs.' },
        { role: 'user', content: 'fix it' },
      ],
      temperature: 0,
      stop: ['</patch>'],
    });
    const [request] = server.requests;
    expect(request!.path).toBe('/v1/messages');
    expect(request!.headers['x-api-key']).toBe('sk-ant-loopback-key-123456');
    expect(request!.headers['anthropic-version']).toBe('2023-06-01');
    expect(request!.headers.authorization).toBeUndefined();
    expect(request!.body).toEqual({
      model: 'claude-sonnet-4-20250514',
      max_tokens: 4096,
      system: [{ type: 'text', text: 'You fix bugs.' }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'fix it' }] }],
      temperature: 0,
      stop_sequences: ['</patch>'],
    });
  });

  it('marks cache breakpoints when promptCaching is on, and not otherwise', async () => {
    const messages = [
      { role: 'system' as const, content: 'long instructions' },
      { role: 'user' as const, content: 'the repository ...' },
      { role: 'assistant' as const, content: 'I see.' },
      { role: 'user' as const, content: 'now fix the bug' },
    ];
    await client.chat({ messages, promptCaching: true });
    const cached = server.requests[0]!.body as { system: Array<Record<string, unknown>>; messages: Array<{ content: Array<Record<string, unknown>> }> };
    expect(cached.system[0]).toEqual({ type: 'text', text: 'long instructions', cache_control: { type: 'ephemeral' } });
    expect(cached.messages.at(-1)!.content.at(-1)).toEqual({ type: 'text', text: 'now fix the bug', cache_control: { type: 'ephemeral' } });
    expect(cached.messages[0]!.content[0]).not.toHaveProperty('cache_control');

    await client.chat({ messages });
    expect(JSON.stringify(server.requests[1]!.body)).not.toContain('cache_control');
  });

  it('normalizes Anthropic usage: cache reads and writes are part of inputTokens, and priced apart', async () => {
    server.setHandler(() => textReply('done', { usage: { promptTokens: 1000, completionTokens: 100, cachedTokens: 600, cacheWriteTokens: 300 } }));
    const response = await client.chat({ messages: [{ role: 'user', content: 'x' }], promptCaching: true });
    // The wire said input_tokens 100, cache_read 600, cache_creation 300.
    expect(response.usage).toEqual({ inputTokens: 1000, outputTokens: 100, cacheReadTokens: 600, cacheWriteTokens: 300 });
    // Sonnet 4: $3 input, $0.30 cache read, $3.75 cache write, $15 output per million.
    expect(response.costUsd).toBeCloseTo((100 * 3 + 600 * 0.3 + 300 * 3.75 + 100 * 15) / 1_000_000, 10);
    expect(response.choices[0]).toEqual({ index: 0, message: { role: 'assistant', content: 'done' }, finishReason: 'stop' });
  });

  it('maps tool calls both ways and stop reasons to the OpenAI vocabulary', async () => {
    server.setHandler(() => toolCallReply({ id: 'toolu_1', name: 'run_tests', arguments: { path: 'tests/' } }));
    const response = await client.chat({
      messages: [
        { role: 'user', content: 'run the tests' },
        { role: 'assistant', content: 'running', toolCalls: [{ id: 'toolu_0', function: { name: 'run_tests', arguments: '{"path":"a"}' } }] },
        { role: 'tool', content: '3 passed', toolCallId: 'toolu_0' },
        { role: 'user', content: 'and the others?' },
      ],
      tools: [{ function: { name: 'run_tests', parameters: { type: 'object', properties: { path: { type: 'string' } } } } }],
      toolChoice: 'required',
    });
    expect(response.choices[0]!.message.toolCalls).toEqual([{ id: 'toolu_1', type: 'function', function: { name: 'run_tests', arguments: '{"path":"tests/"}' } }]);
    expect(response.choices[0]!.finishReason).toBe('tool_calls');
    const body = server.requests[0]!.body as Record<string, unknown>;
    expect(body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'run the tests' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'running' },
          { type: 'tool_use', id: 'toolu_0', name: 'run_tests', input: { path: 'a' } },
        ],
      },
      // the tool result and the next user turn are merged into one user turn
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_0', content: '3 passed' },
          { type: 'text', text: 'and the others?' },
        ],
      },
    ]);
    expect(body.tools).toEqual([{ name: 'run_tests', input_schema: { type: 'object', properties: { path: { type: 'string' } } } }]);
    expect(body.tool_choice).toEqual({ type: 'any' });

    server.setHandler(() => textReply('cut', { finishReason: 'length' }));
    expect((await client.chat({ messages: [{ role: 'user', content: 'long' }] })).choices[0]!.finishReason).toBe('length');
  });

  it('serves n samples with parallel requests and sums their usage', async () => {
    server.setHandler(
      queueHandler([textReply('one', { usage: { promptTokens: 10, completionTokens: 1 } }), textReply('two', { usage: { promptTokens: 10, completionTokens: 2 } })]),
    );
    const response = await client.chat({ messages: [{ role: 'user', content: 'two samples' }], n: 2 });
    expect(response.choices.map((choice) => choice.message.content).sort()).toEqual(['one', 'two']);
    expect(response.choices.map((choice) => choice.index)).toEqual([0, 1]);
    expect(response.usage).toMatchObject({ inputTokens: 20, outputTokens: 3 });
    expect(server.requestCount('anthropic-messages')).toBe(2);
  });

  it('accepts a baseUrl that already ends in /v1', async () => {
    const withV1 = createModelClient({ endpoint: server.anthropicEndpoint({ baseUrl: `${server.url}/v1`, name: 'anthropic-v1' }), logger: createCaptureLogger() });
    try {
      await withV1.chat({ messages: [{ role: 'user', content: 'x' }] });
      expect(server.requests[0]!.path).toBe('/v1/messages');
    } finally {
      await withV1.close();
    }
  });

  it('refuses embeddings with an UnsupportedCapabilityError that says what to do', async () => {
    await expect(client.embed({ input: ['x'] })).rejects.toMatchObject({ name: 'UnsupportedCapabilityError', message: expect.stringContaining('kind "openai"') });
  });
});
