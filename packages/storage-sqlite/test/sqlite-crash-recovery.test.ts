import fs from 'node:fs';
import path from 'node:path';
import { readAllPages, type ModelCallQuery, type ModelCallRecord } from '@codemonkeys/protocol';
import { afterEach, expect, it } from 'vitest';
import { createSqliteSequenceStorage } from '../src/index';
import { crashBatch } from './fixtures/fixture-records';
import { makeTemporaryDirectory } from './temporary-directory';
import { startWriterProcess } from './writer-process-handle';

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) fs.rmSync(directory, { recursive: true, force: true });
});

async function readAll(databasePath: string): Promise<ModelCallRecord[]> {
  const storage = createSqliteSequenceStorage({ path: databasePath });
  try {
    const records: ModelCallRecord[] = [];
    for await (const record of readAllPages((query: ModelCallQuery) => storage.queryModelCalls(query), { runId: 'run-crash' }, 1000)) records.push(record);
    return records;
  } finally {
    await storage.close();
  }
}

it('a writer killed with SIGKILL in the middle of a batch leaves a database that opens, holds every acknowledged record and accepts the resumed writes', async () => {
  const directory = makeTemporaryDirectory();
  directories.push(directory);
  const databasePath = path.join(directory, 'runs.db');
  const batchSize = 400;
  const pauseBatch = 5;
  const pauseAfter = 300; // rows of batch 5 already inserted (about 3 MB, more than the page cache) when it is killed

  const writer = startWriterProcess(['crash', databasePath, '8', String(batchSize), String(pauseBatch), String(pauseAfter)]);
  await writer.waitForLine((line) => line === `mid-batch ${pauseBatch}`);
  writer.child.kill('SIGKILL');
  const exit = await writer.exit;
  expect(exit.signal).toBe('SIGKILL');
  const acknowledged = writer.lines.filter((line) => line.startsWith('ack ')).map((line) => Number(line.slice(4)));
  expect(acknowledged).toEqual([0, 1, 2, 3, 4]);
  // The process died inside the transaction after SQLite had spilled some of its uncommitted pages to
  // the write-ahead log: recovery has to ignore them.
  const walBytes = fs.readFileSync(`${databasePath}-wal`);
  expect(walBytes.includes(crashBatch(pauseBatch, batchSize)[100]!.id)).toBe(true);

  // The database opens and is consistent.
  const storage = createSqliteSequenceStorage({ path: databasePath });
  expect(storage.database.pragma('integrity_check', { simple: true })).toBe('ok');
  await storage.close();

  // Every acknowledged record is there, exactly as written; nothing of the interrupted batch is.
  const expected = acknowledged.flatMap((batch) => crashBatch(batch, batchSize));
  const afterCrash = await readAll(databasePath);
  expect(afterCrash.length).toBe(expected.length);
  expect(afterCrash).toEqual(expected);
  expect(afterCrash.some((record) => record.id.startsWith(`b00${pauseBatch}-`))).toBe(false);

  // The resumed run writes the interrupted batch and the rest; everything is there once.
  const resumed = createSqliteSequenceStorage({ path: databasePath });
  for (let batch = pauseBatch; batch < 8; batch += 1) await resumed.putModelCalls(crashBatch(batch, batchSize));
  await resumed.putModelCalls(crashBatch(4, batchSize)); // redoing acknowledged work duplicates nothing
  expect(resumed.database.pragma('integrity_check', { simple: true })).toBe('ok');
  expect((await resumed.summarizeRun('run-crash')).modelCalls.total).toBe(8 * batchSize);
  await resumed.close();
  const final = await readAll(databasePath);
  expect(final).toEqual(Array.from({ length: 8 }, (_, batch) => crashBatch(batch, batchSize)).flat());
}, 120_000);
