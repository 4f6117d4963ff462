import { createInMemorySequenceStorage } from '@codemonkeys/protocol';
import { describe, expect, it } from 'vitest';
import { holdInstance, instanceLeaseSettings, type InstanceHold } from '../src/execution/instance-leases';

/** A store whose leases expire by a clock the test moves (no waiting, no timing). */
function clockedStore() {
  const clock = { now: Date.UTC(2026, 0, 1, 12, 0, 0) };
  const storage = createInMemorySequenceStorage({ clock: () => clock.now });
  return { clock, storage, leases: storage.leases };
}

const key = { runId: 'run-1', instanceId: 'astropy__astropy-12907' };
const settings = (holder: string) => instanceLeaseSettings({ holder, durationMs: 1_000, renewEveryMs: 300 });

const acquiredHold = async (attempt: Awaited<ReturnType<typeof holdInstance>>): Promise<InstanceHold> => {
  expect(attempt.status).toBe('acquired');
  return (attempt as Extract<typeof attempt, { status: 'acquired' }>).hold;
};

describe('instance leases as the scheduler holds them', () => {
  it('defaults: a minute long, renewed three times a minute, held instances looked at every 2 s; the holder names the host and process', () => {
    const defaults = instanceLeaseSettings();
    expect(defaults).toMatchObject({ durationMs: 60_000, renewEveryMs: 20_000, recheckEveryMs: 2_000 });
    expect(defaults.holder).toContain(`:${process.pid}:`);
    expect(instanceLeaseSettings().holder).not.toBe(defaults.holder);
  });

  it('keeps the lease while renewals succeed, and releases it for the next process', async () => {
    const { clock, leases } = clockedStore();
    const hold = await acquiredHold(await holdInstance(leases, key, settings('a'), { heartbeat: false, now: () => clock.now }));
    for (let beat = 0; beat < 5; beat += 1) {
      clock.now += 300;
      await hold.renew();
    }
    expect(hold.lost).toBe(false);
    expect(hold.lease.expiresAt).toBe(new Date(clock.now + 1_000).toISOString());
    // 1.5 s after the first acquisition, well past its first expiry: still held, thanks to the renewals.
    expect(await holdInstance(leases, key, settings('b'), { heartbeat: false })).toMatchObject({ status: 'held', holder: 'a' });
    await hold.release();
    await hold.release(); // once
    const next = await acquiredHold(await holdInstance(leases, key, settings('b'), { heartbeat: false }));
    expect(next.lease.holder).toBe('b');
    await next.release();
  });

  it("loses a lease that expired before its renewal (the process stalled) and was taken over; says so once; leaves the new holder's lease alone", async () => {
    const { clock, leases } = clockedStore();
    const lost: string[] = [];
    const stalled = await acquiredHold(
      await holdInstance(leases, key, settings('stalled'), { heartbeat: false, now: () => clock.now, onLost: (hold) => lost.push(hold.lostBecause!) }),
    );
    clock.now += 1_000; // no renewal for a whole lease: expired
    const attempt = await holdInstance(leases, key, settings('taker'), { heartbeat: false });
    expect(attempt).toMatchObject({ status: 'acquired', tookOver: { holder: 'stalled' } });
    const taker = await acquiredHold(attempt);
    await stalled.renew();
    await stalled.renew();
    expect(stalled.lost).toBe(true);
    expect(lost).toEqual(['taker took it over after it expired']);
    await stalled.release();
    expect(await leases.inspect(key)).toMatchObject({ holder: 'taker', token: taker.lease.token });
    expect((await leases.inspect(key))?.releasedAt).toBeUndefined();
    await taker.release();
  });

  it('an expired lease that no one took is lost too: its holder must acquire it again', async () => {
    const { clock, leases } = clockedStore();
    const hold = await acquiredHold(await holdInstance(leases, key, settings('a'), { heartbeat: false, now: () => clock.now }));
    clock.now += 1_000;
    await hold.renew();
    expect(hold.lost).toBe(true);
    expect(hold.lostBecause).toMatch(/expired before it was renewed/);
  });

  it('rides out failing renewals while the lease lasts, and counts it lost once it has expired by its own clock', async () => {
    const { clock, storage, leases } = clockedStore();
    const hold = await acquiredHold(await holdInstance(leases, key, settings('a'), { heartbeat: false, now: () => clock.now }));
    await storage.close(); // every renewal now fails, as with an unreachable store
    clock.now += 600;
    await hold.renew();
    expect(hold.lost).toBe(false);
    clock.now += 400;
    await hold.renew();
    expect(hold.lost).toBe(true);
    expect(hold.lostBecause).toMatch(/no renewal succeeded before it expired \(.*closed/);
    await hold.release(); // quietly
  });

  it('renews on its own with the heartbeat', async () => {
    const { leases } = clockedStore();
    // Real time here, but nothing is measured: the test waits for the first renewal however long it takes.
    const hold = await acquiredHold(await holdInstance(leases, key, instanceLeaseSettings({ holder: 'a', durationMs: 60_000, renewEveryMs: 10 })));
    const first = hold.lease;
    while (hold.lease === first) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(hold.lost).toBe(false);
    await hold.release();
    expect((await leases.inspect(key))?.releasedAt).toEqual(expect.any(String));
  });
});
