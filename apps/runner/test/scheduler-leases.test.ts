import { createInMemorySequenceStorage, type Experiment, type InMemorySequenceStorage, type Patch } from '@codemonkeys/protocol';
import { describe, expect, it } from 'vitest';
import type { ExperimentRuntime, RuntimeRun } from '../src/execution/experiment-runtime';
import { instanceStateKey, type InstanceOutcome } from '../src/execution/process-instance';
import { StopRequestedError, createRunControl, isRelinquished } from '../src/execution/run-control';
import { scheduleInstances, workItemsOf } from '../src/execution/run-scheduler';

/**
 * The scheduler over a small code experiment of its own (each instance's answer is a one-line patch) and
 * an in-memory store: several schedulers in one process stand for several processes on one run. The
 * store's lease clock is the test's; gates, not timings, decide what happens when.
 */
const run = { runId: 'run-1', label: 'base' } as RuntimeRun;
const instanceIds = ['i1', 'i2', 'i3', 'i4', 'i5', 'i6'];
const patchOf = (instanceId: string): Patch => ({ instanceId, diff: `--- a/${instanceId}.py\n+++ b/${instanceId}.py\n@@ -1 +1 @@\n-old\n+new\n`, metadata: {} });

interface Gate {
  opened: Promise<void>;
  open(): void;
}
const gate = (): Gate => {
  let open = () => undefined as void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
};

/** A runtime whose experiment counts its calls per instance and may wait at a gate (a stage boundary after it). */
function runtimeOn(
  storage: InMemorySequenceStorage,
  options: { calls: Map<string, number>; gates?: Map<string, Gate>; started?: (instanceId: string) => void },
): ExperimentRuntime {
  const experiment: Experiment = {
    specificationVersion: 'v1',
    modelEndpoint: 'http://127.0.0.1:1/v1',
    sequenceStorage: storage,
    async hypers() {
      return [{}];
    },
    async run(instanceId) {
      options.calls.set(instanceId, (options.calls.get(instanceId) ?? 0) + 1);
      options.started?.(instanceId);
      await new Promise((resolve) => setImmediate(resolve));
      await options.gates?.get(instanceId)?.opened;
      // A stage boundary, as the stage runner has: a process that lost its lease stops here.
      if (isRelinquished()) throw new StopRequestedError('interrupt');
      return patchOf(instanceId);
    },
  };
  const logger = { debug() {}, info() {}, warn() {}, error() {} };
  return {
    kind: 'code',
    experimentId: 'exp-1',
    name: 'leases',
    configHash: 'hash',
    runs: [run],
    experiment,
    environment: { experimentId: 'exp-1', storage, resources: { storage, sandboxes: undefined, logger } },
    experimentRecord: () => ({ id: 'exp-1', name: 'leases', config: {}, configHash: 'hash', plugins: [], createdAt: new Date().toISOString() }),
    setObserver() {},
    async close() {},
  } as unknown as ExperimentRuntime;
}

/** Another process, as the test plays it: finishes an instance in storage as the runner would. */
async function finishElsewhere(storage: InMemorySequenceStorage, instanceId: string): Promise<void> {
  const now = new Date().toISOString();
  await storage.putStageResults([
    {
      runId: run.runId,
      instanceId,
      stage: 'select',
      sample: 0,
      status: 'ok',
      output: patchOf(instanceId),
      startedAt: now,
      finishedAt: now,
      durationMs: 0,
      metadata: { by: 'elsewhere' },
    },
  ]);
  await storage.putWorkState({ runId: run.runId, instanceId, key: instanceStateKey, state: { status: 'done', attempts: 1, by: 'elsewhere' }, updatedAt: now });
}

const until = async (condition: () => boolean): Promise<void> => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 2));
};

const schedule = (
  runtime: ExperimentRuntime,
  items: readonly string[],
  notices: string[],
  outcomes: InstanceOutcome[],
  settings: { holder: string; durationMs?: number; renewEveryMs?: number },
) =>
  scheduleInstances({
    runtime,
    items: workItemsOf([run], items),
    concurrency: 2,
    retries: 0,
    retryDelayMs: 1,
    control: createRunControl(),
    leases: { durationMs: 60_000, recheckEveryMs: 5, ...settings },
    onNotice: (message) => notices.push(message),
    onOutcome: (outcome, _item, willRetry) => {
      if (!willRetry) outcomes.push(outcome);
    },
  });

const statusOf = (outcomes: readonly InstanceOutcome[], instanceId: string): string[] =>
  outcomes.filter((outcome) => outcome.instanceId === instanceId).map((outcome) => outcome.status);

describe('the scheduler takes a lease per (run, instance)', () => {
  it('two schedulers on one store work each instance once: one reports it done, the other reused', async () => {
    const storage = createInMemorySequenceStorage();
    const calls = new Map<string, number>();
    const [a, b] = [
      { notices: [] as string[], outcomes: [] as InstanceOutcome[] },
      { notices: [] as string[], outcomes: [] as InstanceOutcome[] },
    ];
    await Promise.all([
      schedule(runtimeOn(storage, { calls }), instanceIds, a.notices, a.outcomes, { holder: 'a' }),
      schedule(runtimeOn(storage, { calls }), instanceIds, b.notices, b.outcomes, { holder: 'b' }),
    ]);
    for (const instanceId of instanceIds) {
      expect(calls.get(instanceId), instanceId).toBe(1);
      expect([...statusOf(a.outcomes, instanceId), ...statusOf(b.outcomes, instanceId)].sort(), instanceId).toEqual(['done', 'reused']);
      expect((await storage.leases.inspect({ runId: run.runId, instanceId }))?.releasedAt).toEqual(expect.any(String));
    }
    // Both met instances the other held.
    expect(a.notices.concat(b.notices).some((notice) => /another process \([ab]\) is working on it/.test(notice))).toBe(true);
  });

  it('waits for an instance a live process holds, never runs it, and reports it reused once that process finished it', async () => {
    const storage = createInMemorySequenceStorage();
    const calls = new Map<string, number>();
    const other = await storage.leases.acquire({ runId: run.runId, instanceId: 'i1', holder: 'other-process', durationMs: 60_000 });
    expect(other.status).toBe('acquired');
    const notices: string[] = [];
    const outcomes: InstanceOutcome[] = [];
    const scheduled = schedule(runtimeOn(storage, { calls }), ['i1', 'i2'], notices, outcomes, { holder: 'this-process' });
    await until(() => statusOf(outcomes, 'i2').length === 1 && notices.length > 0);
    expect(notices).toEqual([expect.stringMatching(/^base i1: another process \(other-process\) is working on it/)]);
    // i2 is done; i1 is still held: the scheduler waits for it, it does not finish without it.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(statusOf(outcomes, 'i1')).toEqual([]);
    await finishElsewhere(storage, 'i1');
    if (other.status === 'acquired') await storage.leases.release(other.lease);
    const final = await scheduled;
    expect(final.map((outcome) => [outcome.instanceId, outcome.status])).toEqual([
      ['i1', 'reused'],
      ['i2', 'done'],
    ]);
    expect(calls.get('i1')).toBeUndefined();
    expect((await storage.getWorkState(run.runId, 'i1', instanceStateKey))?.state).toMatchObject({ by: 'elsewhere' });
  });

  it('takes over the instance of a holder whose lease expired (the test moves the lease clock) and works it', async () => {
    const clock = { now: Date.UTC(2026, 0, 1) };
    const storage = createInMemorySequenceStorage({ clock: () => clock.now });
    const calls = new Map<string, number>();
    expect((await storage.leases.acquire({ runId: run.runId, instanceId: 'i1', holder: 'dead-process', durationMs: 1_000 })).status).toBe('acquired');
    const notices: string[] = [];
    const outcomes: InstanceOutcome[] = [];
    const scheduled = schedule(runtimeOn(storage, { calls }), ['i1', 'i2'], notices, outcomes, { holder: 'this-process' });
    await until(() => notices.length > 0 && statusOf(outcomes, 'i2').length === 1);
    expect(calls.get('i1')).toBeUndefined();
    clock.now += 1_000; // the dead process never renewed
    const final = await scheduled;
    expect(final.map((outcome) => outcome.status)).toEqual(['done', 'done']);
    expect(calls.get('i1')).toBe(1);
    expect(notices[1]).toMatch(/^base i1: taken over from dead-process, whose lease expired at 00:00:01 UTC/);
    expect(await storage.leases.inspect({ runId: run.runId, instanceId: 'i1' })).toMatchObject({ holder: 'this-process', generation: 2, releasedAt: expect.any(String) });
  });

  it('a lease lost while working stops the instance at its next stage boundary; it goes back to the queue and is found finished by its new holder', async () => {
    const clock = { now: Date.UTC(2026, 0, 1) };
    const storage = createInMemorySequenceStorage({ clock: () => clock.now });
    const calls = new Map<string, number>();
    const gates = new Map([['i1', gate()]]);
    const started = new Set<string>();
    const notices: string[] = [];
    const outcomes: InstanceOutcome[] = [];
    const scheduled = schedule(runtimeOn(storage, { calls, gates, started: (instanceId) => started.add(instanceId) }), ['i1'], notices, outcomes, {
      holder: 'stalled-process',
      durationMs: 1_000,
      renewEveryMs: 5,
    });
    await until(() => started.has('i1'));
    // This process stalls past its lease (by the lease clock); another takes the instance over.
    clock.now += 1_000;
    const taker = await storage.leases.acquire({ runId: run.runId, instanceId: 'i1', holder: 'taker', durationMs: 60_000 });
    expect(taker).toMatchObject({ status: 'acquired', tookOver: { holder: 'stalled-process' } });
    await until(() => notices.some((notice) => notice.includes('lost its lease')));
    expect(notices.find((notice) => notice.includes('lost its lease'))).toMatch(/^base i1: this process lost its lease \(taker took it over after it expired\)/);
    await finishElsewhere(storage, 'i1');
    if (taker.status === 'acquired') await storage.leases.release(taker.lease);
    gates.get('i1')!.open(); // the stalled work reaches its stage boundary
    const final = await scheduled;
    expect(final.map((outcome) => outcome.status)).toEqual(['reused']);
    // Its stopped attempt was not reported as an outcome, and it did not overwrite the new holder's state.
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['reused']);
    expect(calls.get('i1')).toBe(1);
    expect((await storage.getWorkState(run.runId, 'i1', instanceStateKey))?.state).toMatchObject({ by: 'elsewhere' });
    expect((await storage.getStageResult({ runId: run.runId, instanceId: 'i1', stage: 'select' }))?.metadata).toEqual({ by: 'elsewhere' });
  });

  it('without leases, two schedulers on one store both work every instance (the defect leases remove)', async () => {
    const storage = createInMemorySequenceStorage();
    const calls = new Map<string, number>();
    const unleased = () =>
      scheduleInstances({
        runtime: runtimeOn(storage, { calls }),
        items: workItemsOf([run], instanceIds),
        concurrency: 2,
        retries: 0,
        retryDelayMs: 1,
        control: createRunControl(),
        leases: false,
        onNotice: () => undefined,
      });
    const outcomes = await Promise.all([unleased(), unleased()]);
    expect([...calls.values()]).toEqual(instanceIds.map(() => 2));
    expect(outcomes.flat().map((outcome) => outcome.status)).toEqual(outcomes.flat().map(() => 'done'));
  });

  it('without leases (false) it works as before, saying nothing', async () => {
    const storage = createInMemorySequenceStorage();
    const calls = new Map<string, number>();
    const notices: string[] = [];
    const final = await scheduleInstances({
      runtime: runtimeOn(storage, { calls }),
      items: workItemsOf([run], instanceIds),
      concurrency: 3,
      retries: 0,
      retryDelayMs: 1,
      control: createRunControl(),
      leases: false,
      onNotice: (message) => notices.push(message),
    });
    expect(final.map((outcome) => outcome.status)).toEqual(instanceIds.map(() => 'done'));
    expect(notices).toEqual([]);
    expect(await storage.leases.inspect({ runId: run.runId, instanceId: 'i1' })).toBeUndefined();
  });
});
