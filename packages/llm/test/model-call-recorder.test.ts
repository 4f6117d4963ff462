import type { ModelCallRecord } from '@codemonkeys/protocol';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createModelCallRecorder } from '../src/index';
import { createCaptureLogger } from './capture-logger';

const record = (id: number): ModelCallRecord => ({
  id: `mc-${id}`,
  kind: 'chat',
  endpoint: 'e',
  model: 'm',
  request: {},
  usage: { inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0 },
  costUsd: 0,
  latencyMs: 1,
  cacheHit: false,
  retries: 0,
  status: 'ok',
  createdAt: new Date(0).toISOString(),
});

describe('createModelCallRecorder', () => {
  it('writes in batches, in order, and everything on close', async () => {
    const batches: string[][] = [];
    const recorder = createModelCallRecorder({ write: async (records) => void batches.push(records.map((item) => item.id)), batchSize: 3, flushIntervalMs: 0 });
    for (let index = 0; index < 7; index += 1) recorder.record(record(index));
    await recorder.close();
    expect(batches.flat()).toEqual(['mc-0', 'mc-1', 'mc-2', 'mc-3', 'mc-4', 'mc-5', 'mc-6']);
    expect(batches.every((batch) => batch.length <= 3)).toBe(true);
    expect(recorder.pending).toBe(0);
  });

  it('keeps the records of a failed write and writes them on the next flush', async () => {
    const written: string[] = [];
    let failures = 1;
    const logger = createCaptureLogger();
    const recorder = createModelCallRecorder({
      write: async (records) => {
        if (failures > 0) {
          failures -= 1;
          throw new Error('database is locked');
        }
        written.push(...records.map((item) => item.id));
      },
      flushIntervalMs: 0,
      logger,
    });
    recorder.record(record(1));
    recorder.record(record(2));
    await expect(recorder.flush()).rejects.toThrow('database is locked');
    expect(recorder.pending).toBe(2);
    recorder.record(record(3));
    await recorder.close();
    expect(written).toEqual(['mc-1', 'mc-2', 'mc-3']);
  });

  it('flushes on a timer without being asked', async () => {
    const written: string[] = [];
    const recorder = createModelCallRecorder({ write: async (records) => void written.push(...records.map((item) => item.id)), flushIntervalMs: 10 });
    recorder.record(record(1));
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(written).toEqual(['mc-1']);
    await recorder.close();
  });

  it('writes what a process forgot to flush before the process ends', async () => {
    const output = join(mkdtempSync(join(tmpdir(), 'codemonkeys-llm-')), 'records.txt');
    const script = fileURLToPath(new URL('./fixtures/forgetful-recorder.ts', import.meta.url));
    await promisify(execFile)(process.execPath, ['--import', 'tsx', script, output]);
    expect(readFileSync(output, 'utf8').trim().split('\n')).toEqual(['mc-0', 'mc-1', 'mc-2']);
  });
});
