import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModelClient } from '../src/index';
import { rateLimitedReply, startLoopbackModelServer, type LoopbackModelServer } from '../src/testing/index';
import { createCaptureLogger } from './capture-logger';

describe('endpoint limits against the loopback server', () => {
  let server: LoopbackModelServer;
  beforeAll(async () => {
    server = await startLoopbackModelServer({ latencyMs: 15 });
  });
  afterAll(async () => {
    await server.close();
  });

  it('never has more than maxConcurrent requests open, across every client of the endpoint', async () => {
    server.reset();
    const logger = createCaptureLogger();
    const first = createModelClient({ endpoint: server.endpoint({ name: 'shared-endpoint' }), limits: { maxConcurrent: 3 }, logger });
    const second = createModelClient({ endpoint: server.endpoint({ name: 'shared-endpoint' }), logger });
    try {
      await Promise.all(Array.from({ length: 24 }, (_, index) => (index % 2 === 0 ? first : second).chat({ messages: [{ role: 'user', content: `q${index}` }] })));
      expect(server.requestCount()).toBe(24);
      expect(server.maxActiveRequests).toBe(3);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('warns when two clients of one endpoint set different limits, and applies the stricter', async () => {
    server.reset();
    const logger = createCaptureLogger();
    const first = createModelClient({ endpoint: server.endpoint({ name: 'conflicting' }), limits: { maxConcurrent: 4 }, logger });
    const second = createModelClient({ endpoint: server.endpoint({ name: 'conflicting' }), limits: { maxConcurrent: 2 }, logger });
    try {
      expect(logger.warnings.join('\n')).toMatch(/different limits/);
      await Promise.all(Array.from({ length: 10 }, (_, index) => first.chat({ messages: [{ role: 'user', content: `c${index}` }] })));
      expect(server.maxActiveRequests).toBe(2);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('a 429 pauses the whole endpoint, not only the call that got it', async () => {
    server.reset();
    const client = createModelClient({ endpoint: server.endpoint({ name: 'pause-endpoint' }), retry: { initialDelayMs: 5 }, logger: createCaptureLogger() });
    try {
      server.enqueue(rateLimitedReply({ retryAfterSeconds: 0.3 }));
      const first = client.chat({ messages: [{ role: 'user', content: 'first' }] });
      await server.waitForRequests(1);
      await new Promise((resolve) => setTimeout(resolve, 40)); // the 429 has arrived (15 ms latency)
      const second = client.chat({ messages: [{ role: 'user', content: 'second' }] });
      await Promise.all([first, second]);
      const limitedAt = server.requests[0]!.receivedAt;
      const secondRequest = server.requests.find((request) => request.lastUserMessage === 'second')!;
      // the second call started during the pause, so it went out only when the pause ended
      expect(secondRequest.receivedAt - limitedAt).toBeGreaterThanOrEqual(290);
    } finally {
      await client.close();
    }
  });

  it('closing the last client of an endpoint closes its pool; a closed client refuses calls', async () => {
    const client = createModelClient({ endpoint: server.endpoint({ name: 'closing' }), logger: createCaptureLogger() });
    await client.chat({ messages: [{ role: 'user', content: 'x' }] });
    await client.close();
    await expect(client.chat({ messages: [{ role: 'user', content: 'x' }] })).rejects.toThrow(/is closed/);
    const again = createModelClient({ endpoint: server.endpoint({ name: 'closing' }), logger: createCaptureLogger() });
    await expect(again.chat({ messages: [{ role: 'user', content: 'y' }] })).resolves.toMatchObject({ cacheHit: false });
    await again.close();
  });
});
