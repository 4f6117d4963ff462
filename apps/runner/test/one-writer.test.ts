import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { InstanceLease, SequenceStorage } from '@codemonkeys/protocol';
import { createFirestoreSequenceStorage } from '@codemonkeys/storage-firestore';
import { startFirestoreEmulator, type FirestoreEmulator } from '@codemonkeys/storage-firestore/testing';
import { createSqliteSequenceStorage } from '@codemonkeys/storage-sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScriptedSetup, exited, runCli, spawnCli, type ScriptedSetup } from './support/scripted-experiment';
import { predictionsOf, recordDifferences, storedRecords } from './support/stored-records';

const runId = 'one-writer';
const copies = 6;

/** What each finished item line of `--progress lines` says: instance id → status. */
function finishedItems(output: string): Map<string, string[]> {
  const items = new Map<string, string[]>();
  for (const match of output.matchAll(/^\[\d+\/\d+\] .*?(\S+): (done|reused|failed|stopped)\b/gm)) {
    items.set(match[1]!, [...(items.get(match[1]!) ?? []), match[2]!]);
  }
  return items;
}

const countKeys = (keys: readonly string[]): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const key of keys) counts[key] = (counts[key] ?? 0) + 1;
  return counts;
};

/** Waits (a generous safety net, not a measured time) until `condition` holds or a child exits. */
async function waitFor(condition: () => boolean, children: ReadonlyArray<{ exitCode: number | null; output(): string }>, what: string): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (!condition()) {
    const ended = children.find((child) => child.exitCode !== null);
    if (ended) throw new Error(`a process exited (${ended.exitCode}) before ${what}:\n${ended.output()}`);
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}:\n${children.map((child) => child.output()).join('\n----\n')}`);
    await sleep(50);
  }
}

describe('one writer per run: two `codemonkeys run` processes on one run (the built CLI, scripted model on the loopback server)', () => {
  let setup: ScriptedSetup;
  let instanceIds: string[] = [];
  const reference = { database: '', output: '', chatKeys: [] as string[], requests: 0 };

  beforeAll(async () => {
    setup = await createScriptedSetup({ copies, latencyMs: 20 });
    instanceIds = setup.dataset.instances.map((instance) => instance.instanceId);
    expect(instanceIds).toHaveLength(copies);
    reference.database = path.join(setup.directory, 'reference.db');
    reference.output = path.join(setup.directory, 'reference-output');
    const config = setup.writeConfig('reference.json', { storage: `sqlite:${reference.database}`, output: reference.output, concurrency: { instances: 2 } });
    const result = await runCli(['run', config, '--run-id', runId, '--progress', 'lines'], { cwd: setup.directory });
    expect(result.code, result.stderr).toBe(0);
    reference.chatKeys = setup.requestKeys();
    reference.requests = setup.server.requests.length;
    expect(reference.chatKeys.length).toBeGreaterThan(instanceIds.length);
  }, 300_000);
  afterAll(() => setup?.close());

  /**
   * Two processes on one run at once. Both start while every instance's lease is held by the test (a
   * live holder), so both certainly meet held instances and wait; then the test releases them all and
   * the two share the work. Whatever the schedule: each instance is done by exactly one process (the
   * other reports it `reused`, from storage), the server sees exactly the single run's requests, and
   * storage holds exactly the single run's records.
   */
  async function twoProcessesOnOneRun(storageUrl: string, openGate: () => Promise<SequenceStorage>, name: string) {
    setup.server.reset();
    const output = path.join(setup.directory, `${name}-output`);
    const gate = await openGate();
    const leases: InstanceLease[] = [];
    try {
      for (const instanceId of instanceIds) {
        const acquisition = await gate.leases!.acquire({ runId, instanceId, holder: 'gate-holder', durationMs: 30 * 60_000 });
        expect(acquisition.status).toBe('acquired');
        if (acquisition.status === 'acquired') leases.push(acquisition.lease);
      }
      const config = setup.writeConfig(`${name}.json`, { storage: storageUrl, output, concurrency: { instances: 2 } });
      const children = [0, 1].map(() => spawnCli(['run', config, '--run-id', runId, '--progress', 'lines'], { cwd: setup.directory }));
      // Both are running and have found every instance held by the gate (a notice each), and sent nothing.
      const noticed = (output: string) => (output.match(/another process \(gate-holder\) is working on it/g) ?? []).length;
      await waitFor(() => children.every((child) => noticed(child.output()) === instanceIds.length), children, 'both processes found every instance held');
      expect(setup.server.requests).toHaveLength(0);
      expect(children.map((child) => finishedItems(child.output()).size)).toEqual([0, 0]);
      for (const lease of leases) expect(await gate.leases!.release(lease)).toEqual({ status: 'released' });

      const codes = await Promise.all(children.map((child) => exited(child)));
      for (const [index, child] of children.entries()) expect(codes[index], child.output()).toBe(0);
      const finished = children.map((child) => finishedItems(child.output()));
      // Each instance: done by one process, reported `reused` (from storage) by the other; never done twice.
      for (const instanceId of instanceIds) {
        const statuses = finished.map((items) => items.get(instanceId) ?? []);
        expect(
          statuses.map((list) => list.length),
          instanceId,
        ).toEqual([1, 1]);
        expect(statuses.flat().sort(), instanceId).toEqual(['done', 'reused']);
      }
      const doneBy = finished.map((items) => [...items.values()].filter((statuses) => statuses[0] === 'done').length);
      console.info(`${name}: instances done by each process ${doneBy.join(' + ')}; requests ${setup.server.requests.length} (single run ${reference.requests})`);
      for (const child of children) expect(child.output()).toMatch(new RegExp(`: ${instanceIds.length} done, 0 failed, `));

      // The endpoint saw exactly a single run's requests: none twice.
      expect(setup.server.requests.length).toBe(reference.requests);
      expect(countKeys(setup.requestKeys())).toEqual(countKeys(reference.chatKeys));
      expect(predictionsOf(output)).toEqual(predictionsOf(reference.output));
      // No lease is left held.
      for (const instanceId of instanceIds) expect((await gate.leases!.inspect({ runId, instanceId }))?.releasedAt).toEqual(expect.any(String));
    } finally {
      await gate.close();
    }
  }

  it('on one SQLite file: the requests and the records of a single run', async () => {
    const database = path.join(setup.directory, 'two-processes.db');
    await twoProcessesOnOneRun(`sqlite:${database}`, async () => createSqliteSequenceStorage({ path: database }), 'sqlite');
    expect(recordDifferences(await storedRecords(database), await storedRecords(reference.database))).toEqual({});
  }, 300_000);

  describe('on the Firestore emulator', () => {
    let emulator: FirestoreEmulator;
    beforeAll(async () => {
      emulator = await startFirestoreEmulator();
    });
    afterAll(async () => {
      await emulator?.stop();
    });

    it('the requests and the records of a single run', async () => {
      const root = `one-writer/${randomUUID()}`;
      const open = () => createFirestoreSequenceStorage({ projectId: 'codemonkeys-test', root, emulatorHost: emulator.host });
      await twoProcessesOnOneRun(`firestore://codemonkeys-test/${root}?emulator=${emulator.host}`, async () => open(), 'firestore');
      // Its records, copied into a SQLite file, equal the single run's.
      const copy = path.join(setup.directory, 'firestore-copy.db');
      const firestore = open();
      const sqlite = createSqliteSequenceStorage({ path: copy });
      try {
        await sqlite.importRecords(firestore.exportRun(runId));
      } finally {
        await firestore.close();
        await sqlite.close();
      }
      expect(recordDifferences(await storedRecords(copy), await storedRecords(reference.database))).toEqual({});
    }, 300_000);
  });

  it('takes over the instance of a holder that died (its lease expired) and resumes it', async () => {
    setup.server.reset();
    const database = path.join(setup.directory, 'take-over.db');
    const output = path.join(setup.directory, 'take-over-output');
    // A process that died ten minutes ago holding one instance: its lease (a minute long) expired long since.
    const dead = createSqliteSequenceStorage({ path: database, clock: () => Date.now() - 10 * 60_000 });
    const victim = instanceIds[1]!;
    expect((await dead.leases.acquire({ runId, instanceId: victim, holder: 'dead-holder', durationMs: 60_000 })).status).toBe('acquired');
    await dead.close();
    const config = setup.writeConfig('take-over.json', { storage: `sqlite:${database}`, output, concurrency: { instances: 2 } });
    const result = await runCli(['run', config, '--run-id', runId, '--progress', 'lines'], { cwd: setup.directory });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`${victim}: taken over from dead-holder, whose lease expired`);
    expect(finishedItems(result.stderr).get(victim)).toEqual(['done']);
    expect(countKeys(setup.requestKeys())).toEqual(countKeys(reference.chatKeys));
    const storage = createSqliteSequenceStorage({ path: database });
    try {
      expect(await storage.leases.inspect({ runId, instanceId: victim })).toMatchObject({ generation: 2, releasedAt: expect.any(String) });
      expect((await storage.leases.inspect({ runId, instanceId: victim }))?.holder).not.toBe('dead-holder');
    } finally {
      await storage.close();
    }
    expect(fs.existsSync(path.join(output, runId, 'predictions.jsonl'))).toBe(true);
  }, 300_000);
});
