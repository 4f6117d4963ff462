import { ModelCallError } from '@codemonkeys/protocol';
import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createModelClient, type LlmModelClient } from '../src/index';
import {
  connectionResetReply,
  echoHandler,
  errorReply,
  malformedJsonReply,
  rateLimitedReply,
  rawReply,
  serverErrorReply,
  stallingReply,
  startLoopbackModelServer,
  type LoopbackModelServer,
} from '../src/testing/index';
import { createCaptureLogger } from './capture-logger';

const ask = { messages: [{ role: 'user' as const, content: 'hello' }] };

async function caught(promise: Promise<unknown>): Promise<ModelCallError> {
  try {
    await promise;
  } catch (error) {
    if (ModelCallError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('retries and failures against the loopback server', () => {
  let server: LoopbackModelServer;
  let client: LlmModelClient;

  beforeAll(async () => {
    server = await startLoopbackModelServer();
    client = createModelClient({
      endpoint: server.endpoint({ name: 'retry-tests' }),
      retry: { maxRetries: 3, initialDelayMs: 5, maxDelayMs: 20 },
      timeoutMs: 400,
      logger: createCaptureLogger(),
    });
  });
  afterAll(async () => {
    await client.close();
    await server.close();
  });
  afterEach(() => {
    server.reset();
    server.setHandler(echoHandler);
  });

  describe('succeeds after retrying', () => {
    it('a 429, waiting as long as Retry-After says', async () => {
      server.enqueue(rateLimitedReply({ retryAfterSeconds: 0.25 }));
      const response = await client.chat(ask);
      expect(response.choices[0]!.message.content).toBe('echo: hello');
      expect(response.retries).toBe(1);
      const [first, second] = server.requests;
      // retry-after-ms is 250: the retry cannot come earlier (a lower bound, not a speed claim).
      expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(240);
    });

    it('a 429 without Retry-After (exponential backoff)', async () => {
      server.enqueue(errorReply(429), errorReply(429));
      expect((await client.chat(ask)).retries).toBe(2);
    });

    it.each([408, 409, 500, 502, 503, 504, 529])('HTTP %i', async (status) => {
      server.enqueue(errorReply(status), serverErrorReply());
      const response = await client.chat(ask);
      expect(response.retries).toBe(2);
      expect(server.requestCount()).toBe(3);
    });

    it('a connection reset', async () => {
      server.enqueue(connectionResetReply(), connectionResetReply());
      expect((await client.chat(ask)).retries).toBe(2);
    });

    it('a malformed JSON body', async () => {
      server.enqueue(malformedJsonReply());
      expect((await client.chat(ask)).retries).toBe(1);
    });

    it('a body that stalls past the timeout', async () => {
      server.enqueue(stallingReply({ phase: 'body' }));
      expect((await client.chat(ask)).retries).toBe(1);
    });

    it('headers that never come', async () => {
      server.enqueue(stallingReply({ phase: 'headers' }));
      expect((await client.chat(ask)).retries).toBe(1);
    });

    it('embeddings too', async () => {
      server.enqueue(rateLimitedReply({ retryAfterSeconds: 0.01 }), connectionResetReply());
      const response = await client.embed({ input: ['a', 'b'] });
      expect(response.embeddings).toHaveLength(2);
      expect(response.retries).toBe(2);
    });
  });

  describe('fails with a clear ModelCallError', () => {
    it('at once on 400, with the body excerpt', async () => {
      server.enqueue(errorReply(400, { message: "'messages' must contain the word json" }));
      const error = await caught(client.chat(ask));
      expect(error).toMatchObject({ name: 'ModelCallError', statusCode: 400, isRetryable: false, attempts: 1, endpoint: 'retry-tests' });
      expect(error.message).toContain("HTTP 400: 'messages' must contain the word json");
      expect(error.message).toContain('[retry-tests]');
      expect(error.responseBodyExcerpt).toContain('must contain the word json');
      expect(server.requestCount()).toBe(1);
    });

    it('on 404 with a hint about baseUrl', async () => {
      const wrongPath = createModelClient({ endpoint: { kind: 'openai', baseUrl: server.url, defaultModel: 'm', name: 'no-v1' }, logger: createCaptureLogger() });
      try {
        const error = await caught(wrongPath.chat(ask));
        expect(error).toMatchObject({ statusCode: 404, isRetryable: false });
        expect(error.message).toMatch(/end in \/v1/);
      } finally {
        await wrongPath.close();
      }
    });

    it('after the last retry of a persistent 500, marked retryable', async () => {
      server.setHandler(() => serverErrorReply());
      const error = await caught(client.chat(ask));
      expect(error).toMatchObject({ statusCode: 500, isRetryable: true, attempts: 4 });
      expect(server.requestCount()).toBe(4);
    });

    it('after the last retry of persistent connection resets', async () => {
      server.setHandler(() => connectionResetReply());
      const error = await caught(client.chat(ask));
      expect(error).toMatchObject({ isRetryable: true, attempts: 4, statusCode: undefined });
      expect(error.message).toMatch(/network error/);
    });

    it('when every attempt stalls: timed out, never hanging', { timeout: 10_000 }, async () => {
      server.setHandler(() => stallingReply({ phase: 'body' }));
      const error = await caught(client.chat(ask));
      expect(error).toMatchObject({ isRetryable: true, attempts: 4 });
      expect(error.message).toMatch(/timed out: no complete response within 400 ms/);
      expect(error.message).toMatch(/Raise timeoutMs/);
    });

    it('when the server asks to wait longer than maxRetryAfterMs', async () => {
      const impatient = createModelClient({ endpoint: server.endpoint({ name: 'impatient' }), retry: { maxRetryAfterMs: 1000 }, logger: createCaptureLogger() });
      try {
        server.enqueue(rateLimitedReply({ retryAfterSeconds: 3600 }));
        const error = await caught(impatient.chat(ask));
        expect(error).toMatchObject({ statusCode: 429, attempts: 1, isRetryable: true });
        expect(error.message).toMatch(/asked to wait 3600 s/);
      } finally {
        await impatient.close();
      }
    });

    it('on a 200 whose JSON is not a chat completion (not retried)', async () => {
      server.enqueue(rawReply(200, JSON.stringify({ object: 'list', data: [] }), { 'content-type': 'application/json' }));
      const error = await caught(client.chat(ask));
      expect(error).toMatchObject({ isRetryable: false, attempts: 1 });
      expect(error.message).toMatch(/unexpected shape: choices/);
      expect(error.message).toMatch(/endpoint\.kind/);
    });

    it('when nothing listens on the port (connection refused, retried)', async () => {
      const port = await new Promise<number>((resolve) => {
        const probe = createServer().listen(0, '127.0.0.1', () => {
          const address = probe.address() as { port: number };
          probe.close(() => resolve(address.port));
        });
      });
      const nowhere = createModelClient({
        endpoint: { kind: 'openai', baseUrl: `http://127.0.0.1:${port}/v1`, defaultModel: 'm' },
        retry: { maxRetries: 2, initialDelayMs: 5 },
        logger: createCaptureLogger(),
      });
      try {
        const error = await caught(nowhere.chat(ask));
        expect(error).toMatchObject({ isRetryable: true, attempts: 3 });
        expect(error.message).toMatch(/ECONNREFUSED/);
        expect(error.message).toMatch(/reachable at endpoint\.baseUrl/);
      } finally {
        await nowhere.close();
      }
    });
  });

  describe('the caller can stop a call', () => {
    it('while the request is in flight', { timeout: 5000 }, async () => {
      server.setHandler(() => stallingReply({ phase: 'headers' }));
      const controller = new AbortController();
      const pending = client.chat(ask, { signal: controller.signal });
      await server.waitForRequests(1);
      controller.abort(new Error('run stopped'));
      await expect(pending).rejects.toThrow('run stopped');
      expect(server.requestCount()).toBe(1);
    });

    it('while it waits before a retry', { timeout: 5000 }, async () => {
      server.enqueue(rateLimitedReply({ retryAfterSeconds: 60 }));
      const controller = new AbortController();
      const pending = client.chat(ask, { signal: controller.signal });
      await server.waitForRequests(1);
      await new Promise((resolve) => setTimeout(resolve, 20));
      controller.abort(new Error('stop waiting'));
      await expect(pending).rejects.toThrow('stop waiting');
      expect(server.requestCount()).toBe(1);
    });

    it('before it starts', async () => {
      const controller = new AbortController();
      controller.abort(new Error('already stopped'));
      await expect(client.chat(ask, { signal: controller.signal })).rejects.toThrow('already stopped');
      expect(server.requestCount()).toBe(0);
    });
  });
});
