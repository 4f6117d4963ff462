import fs from 'node:fs';
import path from 'node:path';
import { readAllPages, type ModelCallQuery, type ModelCallRecord } from '@codemonkeys/protocol';
import { afterEach, expect, it } from 'vitest';
import { createSqliteSequenceStorage, sqliteMigrations } from '../src/index';
import { fixtureModelCall } from './fixtures/fixture-records';
import { makeTemporaryDirectory } from './temporary-directory';
import { startWriterProcess } from './writer-process-handle';

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) fs.rmSync(directory, { recursive: true, force: true });
});

it('two processes write the same new file at once: both finish, every record is there once', async () => {
  const directory = makeTemporaryDirectory();
  directories.push(directory);
  const databasePath = path.join(directory, 'runs.db');
  // Both open (and migrate) the missing file at the same moment, then write overlapping id ranges.
  const writers = [
    // a waits after its first batch until b has written c001500: the batches interleave on any schedule.
    startWriterProcess(['concurrent', databasePath, 'a', '0', '1500', '5', 'c001500']),
    startWriterProcess(['concurrent', databasePath, 'b', '1000', '1500', '5']),
  ];
  await Promise.all(writers.map((writer) => writer.waitForLine((line) => line === 'ready')));
  for (const writer of writers) writer.child.stdin!.write('go\n');
  const exits = await Promise.all(writers.map((writer) => writer.exit));
  for (const exit of exits) expect(exit, exit.stderr).toMatchObject({ code: 0, signal: null });
  for (const writer of writers) expect(writer.lines.at(-1)).toBe('done 1500');

  const storage = createSqliteSequenceStorage({ path: databasePath });
  try {
    expect(storage.database.pragma('integrity_check', { simple: true })).toBe('ok');
    const migrations = storage.database.prepare('SELECT count(*) AS count FROM schema_migrations').get() as { count: number };
    expect(migrations.count).toBe(sqliteMigrations.length);
    const stored: ModelCallRecord[] = [];
    for await (const record of readAllPages((query: ModelCallQuery) => storage.queryModelCalls(query), { runId: 'run-concurrent' }, 1000)) stored.push(record);
    const expectedIds = Array.from({ length: 2500 }, (_, index) => `c${String(index).padStart(6, '0')}`);
    expect(stored.map((record) => record.id)).toEqual(expectedIds);
    expect(stored).toEqual(expectedIds.map((id) => fixtureModelCall(id, 2_000, 'run-concurrent')));
    expect((await storage.queryStageResults({ runId: 'run-concurrent', limit: 1000 })).items).toHaveLength(600);

    // The writes really interleaved: rows only writer b writes were inserted between writer a's first and last.
    const rowOrder = storage.database.prepare('SELECT id FROM model_calls ORDER BY rowid').pluck().all() as string[];
    const firstOfA = rowOrder.indexOf('c000000');
    const lastOfA = rowOrder.indexOf('c000999');
    expect(rowOrder.slice(firstOfA, lastOfA).some((id) => id >= 'c001500')).toBe(true);
  } finally {
    await storage.close();
  }
}, 120_000);

it('two processes race for the same instance leases: each lease goes to exactly one of them', async () => {
  const directory = makeTemporaryDirectory();
  directories.push(directory);
  const databasePath = path.join(directory, 'runs.db');
  const count = 400;
  const racers = [startWriterProcess(['leases', databasePath, 'racer-a', String(count)]), startWriterProcess(['leases', databasePath, 'racer-b', String(count)])];
  await Promise.all(racers.map((racer) => racer.waitForLine((line) => line === 'ready')));
  for (const racer of racers) racer.child.stdin!.write('go\n');
  const exits = await Promise.all(racers.map((racer) => racer.exit));
  for (const exit of exits) expect(exit, exit.stderr).toMatchObject({ code: 0, signal: null });
  const wonBy = racers.map((racer) => racer.lines.filter((line) => line.startsWith('won ')).map((line) => line.slice(4)));
  console.info(`lease race: racer-a won ${wonBy[0]!.length}, racer-b won ${wonBy[1]!.length}`);
  // Every lease was won once, by one racer: none twice, none by both.
  expect([...wonBy[0]!, ...wonBy[1]!].sort()).toEqual(Array.from({ length: count }, (_, index) => `i${String(index).padStart(4, '0')}`));
  const storage = createSqliteSequenceStorage({ path: databasePath });
  try {
    for (const [index, holder] of ['racer-a', 'racer-b'].entries()) {
      for (const instanceId of wonBy[index]!) expect(await storage.leases.inspect({ runId: 'run-leases', instanceId })).toMatchObject({ holder, generation: 1 });
    }
  } finally {
    await storage.close();
  }
}, 120_000);
