/**
 * Firestore sequence storage against the npm emulator (in its own process, on 127.0.0.1): 20,000
 * model calls of ~10 KB. Write throughput batched and one record per commit, against bare client
 * batch writes of the same records; run summary (aggregation queries) against reading every record;
 * filtered queries. `npm run bench`. The emulator is a JavaScript program: these figures measure the
 * storage's overhead and its number of round trips, not Firestore's service.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import readline from 'node:readline';
import { readAllPages, summarizeRunRecords, type ModelCallQuery, type ModelCallRecord } from '@codemonkeys/protocol';
import { createFirestoreClient, createFirestoreSequenceStorage } from '../src/index';
// The same records as the SQLite bench, so that the figures compare.
import { benchModelCalls, medianMs, perSecond, seconds, timeMs } from '../../storage-sqlite/bench/bench-records';

const count = Number(process.env.BENCH_RECORDS ?? 20_000);
const unbatchedCount = Math.min(count, 1_000);
const batchSize = 500;

const emulatorProcess = spawn(process.execPath, ['--import', 'tsx', new URL('./emulator-process.ts', import.meta.url).pathname], { stdio: ['pipe', 'pipe', 'inherit'] });
const host = await new Promise<string>((resolve, reject) => {
  readline.createInterface({ input: emulatorProcess.stdout! }).once('line', resolve);
  emulatorProcess.once('exit', (code) => reject(new Error(`emulator exited with ${code}`)));
});
process.env.METADATA_SERVER_DETECTION = 'none';

try {
  const records = benchModelCalls(count);
  process.stdout.write(`${count} model calls of ~10 KB; Firestore emulator at ${host}; batches of ${batchSize} records per put\n\n`);
  const open = () => createFirestoreSequenceStorage({ projectId: 'codemonkeys-bench', root: `bench/${randomUUID()}`, emulatorHost: host });

  // Baseline: the client's own batched writes of the same records as plain documents (no validation, redaction, JSON body or chunking).
  const client = createFirestoreClient({ projectId: 'codemonkeys-bench', emulatorHost: host });
  const bare = client.collection(`bench/${randomUUID()}/modelCalls`);
  const bareWrite = await timeMs(async () => {
    const batches: ModelCallRecord[][] = [];
    for (let start = 0; start < records.length; start += 300) batches.push(records.slice(start, start + 300));
    for (let start = 0; start < batches.length; start += 4) {
      await Promise.all(
        batches.slice(start, start + 4).map(async (batch) => {
          const write = client.batch();
          for (const record of batch) write.set(bare.doc(record.id), JSON.parse(JSON.stringify(record)) as Record<string, unknown>);
          await write.commit();
        }),
      );
    }
  });
  await client.terminate();

  const storage = open();
  const batchedWrite = await timeMs(async () => {
    for (let start = 0; start < records.length; start += batchSize) await storage.putModelCalls(records.slice(start, start + batchSize));
  });

  // The emulator's writes slow down as a collection grows, so one record per put is compared with
  // batched puts of the same records into an equally empty store.
  const unbatched = open();
  const unbatchedWrite = await timeMs(async () => {
    for (const record of records.slice(0, unbatchedCount)) await unbatched.putModelCalls([record]);
  });
  await unbatched.close();
  const smallBatched = open();
  const smallBatchedWrite = await timeMs(async () => {
    for (let start = 0; start < unbatchedCount; start += batchSize) await smallBatched.putModelCalls(records.slice(start, Math.min(start + batchSize, unbatchedCount)));
  });
  await smallBatched.close();

  const filtered: ModelCallQuery = { runId: 'bench-run', instanceId: 'instance-7', model: 'model-b', status: 'ok', limit: 100 };
  const summary = await medianMs(5, () => storage.summarizeRun('bench-run'));
  const byReading = await medianMs(1, async () => {
    const calls: ModelCallRecord[] = [];
    for await (const call of readAllPages((query: ModelCallQuery) => storage.queryModelCalls(query), { runId: 'bench-run' }, 1000)) calls.push(call);
    return summarizeRunRecords('bench-run', [], calls);
  });
  const filteredQuery = await medianMs(5, () => storage.queryModelCalls(filtered));
  const matching = (await storage.queryModelCalls(filtered)).items.length;
  let stageCount = 0;
  const oneStage = await medianMs(1, async () => {
    stageCount = 0;
    for await (const _call of readAllPages((query: ModelCallQuery) => storage.queryModelCalls(query), { runId: 'bench-run', stage: 'select' }, 1000)) stageCount += 1;
  });
  const check = await storage.summarizeRun('bench-run');
  if (check.modelCalls.total !== count) throw new Error(`expected ${count} calls, the summary counts ${check.modelCalls.total}`);
  await storage.close();

  const rows: Array<[string, string, string]> = [
    ['write, bare client batches of 300 (baseline: plain documents, 4 commits in flight)', `${perSecond(count, bareWrite)} records/s`, seconds(bareWrite)],
    ['write, Firestore storage, puts of 500 records', `${perSecond(count, batchedWrite)} records/s`, seconds(batchedWrite)],
    [
      `write, Firestore storage, puts of 500, first ${unbatchedCount} records into an empty store`,
      `${perSecond(unbatchedCount, smallBatchedWrite)} records/s`,
      seconds(smallBatchedWrite),
    ],
    [`write, Firestore storage, one record per put, same ${unbatchedCount} records (baseline)`, `${perSecond(unbatchedCount, unbatchedWrite)} records/s`, seconds(unbatchedWrite)],
    ['run summary, aggregation queries', `${summary.toFixed(1)} ms`, ''],
    ['run summary by reading every record (baseline)', `${byReading.toFixed(0)} ms`, ''],
    [`filtered query (run+instance+model+status, first page: ${matching} records)`, `${filteredQuery.toFixed(1)} ms`, ''],
    [`all ${stageCount} calls of one stage (pages of 1000)`, `${oneStage.toFixed(0)} ms`, ''],
  ];
  for (const [name, value, total] of rows) process.stdout.write(`${name.padEnd(86)} ${value.padStart(18)} ${total.padStart(9)}\n`);
  const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}x`;
  process.stdout.write(
    `\nratios: storage / bare client write time ${ratio(batchedWrite, bareWrite)}; one record per put / batched (${unbatchedCount} records each) ${ratio(unbatchedWrite, smallBatchedWrite)}; ` +
      `summary: reading everything / aggregation ${ratio(byReading, summary)}\n`,
  );
} finally {
  emulatorProcess.stdin!.end();
}
