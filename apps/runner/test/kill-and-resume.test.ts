import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ExportRecord, SequenceStorage } from '@codemonkeys/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage } from '../src/storage/open-storage';
import { createScriptedSetup, exited, requestKey, runCli, spawnCli, type ScriptedSetup } from './support/scripted-experiment';
import { predictionsOf, recordDifferences, storedRecords } from './support/stored-records';

/** What a killed process left: the server's response ids of its stored chat call records, and how many instances have a stored selection. */
async function storedState(database: string): Promise<{ responseIds: string[]; selected: number }> {
  const storage: SequenceStorage = await openStorage(`sqlite:${database}`, { mustExist: true });
  try {
    const responseIds: string[] = [];
    let selected = 0;
    for (const run of (await storage.queryRuns({})).items) {
      for await (const entry of storage.exportRun(run.id) as AsyncIterable<ExportRecord>) {
        if (entry.type === 'modelCall' && entry.record.kind === 'chat' && entry.record.status === 'ok')
          responseIds.push(String((entry.record.response as { id?: string } | undefined)?.id));
        if (entry.type === 'stageResult' && entry.record.stage === 'select' && entry.record.status === 'ok') selected += 1;
      }
    }
    return { responseIds, selected };
  } finally {
    await storage.close();
  }
}

const countKeys = (keys: readonly string[]): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
};

describe('a killed run, restarted with the same command, resumes (the built CLI, SQLite, scripted model)', () => {
  let setup: ScriptedSetup;
  const reference = { database: '', output: '' };
  let referenceKeys: string[] = [];

  beforeAll(async () => {
    setup = await createScriptedSetup({ copies: 12, latencyMs: 100 });
    reference.database = path.join(setup.directory, 'reference.db');
    reference.output = path.join(setup.directory, 'reference-output');
    const config = setup.writeConfig('reference.json', { storage: `sqlite:${reference.database}`, output: reference.output, concurrency: { instances: 4 } });
    const result = await runCli(['run', config, '--progress', 'lines'], { cwd: setup.directory });
    expect(result.stderr).toContain('[12/12]');
    expect(result.code).toBe(0);
    referenceKeys = setup.requestKeys();
  }, 180_000);
  afterAll(() => setup?.close());

  it('after kill -9: the same predictions and stored records as an uninterrupted run, and no request repeated for finished work', async () => {
    setup.server.reset();
    setup.answered.length = 0;
    const database = path.join(setup.directory, 'killed.db');
    const output = path.join(setup.directory, 'killed-output');
    const config = setup.writeConfig('killed.json', { storage: `sqlite:${database}`, output, concurrency: { instances: 4 } });

    const child = spawnCli(['run', config, '--progress', 'lines'], { cwd: setup.directory });
    // Kill it once about 40% of the work's model calls are answered.
    const deadline = Date.now() + 120_000;
    while (setup.answered.length < referenceKeys.length * 0.4 && Date.now() < deadline && child.exitCode === null) await sleep(20);
    expect(child.exitCode).toBeNull();
    child.kill('SIGKILL');
    await exited(child);
    expect(child.signalCode).toBe('SIGKILL');
    expect(child.output()).toMatch(/\[\d+\/12\]/);
    expect(child.output()).not.toContain('[12/12]');
    const keysBeforeKill = setup.requestKeys();

    // Finished work, read from what the killed process left in storage (no guess from timings): every stored
    // model call record. The client caches an answer before it records the call, so each of these requests
    // must be answered from storage by the rerun. The server numbers its answers by arrival
    // (`chatcmpl-loopback-<index>`), which ties each record to the request the server saw.
    const killedState = await storedState(database);
    expect(killedState.selected).toBeGreaterThan(0);
    expect(killedState.selected).toBeLessThan(12);
    const requestByIndex = new Map(setup.server.requests.map((request) => [request.index, request]));
    const finishedBeforeKill = new Set(
      killedState.responseIds.map((id) => {
        const request = requestByIndex.get(Number(/^chatcmpl-loopback-(\d+)$/.exec(id)?.[1]));
        expect(request, `the server answered ${id}`).toBeDefined();
        return requestKey(request!.body);
      }),
    );
    expect(finishedBeforeKill.size).toBeGreaterThan(0);

    const resumed = await runCli(['run', config, '--progress', 'lines'], { cwd: setup.directory });
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain('(stored)');
    const keysAfterRestart = setup.requestKeys().slice(keysBeforeKill.length);

    // No request for finished work is sent again.
    expect(keysAfterRestart.filter((key) => finishedBeforeKill.has(key))).toEqual([]);
    // In all, the model saw the uninterrupted run's requests plus at most the ones of the killed process
    // that left no record (in flight when it died, or answered after its stage's last flush).
    const reference = countKeys(referenceKeys);
    const total = countKeys([...keysBeforeKill, ...keysAfterRestart]);
    let repeated = 0;
    for (const [key, count] of total) repeated += Math.max(0, count - (reference.get(key) ?? 0));
    expect(repeated).toBeLessThanOrEqual(keysBeforeKill.filter((key) => !finishedBeforeKill.has(key)).length);
    expect([...reference.keys()].every((key) => total.has(key))).toBe(true);
    expect([...total.keys()].every((key) => reference.has(key))).toBe(true);

    expect(predictionsOf(output)).toEqual(predictionsOf(referenceOutput()));
    expect(recordDifferences(await storedRecords(database), await storedRecords(referenceDatabase()))).toEqual({});
  }, 240_000);

  it('Ctrl-C finishes the stages in flight, stores them and exits 130; the same command then finishes', async () => {
    const database = path.join(setup.directory, 'interrupted.db');
    const output = path.join(setup.directory, 'interrupted-output');
    const config = setup.writeConfig('interrupted.json', { storage: `sqlite:${database}`, output, concurrency: { instances: 2 }, name: 'interrupted' });
    setup.answered.length = 0;
    const child = spawnCli(['run', config, '--progress', 'lines'], { cwd: setup.directory });
    const deadline = Date.now() + 60_000;
    while (setup.answered.length < 10 && Date.now() < deadline && child.exitCode === null) await sleep(20);
    child.kill('SIGINT');
    const code = await exited(child);
    expect(child.output()).toContain('interrupted: finishing the stages in flight');
    expect(code).toBe(130);
    const storage = await openStorage(`sqlite:${database}`, { mustExist: true });
    try {
      const [run] = (await storage.queryRuns({})).items;
      expect(run!.status).toBe('interrupted');
      expect((await storage.queryStageResults({ runId: run!.id, status: 'failed' })).items).toEqual([]);
      expect((await storage.queryStageResults({ runId: run!.id, status: 'ok' })).items.length).toBeGreaterThan(0);
    } finally {
      await storage.close();
    }
    const resumed = await runCli(['run', config, '--progress', 'lines'], { cwd: setup.directory });
    expect(resumed.code).toBe(0);
    expect(Object.values(predictionsOf(output))[0]!.trim().split('\n')).toHaveLength(12);
  }, 180_000);

  const referenceOutput = () => reference.output;
  const referenceDatabase = () => reference.database;
});
