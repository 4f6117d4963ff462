/**
 * Benchmark: `codemonkeys export` streams in bounded memory. Writes synthetic runs into one SQLite file
 * (TRAJECTORIES per run: instances × 4 candidates, each with a 6-message conversation of about 2.5 kB and
 * its rewards), then runs the built CLI's `export sft` and `export preference` of a run of 10k and of one
 * of 100k trajectories to files and reads each process's peak resident memory (VmHWM of /proc/<pid>/status,
 * polled until it exits). Constant memory means the 100k peak is about the 10k one.
 *
 *   npm run build -w apps/runner && npx tsx apps/runner/bench/export-100k.bench.ts
 *   (TRAJECTORIES=N for the large run, default 100000; KEEP=1 keeps the folder)
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { MessageLogRecord, RewardRecord, StageResultRecord } from '@codemonkeys/protocol';
import { createSqliteSequenceStorage } from '@codemonkeys/storage-sqlite';

const large = Number(process.env.TRAJECTORIES ?? 100_000);
const samples = 4;
const createdAt = '2026-01-02T03:04:05.000Z';
const cli = new URL('../dist/cli.js', import.meta.url).pathname;

async function writeRun(database: string, runId: string, trajectories: number): Promise<number> {
  const storage = createSqliteSequenceStorage({ path: database });
  const started = performance.now();
  await storage.putExperiment({ id: 'bench', name: 'export-bench', config: {}, configHash: 'h', plugins: [], createdAt });
  await storage.putRun({ id: runId, experimentId: 'bench', hypers: {}, status: 'completed', createdAt, updatedAt: createdAt, metadata: {} });
  const instances = Math.ceil(trajectories / samples);
  const batch = 250;
  for (let first = 0; first < instances; first += batch) {
    const stages: StageResultRecord[] = [];
    const rewards: RewardRecord[] = [];
    const logs: MessageLogRecord[] = [];
    for (let index = first; index < Math.min(instances, first + batch); index += 1) {
      const instanceId = `synthetic__repo-${index}`;
      const diffs = Array.from(
        { length: samples },
        (_, sample) => `diff --git a/m${index}.py b/m${index}.py\n--- a/m${index}.py\n+++ b/m${index}.py\n@@ -1 +1 @@\n-old\n+new ${sample}\n`,
      );
      stages.push({
        runId,
        instanceId,
        stage: 'generate',
        sample: 0,
        status: 'ok',
        output: diffs.map((diff) => ({ instanceId, diff, metadata: {} })),
        startedAt: createdAt,
        finishedAt: createdAt,
        durationMs: 1,
        metadata: {},
      });
      for (let sample = 0; sample < samples; sample += 1) {
        const reward = (name: string, value: number): RewardRecord => ({ runId, instanceId, stage: 'generate', sample, name, value, details: {}, createdAt });
        rewards.push(reward('resolved', (index + sample) % 3 === 0 ? 1 : 0), reward('similarity', ((index * 7 + sample * 13) % 100) / 100), reward('file-overlap', sample % 2));
        logs.push({
          runId,
          instanceId,
          stage: 'generate',
          sample,
          messages: [
            { role: 'system', content: 'You are a careful software engineer. '.repeat(8) },
            { role: 'user', content: `Issue ${index}: `.padEnd(900, 'the function returns the wrong value when given an empty list. ') },
            { role: 'assistant', content: `Let me look at m${index}.py. `.padEnd(400, 'thinking ') },
            { role: 'user', content: 'FAILED test_m.py::test_empty - AssertionError '.padEnd(500, '.') },
            { role: 'assistant', content: diffs[sample]! },
            { role: 'user', content: 'All tests pass.' },
          ],
          createdAt,
        });
      }
    }
    await storage.putStageResults(stages);
    await storage.putRewards(rewards);
    await storage.putMessageLogs(logs);
  }
  await storage.close();
  return performance.now() - started;
}

/** Runs the CLI and polls its peak resident set (VmHWM) until it exits. */
function exportPeak(args: string[], nodeOptions: string[] = []): Promise<{ peakMiB: number; seconds: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [...nodeOptions, cli, 'export', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let peakKiB = 0;
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const poll = setInterval(() => {
      try {
        const match = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (match) peakKiB = Math.max(peakKiB, Number(match[1]));
      } catch {
        // the process has just exited
      }
    }, 20);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(poll);
      if (code !== 0) reject(new Error(`export exited ${code}: ${stderr}`));
      else resolve({ peakMiB: peakKiB / 1024, seconds: (performance.now() - started) / 1000, stderr: stderr.trim() });
    });
  });
}

const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'export-bench-'));
const database = path.join(directory, 'runs.db');
try {
  const small = Math.round(large / 10);
  console.log(`writing ${small} and ${large} synthetic trajectories into ${database} ...`);
  console.log(`  small run written in ${((await writeRun(database, 'run-small', small)) / 1000).toFixed(1)} s`);
  console.log(`  large run written in ${((await writeRun(database, 'run-large', large)) / 1000).toFixed(1)} s (${(fs.statSync(database).size / 2 ** 20).toFixed(0)} MiB on disk)`);
  // The third arm caps V8's old space at 64 MiB: it completes only if the live heap stays below that for
  // 100k trajectories (peak RSS alone also counts heap that V8 grows lazily before collecting).
  console.log('| format | trajectories | V8 heap limit | output | peak RSS | wall |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const format of ['sft', 'preference', 'rewards']) {
    for (const [runId, count, limit] of [
      ['run-small', small, undefined],
      ['run-large', large, undefined],
      ['run-large', large, 64],
    ] as const) {
      const output = path.join(directory, `${format}-${runId}.jsonl`);
      const result = await exportPeak([format, '--run', runId, '--storage', `sqlite:${database}`, '--output', output], limit ? [`--max-old-space-size=${limit}`] : []);
      console.log(
        `| ${format} | ${count} | ${limit ? `${limit} MiB` : 'default'} | ${(fs.statSync(output).size / 2 ** 20).toFixed(0)} MiB | ${result.peakMiB.toFixed(0)} MiB | ${result.seconds.toFixed(1)} s |`,
      );
      fs.rmSync(output);
    }
  }
} finally {
  if (!process.env.KEEP) fs.rmSync(directory, { recursive: true, force: true });
}
