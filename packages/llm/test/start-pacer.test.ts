import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModelClient } from '../src/index';
import { createStartPacer } from '../src/limits/start-pacer';
import { startLoopbackModelServer, type LoopbackModelServer } from '../src/testing/index';
import { createCaptureLogger } from './capture-logger';

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('the start pacer', () => {
  it('starts at most startsPerTurn calls per event-loop turn, the others in order on later turns', async () => {
    const pacer = createStartPacer(2);
    const started: number[] = [];
    for (let index = 0; index < 5; index += 1) {
      const turn = pacer.admit();
      if (turn) void turn.then(() => started.push(index));
      else started.push(index);
    }
    expect(started).toEqual([0, 1]);
    await nextTurn();
    expect(started).toEqual([0, 1, 2, 3]);
    await nextTurn();
    expect(started).toEqual([0, 1, 2, 3, 4]);
    // A later call waits behind none: the queue is empty and a new turn has begun.
    await nextTurn();
    expect(pacer.admit()).toBeUndefined();
  });

  it('a call that arrives while others wait queues behind them', async () => {
    const pacer = createStartPacer(1);
    const order: string[] = [];
    expect(pacer.admit()).toBeUndefined();
    void pacer.admit()!.then(() => order.push('waiting'));
    void pacer.admit()!.then(() => order.push('later'));
    await nextTurn();
    await nextTurn();
    expect(order).toEqual(['waiting', 'later']);
  });
});

describe('thousands of calls started at once', () => {
  let server: LoopbackModelServer;
  beforeAll(async () => {
    server = await startLoopbackModelServer({ latencyMs: 1 });
  });
  afterAll(async () => {
    await server.close();
  });

  it('are all answered, within the endpoint limit', async () => {
    const client = createModelClient({ endpoint: server.endpoint({ name: 'fan-out' }), limits: { maxConcurrent: 8 }, logger: createCaptureLogger() });
    try {
      const answers = await Promise.all(Array.from({ length: 2000 }, (_, index) => client.chat({ messages: [{ role: 'user', content: `q${index}` }] })));
      expect(answers.map((answer) => answer.choices[0]!.message.content)).toEqual(Array.from({ length: 2000 }, (_, index) => `echo: q${index}`));
      expect(server.requestCount()).toBe(2000);
      expect(server.maxActiveRequests).toBeLessThanOrEqual(8);
    } finally {
      await client.close();
    }
  });
});
