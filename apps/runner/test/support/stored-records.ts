import fs from 'node:fs';
import path from 'node:path';
import type { ExportRecord, SequenceStorage } from '@codemonkeys/protocol';
import { openStorage } from '../../src/storage/open-storage';

/**
 * Measured times inside plugin metadata (`wallTimeMs`, `durationsMs`, ...) and in the rewards' work states
 * (`startedAt`, `durationMs` of a stage's reward computations) differ between any two executions.
 * So do what plugins say about their caches in this process (the embedding localizer's `filesReused`), and
 * two fields the generator copies from the model client's answer: a call replayed from the response cache
 * by a resumed run is reported to the plugin as a cache hit costing nothing (its model call record keeps
 * the original cost, and is compared in full). And the generator's `resumed` flag of a sample: true when
 * the sample was continued from its stored messages by a later process, with the same messages and patch.
 */
function withoutExecutionFacts(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutExecutionFacts);
  if (value === null || typeof value !== 'object') return value;
  const copy: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (/Ms$/.test(key) || key === 'startedAt' || key === 'cacheHits' || key === 'costUsd' || key === 'filesReused' || key === 'cachedChunks' || key === 'resumed') continue;
    copy[key] = withoutExecutionFacts(entry);
  }
  return copy;
}

export type StoredRecords = Record<'stageResult' | 'reward' | 'messageLog' | 'modelCall' | 'workState', string[]>;

/**
 * Everything stored for the runs of a SQLite database, as sorted JSON lines per record type, without what
 * differs between any two executions (times, latencies, the server's numbering of its responses).
 */
export async function storedRecords(database: string): Promise<StoredRecords> {
  const storage: SequenceStorage = await openStorage(`sqlite:${database}`, { mustExist: true });
  try {
    const records: StoredRecords = { stageResult: [], reward: [], messageLog: [], modelCall: [], workState: [] };
    for (const run of (await storage.queryRuns({})).items) {
      for await (const entry of storage.exportRun(run.id) as AsyncIterable<ExportRecord>) {
        if (entry.type === 'experiment' || entry.type === 'run') continue;
        const record = { ...(entry.record as Record<string, unknown>) };
        for (const field of ['startedAt', 'finishedAt', 'durationMs', 'createdAt', 'updatedAt', 'latencyMs']) delete record[field];
        if (entry.type === 'reward' && record.name === 'duration-ms') record.value = 'a wall time';
        if (entry.type === 'modelCall' && record.response && typeof record.response === 'object') record.response = { ...(record.response as object), id: 'a response id' };
        if (entry.type === 'stageResult') record.output = withoutExecutionFacts(record.output);
        // A plugin's checkpoint (the generator's finished samples) holds the same facts.
        if (entry.type === 'workState') record.state = withoutExecutionFacts(record.state);
        records[entry.type].push(JSON.stringify(record));
      }
    }
    for (const list of Object.values(records)) list.sort();
    return records;
  } finally {
    await storage.close();
  }
}

/**
 * The records one side has and the other lacks (each with its count), per type: `{}` when equal. Readable
 * where a deep comparison of thousands of records says only that they differ.
 */
export function recordDifferences(actual: StoredRecords, expected: StoredRecords): Record<string, { onlyActual: string[]; onlyExpected: string[]; counts: [number, number] }> {
  const differences: Record<string, { onlyActual: string[]; onlyExpected: string[]; counts: [number, number] }> = {};
  for (const type of Object.keys(expected) as Array<keyof StoredRecords>) {
    const remaining = new Map<string, number>();
    for (const line of expected[type]) remaining.set(line, (remaining.get(line) ?? 0) + 1);
    const onlyActual: string[] = [];
    for (const line of actual[type]) {
      const count = remaining.get(line) ?? 0;
      if (count > 0) remaining.set(line, count - 1);
      else onlyActual.push(line);
    }
    const onlyExpected = [...remaining].flatMap(([line, count]) => Array.from({ length: count }, () => line));
    if (onlyActual.length > 0 || onlyExpected.length > 0)
      differences[type] = { onlyActual: onlyActual.slice(0, 3), onlyExpected: onlyExpected.slice(0, 3), counts: [actual[type].length, expected[type].length] };
  }
  return differences;
}

/** predictions.jsonl of every run folder of an output folder, by folder name. */
export function predictionsOf(output: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of fs.readdirSync(output)) {
    const file = path.join(output, entry, 'predictions.jsonl');
    if (fs.existsSync(file)) files[entry] = fs.readFileSync(file, 'utf8');
  }
  return files;
}
