// The testing example of the README, kept runnable so that the README stays true.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createModelClient } from '../src/index';
import { lastUserMessageHandler, rateLimitedReply, startLoopbackModelServer, type LoopbackModelServer } from '../src/testing/index';
import { createCaptureLogger } from './capture-logger';

let server: LoopbackModelServer;
beforeAll(async () => {
  server = await startLoopbackModelServer({
    handler: lastUserMessageHandler((text) => (text.includes('utils.py') ? 'RELEVANT' : 'NOT RELEVANT')),
  });
});
afterAll(() => server.close());

it('retries a 429 and classifies the file', async () => {
  const model = createModelClient({ endpoint: server.endpoint(), retry: { initialDelayMs: 1 }, logger: createCaptureLogger() });
  server.enqueue(rateLimitedReply({ retryAfterSeconds: 0.05 })); // the next request gets a 429
  const response = await model.chat({ messages: [{ role: 'user', content: 'Is utils.py relevant?' }] });
  expect(response.choices[0]!.message.content).toBe('RELEVANT');
  expect(server.requestCount('openai-chat')).toBe(2);
  await model.close();
});
