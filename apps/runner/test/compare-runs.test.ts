import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RewardRecord } from '@codemonkeys/protocol';
import { createSqliteSequenceStorage } from '@codemonkeys/storage-sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { holmAdjustedPValues, mcnemarExactPValue } from '../src/compare/paired-statistics';
import { runCli } from './support/run-cli';

/**
 * `codemonkeys compare` on runs written to a real SQLite file with known outcomes: the 2 × 2 table,
 * McNemar's exact p-value (checked against a binomial sum written here), Holm's correction over three
 * runs, unknown verdicts excluded and counted (never read as "not resolved"), pseudo-reward pairs, cost
 * per resolved instance, and every output format.
 */

const createdAt = '2026-01-02T03:04:05.000Z';
const instanceIds = Array.from({ length: 60 }, (_, index) => `repo__pkg-${String(index).padStart(3, '0')}`);

/** Exact two-sided McNemar p written out: 2 · Σ_{k ≤ min(b,c)} C(n,k) / 2^n, in BigInt so nothing rounds before the end. */
function binomialMcNemar(b: number, c: number): number {
  const n = b + c;
  if (n === 0) return 1;
  let coefficient = 1n;
  let sum = 0n;
  for (let k = 0; k <= Math.min(b, c); k += 1) {
    sum += coefficient;
    coefficient = (coefficient * BigInt(n - k)) / BigInt(k + 1);
  }
  return Math.min(1, (2 * Number((sum * 10n ** 15n) / 2n ** BigInt(n))) / 1e15);
}

// Outcomes per instance: A resolves 0..19; B resolves 8..35 except 30..32 unknown; C resolves 0..21.
const resolvedA = (index: number): number | null => (index < 20 ? 1 : 0);
const resolvedB = (index: number): number | null => (index >= 30 && index <= 32 ? null : index >= 8 && index < 36 ? 1 : 0);
const resolvedC = (index: number): number | null => (index < 22 ? 1 : 0);

const reward = (runId: string, instanceId: string, stage: string, sample: number, name: string, value: number | null): RewardRecord => ({
  runId,
  instanceId,
  stage,
  sample,
  name,
  value,
  details: {},
  createdAt,
});

let directory: string;
let database: string;

function writeRun(runId: string, label: string, resolved: (index: number) => number | null, similarity: (index: number) => number, costPerInstance: number | null): RewardRecord[] {
  return instanceIds.flatMap((instanceId, index) => [
    reward(runId, instanceId, 'select', 0, 'resolved', resolved(index)),
    reward(runId, instanceId, 'select', 0, 'candidates', 2),
    reward(runId, instanceId, 'generate', 0, 'similarity', similarity(index)),
    reward(runId, instanceId, 'generate', 1, 'similarity', similarity(index) / 2),
    reward(runId, instanceId, 'generate', 0, 'tokens', costPerInstance === null ? null : 1000),
    reward(runId, instanceId, 'generate', 0, 'cost-usd', costPerInstance),
    ...(label === 'A' ? [reward(runId, instanceId, 'localize', 0, 'gold-line-recall', index % 2)] : []),
  ]);
}

beforeAll(async () => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'compare-runs-'));
  database = path.join(directory, 'runs.db');
  const storage = createSqliteSequenceStorage({ path: database });
  await storage.putExperiment({ id: 'exp', name: 'compare', config: {}, configHash: 'h', plugins: [], createdAt });
  for (const [runId, label] of [
    ['run-a', 'A'],
    ['run-b', 'B'],
    ['run-c', 'C'],
  ] as const) {
    await storage.putRun({ id: runId, experimentId: 'exp', hypers: {}, status: 'completed', createdAt, updatedAt: createdAt, metadata: { label, instanceIds } });
  }
  await storage.putRewards(writeRun('run-a', 'A', resolvedA, (index) => (index % 10) / 10, 0.01));
  await storage.putRewards(writeRun('run-b', 'B', resolvedB, (index) => ((index + 3) % 10) / 10, null));
  await storage.putRewards(writeRun('run-c', 'C', resolvedC, (index) => (index % 10) / 10 + 0.05, 0.02));
  await storage.close();
}, 60_000);

afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));

interface JsonPair {
  sharedInstances: number;
  pairedInstances: number;
  unknownVerdicts: { a: number; b: number; either: number };
  table: { both: number; onlyA: number; onlyB: number; neither: number };
  rateA: number;
  rateB: number;
  difference: { value: number; low: number; high: number };
  mcnemar: { discordant: number; pValue: number; adjustedPValue: number };
  rewards: Array<{ key: string; pairs: number; meanA: number; meanB: number; difference: { value: number; low: number | null; high: number | null } }>;
  cost: {
    a: { costUsd: number | null; costUsdPerResolved: number | null; tokens: number | null };
    b: { costUsd: number | null; costUsdPerResolved: number | null; tokens: number | null };
  };
  instances: Array<{ instanceId: string; outcome: string }>;
  conclusion: string;
}

describe('codemonkeys compare (real SQLite)', () => {
  it("gives the paired table, McNemar's exact p and a bootstrap interval of B − A, with unknown verdicts left out and counted", async () => {
    const result = await runCli(['compare', 'run-a', 'run-b', '--storage', `sqlite:${database}`, '--format', 'json'], { cwd: directory });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const comparison = JSON.parse(result.stdout) as { correction: string; comparisons: JsonPair[] };
    expect(comparison.correction).toBe('none');
    const pair = comparison.comparisons[0]!;
    expect(pair.sharedInstances).toBe(60);
    // Three unknown verdicts of B: excluded from every resolved figure, counted, never "not resolved".
    expect(pair.unknownVerdicts).toEqual({ a: 0, b: 3, either: 3 });
    expect(pair.pairedInstances).toBe(57);
    // Both: 8..19 (12); A only: 0..7 (8); B only: 20..35 minus 30..32 (13); neither: the rest (24).
    expect(pair.table).toEqual({ both: 12, onlyA: 8, onlyB: 13, neither: 24 });
    expect(pair.instances.filter((instance) => instance.outcome === 'unknown').map((instance) => instance.instanceId)).toEqual(instanceIds.slice(30, 33));
    expect(pair.rateA).toBeCloseTo(20 / 57, 12);
    expect(pair.rateB).toBeCloseTo(25 / 57, 12);
    expect(pair.mcnemar.discordant).toBe(21);
    expect(pair.mcnemar.pValue).toBeCloseTo(binomialMcNemar(8, 13), 12);
    expect(pair.difference.value).toBeCloseTo(5 / 57, 12);
    // The paired bootstrap interval agrees with the normal approximation of the paired difference to within a point.
    const differences = [...Array(8).fill(-1), ...Array(13).fill(1), ...Array(36).fill(0)] as number[];
    const mean = differences.reduce((sum, value) => sum + value, 0) / differences.length;
    const sd = Math.sqrt(differences.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (differences.length - 1));
    const half = (1.959964 * sd) / Math.sqrt(differences.length);
    expect(pair.difference.low).toBeLessThan(mean);
    expect(pair.difference.high).toBeGreaterThan(mean);
    expect(Math.abs(pair.difference.low - (mean - half))).toBeLessThan(0.015);
    expect(Math.abs(pair.difference.high - (mean + half))).toBeLessThan(0.015);
    expect(pair.conclusion).toMatch(/^B − A = \+8\.8 pts, 95 % CI \[−\d+\.\d, \+\d+\.\d\], McNemar p = 0\.383, n = 57: not distinguishable at this size/);
    expect(pair.conclusion).toContain('3 shared instance(s) with an unknown verdict left out');
    // Pseudo-rewards: only those both runs have; the mean over a run's samples per instance, then paired.
    expect(pair.rewards.map((entry) => entry.key)).toEqual(['generate/similarity']);
    const similarity = pair.rewards[0]!;
    expect(similarity.pairs).toBe(60);
    const perInstance = (value: (index: number) => number) => instanceIds.map((_, index) => (value(index) + value(index) / 2) / 2);
    const meanOf = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
    expect(similarity.meanA).toBeCloseTo(meanOf(perInstance((index) => (index % 10) / 10)), 12);
    expect(similarity.meanB).toBeCloseTo(meanOf(perInstance((index) => ((index + 3) % 10) / 10)), 12);
    // Cost: A's is known (60 × $0.01 over 20 resolved), B recorded none: unknown, not $0.
    expect(pair.cost.a.costUsd).toBeCloseTo(0.6, 9);
    expect(pair.cost.a.costUsdPerResolved).toBeCloseTo(0.03, 9);
    expect(pair.cost.a.tokens).toBe(60_000);
    expect(pair.cost.b.costUsd).toBeNull();
    expect(pair.cost.b.costUsdPerResolved).toBeNull();
    expect(pair.cost.b.tokens).toBeNull();
  }, 120_000);

  it('is deterministic for a seed, and another seed moves the interval but not the estimate', async () => {
    const args = ['compare', 'run-a', 'run-b', '--storage', `sqlite:${database}`, '--format', 'json'];
    const first = await runCli(args, { cwd: directory });
    const second = await runCli(args, { cwd: directory });
    expect(second.stdout).toBe(first.stdout);
    const other = JSON.parse((await runCli([...args, '--seed', '7'], { cwd: directory })).stdout) as { comparisons: JsonPair[] };
    const base = JSON.parse(first.stdout) as { comparisons: JsonPair[] };
    expect(other.comparisons[0]!.difference.value).toBe(base.comparisons[0]!.difference.value);
    // The resolved difference moves in steps of 1/57, so its percentiles may coincide; similarity's do not.
    expect(other.comparisons[0]!.rewards[0]!.difference.value).toBe(base.comparisons[0]!.rewards[0]!.difference.value);
    expect(other.comparisons[0]!.rewards[0]!.difference.low).not.toBe(base.comparisons[0]!.rewards[0]!.difference.low);
  }, 120_000);

  it('compares several runs against the first with Holm-adjusted p-values, named in every format', async () => {
    const result = await runCli(['compare', 'run-a', 'run-b', 'run-c', '--storage', `sqlite:${database}`, '--format', 'json'], { cwd: directory });
    expect(result.code).toBe(0);
    const comparison = JSON.parse(result.stdout) as { correction: string; baseline: { runId: string }; comparisons: JsonPair[] };
    expect(comparison.correction).toBe('holm');
    expect(comparison.baseline.runId).toBe('run-a');
    const [ab, ac] = comparison.comparisons as [JsonPair, JsonPair];
    expect(ac.table).toEqual({ both: 20, onlyA: 0, onlyB: 2, neither: 38 });
    const raw = [binomialMcNemar(8, 13), binomialMcNemar(0, 2)];
    expect(ac.mcnemar.pValue).toBeCloseTo(raw[1]!, 12);
    // Holm by hand: the smaller p times 2, the larger times 1, kept monotone.
    const smaller = Math.min(...raw);
    const larger = Math.max(...raw);
    const adjustedSmaller = Math.min(1, 2 * smaller);
    const adjustedLarger = Math.max(adjustedSmaller, Math.min(1, larger));
    const expected = raw.map((value) => (value === smaller ? adjustedSmaller : adjustedLarger));
    expect(ab.mcnemar.adjustedPValue).toBeCloseTo(expected[0]!, 12);
    expect(ac.mcnemar.adjustedPValue).toBeCloseTo(expected[1]!, 12);
    expect(ab.conclusion).toContain('(Holm-adjusted)');

    const markdown = await runCli(['compare', 'run-a', 'run-b', 'run-c', '--storage', `sqlite:${database}`, '--format', 'markdown'], { cwd: directory });
    expect(markdown.stdout).toContain("Holm's method");
    expect(markdown.stdout).toContain('## C vs A');
    expect(markdown.stdout).toContain(`**${ac.conclusion}**`);
    expect(markdown.stdout).toMatch(/\| Holm-adjusted p \| /);
    const terminal = await runCli(['compare', 'run-a', 'run-b', 'run-c', '--storage', `sqlite:${database}`], { cwd: directory });
    expect(terminal.stdout).toContain('== B vs A ==');
    expect(terminal.stdout).toContain(ab.conclusion);
    // Unknown cost shows as "–", never $0.
    expect(terminal.stdout).toMatch(/B\s+25\s+–\s+–\s+–\s+–/);
  }, 180_000);

  it('writes a self-contained HTML page with the win/loss bar and a paired scatter of similarity', async () => {
    const output = path.join(directory, 'out', 'comparison.html');
    const result = await runCli(['compare', 'run-a', 'run-b', '--storage', `sqlite:${database}`, '--output', output], { cwd: directory });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('not distinguishable at this size');
    const html = fs.readFileSync(output, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|\ssrc=|\shref=/);
    expect(html).toContain('Paired outcomes on resolved');
    expect(html.match(/<rect class="bar" data-series="baseline wins"[^>]*data-value="8"/g)).toHaveLength(1);
    expect(html.match(/<rect class="bar" data-series="challenger wins"[^>]*data-value="13"/g)).toHaveLength(1);
    expect(html.match(/<rect class="bar" data-series="unknown \(excluded\)"[^>]*data-value="3"/g)).toHaveLength(1);
    expect(html).toContain('generate/similarity: per instance');
    expect(html.match(/<circle class="point"/g)).toHaveLength(60);
  }, 120_000);

  it('refuses a run that does not exist, or fewer than two runs (exit 2)', async () => {
    const missing = await runCli(['compare', 'run-a', 'run-x', '--storage', `sqlite:${database}`], { cwd: directory });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('No run "run-x"');
    const one = await runCli(['compare', 'run-a', '--storage', `sqlite:${database}`], { cwd: directory });
    expect(one.code).toBe(2);
    expect(one.stderr).toContain('at least two runs');
  }, 120_000);
});

describe('paired statistics', () => {
  it("McNemar's exact p equals the binomial sum and Holm's correction is monotone", () => {
    for (const [b, c] of [
      [0, 0],
      [0, 5],
      [3, 9],
      [40, 61],
      [150, 190],
    ] as const)
      expect(mcnemarExactPValue(b, c)).toBeCloseTo(binomialMcNemar(b, c), 12);
    holmAdjustedPValues([0.01, 0.04, 0.03]).forEach((value, index) => expect(value).toBeCloseTo([0.03, 0.06, 0.06][index]!, 12));
    expect(holmAdjustedPValues([0.5])).toEqual([0.5]);
  });
});
