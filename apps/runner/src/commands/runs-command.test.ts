import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunSummary } from '@codemonkeys/protocol';
import { sampleExperiment, sampleModelCall, sampleRun, sampleStageResult } from '@codemonkeys/protocol/testkit';
import { startFirestoreEmulator, type FirestoreEmulator } from '@codemonkeys/storage-firestore/testing';
import { createSqliteSequenceStorage } from '@codemonkeys/storage-sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliPath as cli, runCli, type CliResult } from '../../test/support/run-cli';

const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'codemonkeys-runs-'));
let emulator: FirestoreEmulator;

// Asynchronously: the emulator answers from this process's event loop.
const codemonkeys = (...args: string[]): Promise<CliResult> => runCli(args, { cwd: directory, env: { METADATA_SERVER_DETECTION: 'none', FIRESTORE_EMULATOR_HOST: emulator.host } });

const time = (second: number): string => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();
const firestoreUrl = (): string => `firestore://codemonkeys-test/runs-command/${randomUUID()}`;

beforeAll(async () => {
  emulator = await startFirestoreEmulator();
  // A source database with one complete run (large and non-ASCII records included) and a few others to list.
  const storage = createSqliteSequenceStorage({ path: path.join(directory, 'source.db') });
  await storage.putExperiment(sampleExperiment('exp-1'));
  await storage.putExperiment(sampleExperiment('exp-2'));
  await storage.putRun({ ...sampleRun('run-1', 'exp-1', 1), status: 'completed', finishedAt: time(500), hypers: { temperature: 0.2, samples: 10 } });
  await storage.putRun({ ...sampleRun('run-2', 'exp-2', 100), status: 'failed' });
  await storage.putRun({ ...sampleRun('run-3', 'exp-2', 200), status: 'completed' });
  await storage.putStageResults([
    sampleStageResult('django__django-11099', 'localize'),
    sampleStageResult('django__django-11099', 'generate', 0),
    { ...sampleStageResult('sympy__sympy-20590', 'generate', 1, 'failed'), error: { name: 'SandboxTimeoutError', message: 'timed out after 300 s' } },
  ]);
  await storage.putRewards([
    { runId: 'run-1', instanceId: 'django__django-11099', stage: 'localize', sample: 0, name: 'goldLineRecall', value: 0.75, details: { gold: 4 }, createdAt: time(30) },
  ]);
  await storage.putMessageLogs([
    {
      runId: 'run-1',
      instanceId: 'django__django-11099',
      stage: 'generate',
      sample: 0,
      messages: [{ role: 'assistant', content: `naïve “quotes” \u{1F600}\n${'diff line\n'.repeat(150_000)}` }],
      createdAt: time(40),
    },
  ]);
  await storage.putModelCalls(Array.from({ length: 25 }, (_, index) => sampleModelCall(index, { costUsd: 0.0013 * (index + 1) })));
  await storage.putWorkState({ runId: 'run-1', instanceId: 'sympy__sympy-20590', key: 'generate/1', state: { step: 3 }, updatedAt: time(50) });
  await storage.close();
});

afterAll(async () => {
  await emulator.stop();
  fs.rmSync(directory, { recursive: true, force: true });
});

describe('codemonkeys runs', () => {
  it('lists runs newest first and filters them by experiment, status and time', async () => {
    const all = await codemonkeys('runs', '--storage', 'sqlite:source.db', '--json');
    expect(all.code, all.stderr).toBe(0);
    expect((JSON.parse(all.stdout) as Array<{ id: string }>).map((run) => run.id)).toEqual(['run-3', 'run-2', 'run-1']);
    const filtered = await codemonkeys('runs', 'list', '--storage', 'sqlite:source.db', '--experiment', 'exp-2', '--status', 'completed', '--json');
    expect((JSON.parse(filtered.stdout) as Array<{ id: string }>).map((run) => run.id)).toEqual(['run-3']);
    const byTime = await codemonkeys('runs', '--storage', 'sqlite:source.db', '--since', time(50), '--until', time(150), '--json');
    expect((JSON.parse(byTime.stdout) as Array<{ id: string }>).map((run) => run.id)).toEqual(['run-2']);
    const limited = await codemonkeys('runs', '--storage', 'sqlite:source.db', '--limit', '2', '--json');
    expect((JSON.parse(limited.stdout) as unknown[]).length).toBe(2);

    const text = await codemonkeys('runs', '--storage', 'sqlite:source.db', '--summary');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout.split('\n')[0]).toMatch(/^RUN\s+EXPERIMENT\s+STATUS\s+CREATED\s+FINISHED\s+INSTANCES\s+OK\/FAILED\s+CALLS\s+TOKENS\s+COST$/);
    expect(text.stdout).toMatch(/run-1\s+exp-1\s+completed\s+2026-01-01T00:00:01.000Z\s+2026-01-01T00:08:20.000Z\s+2\s+2\/1\s+25\s+375\s+\$0\.4225/);
    const none = await codemonkeys('runs', '--storage', 'sqlite:source.db', '--experiment', 'nothing');
    expect(none.stdout).toBe('No runs in sqlite:source.db match the filters.\n');
  });

  it('shows one run with its summary', async () => {
    const shown = await codemonkeys('runs', 'show', 'run-1', '--storage', 'sqlite:source.db', '--json');
    expect(shown.code, shown.stderr).toBe(0);
    const { summary } = JSON.parse(shown.stdout) as { summary: RunSummary };
    expect(summary).toMatchObject({ instances: 2, stageResults: { total: 3, ok: 2, failed: 1 }, modelCalls: { total: 25 }, costUsd: 0.4225 });
    const text = await codemonkeys('runs', 'show', 'run-1', '--storage', 'sqlite:source.db');
    expect(text.stdout).toContain('run run-1 (experiment exp-1): completed');
    expect(text.stdout).toContain('generate: ok 1, failed 1, skipped 0');
  });

  it('moves a run SQLite → Firestore → SQLite with byte-identical exports and equal summaries', async () => {
    const original = await codemonkeys('runs', 'export', 'run-1', '--storage', 'sqlite:source.db');
    expect(original.code, original.stderr).toBe(0);
    const lines = original.stdout.trimEnd().split('\n');
    expect(lines.map((line) => (JSON.parse(line) as { type: string }).type)).toEqual([
      'experiment',
      'run',
      'stageResult',
      'stageResult',
      'stageResult',
      'reward',
      'messageLog',
      ...Array.from({ length: 25 }, () => 'modelCall'),
      'workState',
    ]);
    expect(Buffer.byteLength(original.stdout)).toBeGreaterThan(1_500_000); // the message log needs chunk documents in Firestore
    fs.writeFileSync(path.join(directory, 'run-1.jsonl'), original.stdout);

    const firestore = firestoreUrl();
    const imported = await codemonkeys('runs', 'import', 'run-1.jsonl', '--storage', firestore, '--json');
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ imported: lines.length, runs: ['run-1'] });
    const fromFirestore = await codemonkeys('runs', 'export', 'run-1', '--storage', firestore);
    expect(fromFirestore.code, fromFirestore.stderr).toBe(0);
    expect(fromFirestore.stdout).toBe(original.stdout);

    await codemonkeys('runs', 'export', 'run-1', '--storage', firestore, '--output', 'from-firestore.jsonl');
    const back = await codemonkeys('runs', 'import', 'from-firestore.jsonl', '--storage', 'sqlite:copy.db');
    expect(back.stdout).toBe(`Imported ${lines.length} records of run run-1 into sqlite:copy.db\n`);
    const fromCopy = await codemonkeys('runs', 'export', 'run-1', '--storage', 'sqlite:copy.db');
    expect(fromCopy.stdout).toBe(original.stdout);

    // Importing again changes nothing.
    await codemonkeys('runs', 'import', 'run-1.jsonl', '--storage', firestore);
    expect((await codemonkeys('runs', 'export', 'run-1', '--storage', firestore)).stdout).toBe(original.stdout);

    const summaries = await Promise.all(
      ['sqlite:source.db', firestore, 'sqlite:copy.db'].map(
        async (storage) => (JSON.parse((await codemonkeys('runs', 'show', 'run-1', '--storage', storage, '--json')).stdout) as { summary: RunSummary }).summary,
      ),
    );
    expect(summaries[1]).toEqual(summaries[0]);
    expect(summaries[2]).toEqual(summaries[0]);
    const listed = await codemonkeys('runs', '--storage', firestore, '--json');
    expect((JSON.parse(listed.stdout) as Array<{ id: string }>).map((run) => run.id)).toEqual(['run-1']);
  });

  it('imports through stdin', async () => {
    const original = await codemonkeys('runs', 'export', 'run-1', '--storage', 'sqlite:source.db');
    const result = await new Promise<CliResult>((resolve) => {
      const child = execFile(process.execPath, [cli, 'runs', 'import', '-', '--storage', 'sqlite:stdin.db'], { cwd: directory }, (error, stdout, stderr) =>
        resolve({ code: error ? 1 : 0, stdout, stderr }),
      );
      child.stdin!.end(original.stdout);
    });
    expect(result.code, result.stderr).toBe(0);
    expect((await codemonkeys('runs', 'export', 'run-1', '--storage', 'sqlite:stdin.db')).stdout).toBe(original.stdout);
  });

  it('refuses a damaged export before writing anything, naming the file and line', async () => {
    const original = (await codemonkeys('runs', 'export', 'run-1', '--storage', 'sqlite:source.db')).stdout.split('\n');
    expect(original[2]).toContain('"status":"ok"');
    original[2] = original[2]!.replace('"status":"ok"', '"status":"fine"');
    fs.writeFileSync(path.join(directory, 'damaged.jsonl'), original.join('\n'));
    const result = await codemonkeys('runs', 'import', 'damaged.jsonl', '--storage', 'sqlite:damaged.db');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: damaged.jsonl:3: not a run export record');
    expect(result.stderr).toContain('status');
    expect(fs.existsSync(path.join(directory, 'damaged.db'))).toBe(false);
    fs.writeFileSync(path.join(directory, 'not-json.jsonl'), '{"type":"run"\n');
    expect((await codemonkeys('runs', 'import', 'not-json.jsonl')).stderr).toContain('not-json.jsonl:1: not JSON');
  });

  it('says what is wrong with a bad storage URL, a missing run or a missing database', async () => {
    const badUrl = await codemonkeys('runs', '--storage', 'postgres://localhost/runs');
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toContain('Invalid storage "postgres://localhost/runs": unknown scheme');
    const badTime = await codemonkeys('runs', '--storage', 'sqlite:source.db', '--since', 'yesterday-ish');
    expect(badTime.code).toBe(2);
    expect(badTime.stderr).toContain('--since "yesterday-ish" is not a date or time');
    const missingRun = await codemonkeys('runs', 'export', 'run-404', '--storage', 'sqlite:source.db');
    expect(missingRun.code).toBe(2);
    expect(missingRun.stderr).toContain('No run "run-404" in sqlite:source.db');
    const missingDatabase = await codemonkeys('runs');
    expect(missingDatabase.code).toBe(2);
    expect(missingDatabase.stderr).toContain('No run database at');
    expect(fs.existsSync(path.join(directory, 'runs.db'))).toBe(false);
  });
});
