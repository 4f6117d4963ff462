import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EndpointLimiter, type LimiterPermit } from '../src/index';

// The clock is virtual here so that minute-long windows are tested in microseconds; the HTTP path is
// tested against the loopback server in limits.test.ts.
describe('EndpointLimiter', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const settledCount = async (promises: Array<Promise<LimiterPermit>>): Promise<number> => {
    let settled = 0;
    for (const promise of promises) void promise.then(() => (settled += 1));
    await vi.advanceTimersByTimeAsync(0);
    return settled;
  };

  it('admits at most maxConcurrent, first come first served', async () => {
    const limiter = new EndpointLimiter({ maxConcurrent: 2 });
    const order: number[] = [];
    const permits = [0, 1, 2, 3].map((index) => limiter.acquire(0).then((permit) => (order.push(index), permit)));
    expect(await settledCount(permits)).toBe(2);
    (await permits[0]!).release();
    await vi.advanceTimersByTimeAsync(0);
    expect(order).toEqual([0, 1, 2]);
    (await permits[1]!).release();
    await vi.advanceTimersByTimeAsync(0);
    expect(order).toEqual([0, 1, 2, 3]);
    expect(limiter.snapshot()).toMatchObject({ active: 2, queued: 0 });
  });

  it('admits at most requestsPerMinute in any sliding minute', async () => {
    const limiter = new EndpointLimiter({ requestsPerMinute: 2 });
    const first = [limiter.acquire(0), limiter.acquire(0)];
    for (const permit of await Promise.all(first)) permit.release();
    const third = limiter.acquire(0);
    expect(await settledCount([third])).toBe(0);
    await vi.advanceTimersByTimeAsync(59_000);
    expect(await settledCount([third])).toBe(0);
    await vi.advanceTimersByTimeAsync(1_001);
    expect(await settledCount([third])).toBe(1);
  });

  it('admits tokens up to tokensPerMinute, correcting estimates with real usage', async () => {
    const limiter = new EndpointLimiter({ tokensPerMinute: 1000 });
    const first = await limiter.acquire(800);
    const second = limiter.acquire(500); // 800 + 500 > 1000: waits
    expect(await settledCount([second])).toBe(0);
    first.release(300); // it really used 300: 300 + 500 fits
    expect(await settledCount([second])).toBe(1);
    expect(limiter.snapshot().tokensInLastMinute).toBe(800);
  });

  it('lets a request larger than the whole allowance run once the window is empty', async () => {
    const limiter = new EndpointLimiter({ tokensPerMinute: 100 });
    const huge = await limiter.acquire(5000);
    huge.release();
    const next = limiter.acquire(10);
    expect(await settledCount([next])).toBe(0);
    await vi.advanceTimersByTimeAsync(60_001);
    expect(await settledCount([next])).toBe(1);
  });

  it('pauses every request until a Retry-After passes', async () => {
    const limiter = new EndpointLimiter({});
    limiter.pauseUntil(Date.now() + 2000);
    const waiting = limiter.acquire(0);
    await vi.advanceTimersByTimeAsync(1999);
    expect(await settledCount([waiting])).toBe(0);
    await vi.advanceTimersByTimeAsync(2);
    expect(await settledCount([waiting])).toBe(1);
  });

  it('drops a waiter whose signal is aborted and serves the next', async () => {
    const limiter = new EndpointLimiter({ maxConcurrent: 1 });
    const holder = await limiter.acquire(0);
    const controller = new AbortController();
    const aborted = limiter.acquire(0, controller.signal);
    const next = limiter.acquire(0);
    controller.abort(new Error('gone'));
    await expect(aborted).rejects.toThrow('gone');
    holder.release();
    expect(await settledCount([next])).toBe(1);
  });

  it('merges the limits of several clients: the stricter explicit value wins', () => {
    const limiter = new EndpointLimiter({ requestsPerMinute: 100 });
    expect(limiter.tighten({ maxConcurrent: 8 })).toBe(false); // new limit, no conflict
    expect(limiter.tighten({ requestsPerMinute: 50, maxConcurrent: 16 })).toBe(true);
    expect(limiter.limits).toEqual({ maxConcurrent: 8, requestsPerMinute: 50, tokensPerMinute: undefined });
  });
});
