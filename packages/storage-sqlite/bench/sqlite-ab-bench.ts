/**
 * A/B of two builds of this storage in one process, interleaved (so that the load of a shared machine
 * falls on both alike): `SQLITE_BASELINE=/path/to/old/storage-sqlite/src/index.ts npx tsx bench/sqlite-ab-bench.ts`.
 * The baseline is another checkout's source (with its own node_modules, so that it loads the protocol it
 * was written against). Prints the median time of each operation and the throughput ratio current/baseline.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SequenceStorage } from '@codemonkeys/protocol';
import { createSqliteSequenceStorage } from '../src/index';
import { benchModelCalls, timeMs } from './bench-records';

const baselinePath = process.env.SQLITE_BASELINE;
if (!baselinePath) throw new Error('Set SQLITE_BASELINE to the src/index.ts of the storage-sqlite build to compare against.');
const baseline = (await import(path.resolve(baselinePath))) as { createSqliteSequenceStorage(options: { path: string }): SequenceStorage };

const count = Number(process.env.BENCH_RECORDS ?? 4000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 10);
const records = benchModelCalls(count);
const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'codemonkeys-sqlite-ab-'));
const variants: Record<'baseline' | 'current', (file: string) => SequenceStorage> = {
  baseline: (file) => baseline.createSqliteSequenceStorage({ path: file }),
  current: (file) => createSqliteSequenceStorage({ path: file }),
};
const times: Record<string, Record<string, number[]>> = { baseline: {}, current: {} };
const filtered = { runId: 'bench-run', instanceId: 'instance-7', model: 'model-b', status: 'ok' as const, limit: 100 };
const writeAll = async (storage: SequenceStorage): Promise<void> => {
  for (let start = 0; start < records.length; start += 500) await storage.putModelCalls(records.slice(start, start + 500));
};

try {
  for (let round = 0; round < rounds; round += 1) {
    const order = round % 2 === 0 ? (['baseline', 'current'] as const) : (['current', 'baseline'] as const);
    for (const variant of order) {
      const file = path.join(directory, `${variant}-${round}.db`);
      const storage = variants[variant](file);
      const measure = async (metric: string, task: () => Promise<unknown>): Promise<void> => {
        (times[variant]![metric] ??= []).push(await timeMs(task));
      };
      await measure('write, batches of 500', () => writeAll(storage));
      await measure('write again (upserts)', () => writeAll(storage));
      await measure('write, one record per transaction (1000)', async () => {
        for (const record of records.slice(0, 1000)) await storage.putModelCalls([{ ...record, id: `single-${record.id}` }]);
      });
      await measure('filtered query x20', async () => {
        for (let repeat = 0; repeat < 20; repeat += 1) await storage.queryModelCalls(filtered);
      });
      await measure('all calls of one stage, pages of 1000', async () => {
        let cursor: string | undefined;
        do cursor = (await storage.queryModelCalls({ runId: 'bench-run', stage: 'select', limit: 1000, ...(cursor ? { cursor } : {}) })).nextCursor;
        while (cursor);
      });
      await measure('run summary x20', async () => {
        for (let repeat = 0; repeat < 20; repeat += 1) await storage.summarizeRun('bench-run');
      });
      await storage.close();
      for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${file}${suffix}`, { force: true });
    }
  }
  const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  process.stdout.write(`${count} model calls of ~10 KB, ${rounds} interleaved rounds: median ms baseline -> current, throughput current/baseline\n`);
  for (const metric of Object.keys(times.baseline!)) {
    const before = median(times.baseline![metric]!);
    const after = median(times.current![metric]!);
    process.stdout.write(`${metric.padEnd(44)} ${before.toFixed(1).padStart(9)} -> ${after.toFixed(1).padStart(9)}   ${(before / after).toFixed(3)}\n`);
  }
} finally {
  fs.rmSync(directory, { recursive: true, force: true });
}
