/**
 * SQLite sequence storage: 20,000 model calls of ~10 KB. Write throughput (batched, unbatched) against
 * the in-memory store and against bare better-sqlite3 inserts; run summary and filtered queries
 * against the in-memory store and against summarizing by reading every record. `npm run bench`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { createInMemorySequenceStorage, readAllPages, summarizeRunRecords, type ModelCallQuery, type ModelCallRecord, type SequenceStorage } from '@codemonkeys/protocol';
import { createSqliteSequenceStorage } from '../src/index';
import { benchModelCalls, medianMs, perSecond, seconds, timeMs } from './bench-records';

const count = Number(process.env.BENCH_RECORDS ?? 20_000);
const batchSize = 500;
const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'codemonkeys-sqlite-bench-'));
const records = benchModelCalls(count);
const averageBytes = Math.round(records.reduce((total, record) => total + JSON.stringify(record).length, 0) / records.length);

async function writeBatched(storage: SequenceStorage, batch: readonly ModelCallRecord[]): Promise<number> {
  return timeMs(async () => {
    for (let start = 0; start < batch.length; start += batchSize) await storage.putModelCalls(batch.slice(start, start + batchSize));
  });
}

const filteredQuery: ModelCallQuery = { runId: 'bench-run', instanceId: 'instance-7', model: 'model-b', status: 'ok', limit: 100 };
const readAllOfStage = async (storage: SequenceStorage): Promise<number> => {
  let read = 0;
  for await (const _record of readAllPages((query: ModelCallQuery) => storage.queryModelCalls(query), { runId: 'bench-run', stage: 'select' }, 1000)) read += 1;
  return read;
};
const summarizeByReadingEverything = async (storage: SequenceStorage) => {
  const calls: ModelCallRecord[] = [];
  for await (const record of readAllPages((query: ModelCallQuery) => storage.queryModelCalls(query), { runId: 'bench-run' }, 1000)) calls.push(record);
  return summarizeRunRecords('bench-run', [], calls);
};

try {
  process.stdout.write(`${count} model calls, ~${averageBytes} bytes each as JSON; batches of ${batchSize}\n\n`);

  const memory = createInMemorySequenceStorage();
  const memoryWrite = await writeBatched(memory, records);

  const raw = new Database(path.join(directory, 'raw.db'));
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  raw.exec('CREATE TABLE calls (id TEXT PRIMARY KEY, body TEXT NOT NULL)');
  const rawInsert = raw.prepare('INSERT INTO calls (id, body) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET body = excluded.body');
  const rawWrite = await timeMs(async () => {
    for (let start = 0; start < records.length; start += batchSize) {
      raw.transaction((batch: ModelCallRecord[]) => {
        for (const record of batch) rawInsert.run(record.id, JSON.stringify(record));
      })(records.slice(start, start + batchSize));
    }
  });
  raw.close();

  const sqlite = createSqliteSequenceStorage({ path: path.join(directory, 'runs.db') });
  const sqliteWrite = await writeBatched(sqlite, records);
  const rewrite = await writeBatched(sqlite, records); // a resumed run writing everything again

  const unbatched = createSqliteSequenceStorage({ path: path.join(directory, 'unbatched.db') });
  const unbatchedWrite = await timeMs(async () => {
    for (const record of records) await unbatched.putModelCalls([record]);
  });
  await unbatched.close();

  const summaryMemory = await medianMs(5, () => memory.summarizeRun('bench-run'));
  const summarySqlite = await medianMs(9, () => sqlite.summarizeRun('bench-run'));
  const summaryByReading = await medianMs(3, () => summarizeByReadingEverything(sqlite));
  const filterMemory = await medianMs(9, () => memory.queryModelCalls(filteredQuery));
  const filterSqlite = await medianMs(21, () => sqlite.queryModelCalls(filteredQuery));
  const matching = (await sqlite.queryModelCalls(filteredQuery)).items.length;
  const stageMemory = await medianMs(3, () => readAllOfStage(memory));
  const stageSqlite = await medianMs(5, () => readAllOfStage(sqlite));
  const stageCount = await readAllOfStage(sqlite);
  const fileBytes = fs.statSync(path.join(directory, 'runs.db')).size;
  await sqlite.close();

  const rows: Array<[string, string, string]> = [
    ['write, in-memory store (baseline)', `${perSecond(count, memoryWrite)} records/s`, seconds(memoryWrite)],
    ['write, bare better-sqlite3 (baseline: id + JSON, no validation, redaction or indexes)', `${perSecond(count, rawWrite)} records/s`, seconds(rawWrite)],
    ['write, SQLite storage, batches of 500', `${perSecond(count, sqliteWrite)} records/s`, seconds(sqliteWrite)],
    ['write again (resumed run, upserts)', `${perSecond(count, rewrite)} records/s`, seconds(rewrite)],
    ['write, SQLite storage, one record per transaction', `${perSecond(count, unbatchedWrite)} records/s`, seconds(unbatchedWrite)],
    ['run summary, SQLite (SQL aggregates)', `${summarySqlite.toFixed(1)} ms`, ''],
    ['run summary, in-memory store (baseline)', `${summaryMemory.toFixed(1)} ms`, ''],
    ['run summary by reading every record from SQLite (baseline)', `${summaryByReading.toFixed(1)} ms`, ''],
    [`filtered query (run+instance+model+status, first page: ${matching} records), SQLite`, `${filterSqlite.toFixed(2)} ms`, ''],
    ['same query, in-memory store (baseline)', `${filterMemory.toFixed(2)} ms`, ''],
    [`all ${stageCount} calls of one stage (pages of 1000), SQLite`, `${stageSqlite.toFixed(1)} ms`, ''],
    ['same, in-memory store (baseline)', `${stageMemory.toFixed(1)} ms`, ''],
  ];
  for (const [name, value, total] of rows) process.stdout.write(`${name.padEnd(92)} ${value.padStart(18)} ${total.padStart(9)}\n`);
  const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}x`;
  process.stdout.write(
    `\nratios: batched SQLite / in-memory write time ${ratio(sqliteWrite, memoryWrite)}; batched SQLite / bare better-sqlite3 ${ratio(sqliteWrite, rawWrite)}; ` +
      `unbatched / batched ${ratio(unbatchedWrite, sqliteWrite)}; summary: reading everything / SQL aggregates ${ratio(summaryByReading, summarySqlite)}, ` +
      `in-memory / SQL ${ratio(summaryMemory, summarySqlite)}; filtered query in-memory / SQLite ${ratio(filterMemory, filterSqlite)}\n` +
      `database file: ${(fileBytes / 1e6).toFixed(1)} MB\n`,
  );
} finally {
  fs.rmSync(directory, { recursive: true, force: true });
}
