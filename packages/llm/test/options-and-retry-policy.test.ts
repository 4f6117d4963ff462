import { describe, expect, it } from 'vitest';
import { backoffDelayMs, createModelClient, retryAfterMs, RetryOptionsSchema } from '../src/index';
import { startLoopbackModelServer } from '../src/testing/index';
import { createCaptureLogger } from './capture-logger';

describe('createModelClient options', () => {
  it('refuses invalid options with every zod issue', () => {
    expect(() => createModelClient({ endpoint: { kind: 'gemini' as 'openai', baseUrl: 'not a url' }, timeoutMs: -1, limits: { maxConcurrent: 0 } })).toThrow(
      /The options of createModelClient is invalid:[\s\S]*endpoint\.kind[\s\S]*endpoint\.baseUrl[\s\S]*limits\.maxConcurrent[\s\S]*timeoutMs/,
    );
  });

  it('refuses credentials in baseUrl', () => {
    expect(() => createModelClient({ endpoint: { kind: 'openai', baseUrl: 'http://user:secret@127.0.0.1:1/v1' } })).toThrow(/must not contain credentials/);
  });

  it('reads the key from apiKeyEnv, and says which variable is missing', async () => {
    const server = await startLoopbackModelServer({ apiKey: 'sk-from-environment-123' });
    process.env.CODEMONKEYS_TEST_KEY = 'sk-from-environment-123';
    try {
      const client = createModelClient({
        endpoint: { kind: 'openai', baseUrl: `${server.url}/v1`, defaultModel: 'm', apiKeyEnv: 'CODEMONKEYS_TEST_KEY' },
        logger: createCaptureLogger(),
      });
      await client.chat({ messages: [{ role: 'user', content: 'x' }] });
      expect(server.requests[0]!.headers.authorization).toBe('Bearer sk-from-environment-123');
      await client.close();
      expect(() => createModelClient({ endpoint: { kind: 'openai', baseUrl: `${server.url}/v1`, apiKeyEnv: 'CODEMONKEYS_NO_SUCH_VARIABLE' } })).toThrow(
        /CODEMONKEYS_NO_SUCH_VARIABLE \(endpoint\.apiKeyEnv\) is not set/,
      );
    } finally {
      delete process.env.CODEMONKEYS_TEST_KEY;
      await server.close();
    }
  });

  it('names the endpoint without credentials or query', () => {
    const client = createModelClient({ endpoint: { kind: 'openai', baseUrl: 'http://127.0.0.1:8000/v1/?api-version=1' }, logger: createCaptureLogger() });
    expect(client.endpoint).toBe('openai:http://127.0.0.1:8000/v1');
    void client.close();
  });
});

describe('retry policy', () => {
  const options = RetryOptionsSchema.parse({ initialDelayMs: 100, maxDelayMs: 1000 });

  it('backs off exponentially with equal jitter, capped', () => {
    expect(backoffDelayMs(0, options, () => 0)).toBe(50);
    expect(backoffDelayMs(0, options, () => 1)).toBe(100);
    expect(backoffDelayMs(2, options, () => 0.5)).toBe(300);
    expect(backoffDelayMs(10, options, () => 1)).toBe(1000);
  });

  it('reads retry-after-ms, Retry-After seconds and HTTP dates', () => {
    expect(retryAfterMs({ 'retry-after-ms': '1500', 'retry-after': '2' })).toBe(1500);
    expect(retryAfterMs({ 'retry-after': '2' })).toBe(2000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs({ 'retry-after': 'Thu, 01 Jan 2026 00:00:03 GMT' }, now)).toBe(3000);
    expect(retryAfterMs({ 'retry-after': 'soon' })).toBeUndefined();
    expect(retryAfterMs({})).toBeUndefined();
  });
});
