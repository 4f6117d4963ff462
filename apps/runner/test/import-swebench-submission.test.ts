import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeWhenAvailable, locateSharedData } from '@codemonkeys/protocol/testkit';
import { readAllPages, type ExportRecord, type MessageLogQuery, type RewardQuery, type RewardRecord, type StageResultQuery, type StageResultRecord } from '@codemonkeys/protocol';
import { createSqliteSequenceStorage } from '@codemonkeys/storage-sqlite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from './support/run-cli';

/**
 * The four systems of predictions-dev, laid out as SWE-bench/experiments submissions
 * (`evaluation/lite/<system>/all_preds.jsonl` + `results/results.json`), imported into a real SQLite
 * file: every record equals what the files hold, a second import changes nothing, bad input fails naming
 * the file, line and field with nothing stored; then `compare` of two of them, checked against McNemar's
 * p and the normal approximation computed here from the label files themselves.
 */

const systems = ['20240402_sweagent_gpt4', '20240523_aider', '20240530_autocoderover-v20240408', '20240609_moatless_gpt4o'];
const data = locateSharedData(...systems.flatMap((system) => [`predictions-dev/${system}.jsonl`, `predictions-dev/${system}.resolved.json`]), 'swe-bench-lite.jsonl');

interface Labels {
  resolved: string[];
  unresolved_with_patch: string[];
  empty_patch: string[];
  no_prediction: string[];
}
interface Row {
  instance_id: string;
  model_name_or_path: string;
  model_patch: string;
}

let directory: string;
let database: string;
let dataset: string;
const runIds = new Map<string, string>();
const labelsOf = (system: string): Labels => JSON.parse(fs.readFileSync(data.paths[`predictions-dev/${system}.resolved.json`]!, 'utf8')) as Labels;
const rowsOf = (system: string): Row[] =>
  fs
    .readFileSync(data.paths[`predictions-dev/${system}.jsonl`]!, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Row);
const submissionOf = (system: string): string => path.join(directory, 'evaluation', 'lite', system);

/** Exact two-sided McNemar p as a BigInt binomial sum: 2 · Σ_{k ≤ min(b,c)} C(b+c, k) / 2^(b+c). */
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

function writeSubmission(system: string, root = submissionOf(system)): void {
  const labels = labelsOf(system);
  fs.mkdirSync(path.join(root, 'results'), { recursive: true });
  fs.copyFileSync(data.paths[`predictions-dev/${system}.jsonl`]!, path.join(root, 'all_preds.jsonl'));
  // The experiments repository's lists: resolved, the evaluated ones (generated), and no_generation.
  const results = { resolved: labels.resolved, generated: [...labels.resolved, ...labels.unresolved_with_patch].sort(), no_generation: labels.empty_patch };
  fs.writeFileSync(path.join(root, 'results', 'results.json'), JSON.stringify(results, null, 2));
}

const exportOf = async (runId: string): Promise<string> => {
  const storage = createSqliteSequenceStorage({ path: database, mustExist: true });
  const records: ExportRecord[] = [];
  for await (const record of storage.exportRun(runId)) records.push(record);
  await storage.close();
  return JSON.stringify(records);
};

describeWhenAvailable('codemonkeys import of SWE-bench submissions (predictions-dev) and compare', data, () => {
  beforeAll(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'import-submission-'));
    database = path.join(directory, 'runs.db');
    dataset = data.paths['swe-bench-lite.jsonl']!;
    for (const system of systems) writeSubmission(system);
  });
  afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));

  it('imports the four systems; every record equals what the files hold, with its provenance', async () => {
    for (const system of systems) {
      const result = await runCli(['import', submissionOf(system), '--dataset', dataset, '--storage', `sqlite:${database}`, '--json'], { cwd: directory });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const outcome = JSON.parse(result.stdout) as { runId: string; format: string; instances: number; written: number; unchanged: number; unknownVerdicts: number };
      const rows = rowsOf(system);
      expect(outcome).toMatchObject({ format: 'swebench-submission', instances: rows.length, written: rows.length, unchanged: 0, unknownVerdicts: 0 });
      runIds.set(system, outcome.runId);
    }
    const storage = createSqliteSequenceStorage({ path: database, mustExist: true });
    try {
      for (const system of systems) {
        const runId = runIds.get(system)!;
        const run = (await storage.getRun(runId))!;
        expect(run.status).toBe('completed');
        expect(run.metadata).toMatchObject({ label: system, imported: { format: 'swebench-submission', source: submissionOf(system), system } });
        const rows = rowsOf(system);
        const labels = labelsOf(system);
        const resolved = new Set(labels.resolved);
        const stages = new Map<string, StageResultRecord>();
        for await (const result of readAllPages((query: StageResultQuery) => storage.queryStageResults(query), { runId }))
          stages.set(`${result.instanceId}/${result.stage}`, result);
        const verdicts = new Map<string, RewardRecord>();
        for await (const reward of readAllPages((query: RewardQuery) => storage.queryRewards(query), { runId })) {
          expect(reward.details.provenance).toMatchObject({ format: 'swebench-submission', source: submissionOf(system), file: 'all_preds.jsonl' });
          if (reward.name === 'resolved') verdicts.set(`${reward.instanceId}/${reward.stage}`, reward);
        }
        rows.forEach((row, index) => {
          const generate = stages.get(`${row.instance_id}/generate`)!;
          const patches = generate.output as Array<{ diff: string; metadata: { provenance: Record<string, unknown> } }>;
          expect(patches).toHaveLength(1);
          expect(patches[0]!.diff).toBe(row.model_patch);
          expect(patches[0]!.metadata.provenance).toMatchObject({
            format: 'swebench-submission',
            file: 'all_preds.jsonl',
            line: index + 1,
            originalIds: { instance_id: row.instance_id, model_name_or_path: row.model_name_or_path },
            verdictFile: path.join('results', 'results.json'),
          });
          const select = stages.get(`${row.instance_id}/select`)!;
          expect((select.output as { diff: string }).diff).toBe(row.model_patch);
          const expected = resolved.has(row.instance_id) ? 1 : 0;
          expect(verdicts.get(`${row.instance_id}/generate`)).toMatchObject({ value: expected, details: { source: 'labels' } });
          expect(verdicts.get(`${row.instance_id}/select`)!.value).toBe(expected);
        });
        expect([...verdicts.values()].filter((reward) => reward.stage === 'select' && reward.value === 1)).toHaveLength(labels.resolved.length);
      }
    } finally {
      await storage.close();
    }
  }, 600_000);

  it('importing twice changes nothing', async () => {
    const system = systems[1]!;
    const before = await exportOf(runIds.get(system)!);
    const result = await runCli(['import', submissionOf(system), '--dataset', dataset, '--storage', `sqlite:${database}`, '--json'], { cwd: directory });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ runId: runIds.get(system), written: 0, unchanged: rowsOf(system).length });
    expect(await exportOf(runIds.get(system)!)).toBe(before);
  }, 300_000);

  it('report treats an imported run like a native one', async () => {
    const system = systems[1]!;
    const result = await runCli(['report', runIds.get(system)!, '--storage', `sqlite:${database}`, '--format', 'json'], { cwd: directory });
    expect(result.code).toBe(0);
    const { runs } = JSON.parse(result.stdout) as { runs: Array<{ label: string; instances: { done: number }; scorecard: { headline: { selectionResolved: number | null } } }> };
    expect(runs[0]!.label).toBe(system);
    expect(runs[0]!.instances.done).toBe(rowsOf(system).length);
    expect(runs[0]!.scorecard.headline.selectionResolved).toBeCloseTo(labelsOf(system).resolved.length / rowsOf(system).length, 12);
  }, 300_000);

  it("compare of two imported systems: McNemar's p and the bootstrap interval agree with values computed from the label files", async () => {
    const [a, b] = [systems[1]!, systems[3]!];
    const result = await runCli(['compare', runIds.get(a)!, runIds.get(b)!, '--storage', `sqlite:${database}`, '--format', 'json'], { cwd: directory });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const pair = (
      JSON.parse(result.stdout) as {
        comparisons: Array<{
          pairedInstances: number;
          table: { both: number; onlyA: number; onlyB: number; neither: number };
          mcnemar: { pValue: number };
          difference: { value: number; low: number; high: number };
          rewards: Array<{ key: string; pairs: number }>;
          conclusion: string;
        }>;
      }
    ).comparisons[0]!;
    // Independently: the instances both files predict, and who resolved each, from the label files.
    const idsA = new Set(rowsOf(a).map((row) => row.instance_id));
    const shared = rowsOf(b)
      .map((row) => row.instance_id)
      .filter((id) => idsA.has(id));
    const resolvedA = new Set(labelsOf(a).resolved);
    const resolvedB = new Set(labelsOf(b).resolved);
    const onlyA = shared.filter((id) => resolvedA.has(id) && !resolvedB.has(id)).length;
    const onlyB = shared.filter((id) => !resolvedA.has(id) && resolvedB.has(id)).length;
    const both = shared.filter((id) => resolvedA.has(id) && resolvedB.has(id)).length;
    expect(pair.pairedInstances).toBe(shared.length);
    expect(pair.table).toEqual({ both, onlyA, onlyB, neither: shared.length - both - onlyA - onlyB });
    expect(pair.mcnemar.pValue).toBeCloseTo(binomialMcNemar(onlyA, onlyB), 12);
    const differences = shared.map((id) => (resolvedB.has(id) ? 1 : 0) - (resolvedA.has(id) ? 1 : 0));
    const mean = differences.reduce((sum, value) => sum + value, 0) / differences.length;
    const sd = Math.sqrt(differences.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (differences.length - 1));
    const half = (1.959964 * sd) / Math.sqrt(differences.length);
    expect(pair.difference.value).toBeCloseTo(mean, 12);
    expect(Math.abs(pair.difference.low - (mean - half))).toBeLessThan(0.01);
    expect(Math.abs(pair.difference.high - (mean + half))).toBeLessThan(0.01);
    expect(pair.rewards.map((reward) => reward.key)).toEqual(expect.arrayContaining(['generate/similarity', 'generate/file-overlap']));
    expect(pair.conclusion).toMatch(/^20240609_moatless_gpt4o − 20240523_aider = −3\.0 pts, 95 % CI \[/);
    expect(pair.conclusion).toContain('not distinguishable at this size');
  }, 300_000);

  it('bad input fails naming the file, line and field, and nothing is stored', async () => {
    const bad = path.join(directory, 'bad', 'broken-system');
    writeSubmission(systems[0]!, bad);
    const predictions = path.join(bad, 'all_preds.jsonl');
    const lines = fs.readFileSync(predictions, 'utf8').split('\n');
    const storage = createSqliteSequenceStorage({ path: database, mustExist: true });
    const runsBefore = (await storage.queryRuns({ limit: 1000 })).items.length;
    await storage.close();

    lines[4] = JSON.stringify({ instance_id: 5, model_name_or_path: 'x', model_patch: '' });
    fs.writeFileSync(predictions, lines.join('\n'));
    const wrongType = await runCli(['import', bad, '--dataset', dataset, '--storage', `sqlite:${database}`], { cwd: directory });
    expect(wrongType.code).toBe(2);
    expect(wrongType.stderr).toContain(`${path.join(bad, 'all_preds.jsonl')}:5: field "instance_id" must be a non-empty string`);

    lines[4] = JSON.stringify({ instance_id: 'nobody__nothing-1', model_name_or_path: 'x', model_patch: '' });
    fs.writeFileSync(predictions, lines.join('\n'));
    const unknown = await runCli(['import', bad, '--dataset', dataset, '--storage', `sqlite:${database}`], { cwd: directory });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(`${path.join(bad, 'all_preds.jsonl')}:5: field "instance_id": "nobody__nothing-1" is not an instance of`);

    fs.writeFileSync(predictions, lines.slice(0, 4).join('\n'));
    fs.writeFileSync(path.join(bad, 'results', 'results.json'), '{"resolved": [1]}');
    const results = await runCli(['import', bad, '--dataset', dataset, '--storage', `sqlite:${database}`], { cwd: directory });
    expect(results.code).toBe(2);
    expect(results.stderr).toContain(`results.json: field "resolved" must be a list of instance ids`);

    const after = createSqliteSequenceStorage({ path: database, mustExist: true });
    expect((await after.queryRuns({ limit: 1000 })).items.length).toBe(runsBefore);
    await after.close();
  }, 300_000);

  it('reads per-instance logs/**/report.json verdicts and the messages of SWE-agent trajectories in trajs/', async () => {
    const root = path.join(directory, 'evaluation', 'lite', 'with-logs');
    const rows = rowsOf(systems[1]!).slice(0, 3);
    fs.mkdirSync(path.join(root, 'trajs'), { recursive: true });
    fs.writeFileSync(path.join(root, 'all_preds.jsonl'), rows.map((row) => JSON.stringify(row)).join('\n'));
    // Reports for the first two only: the third's verdict is unknown (counted, never "not resolved").
    rows.slice(0, 2).forEach((row, index) => {
      fs.mkdirSync(path.join(root, 'logs', row.instance_id), { recursive: true });
      fs.writeFileSync(path.join(root, 'logs', row.instance_id, 'report.json'), JSON.stringify({ [row.instance_id]: { patch_exists: true, resolved: index === 0 } }));
    });
    const history = [
      { role: 'system', content: 'You are an agent.', agent: 'primary' },
      { role: 'user', content: [{ type: 'text', text: 'Fix the issue.' }] },
      { role: 'assistant', content: 'Looking.', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'bash', arguments: '{"command":"ls"}' } }] },
      { role: 'tool', content: 'setup.py', tool_call_ids: ['call_1'] },
    ];
    fs.writeFileSync(path.join(root, 'trajs', `${rows[0]!.instance_id}.traj`), JSON.stringify({ history, trajectory: [], info: { submission: rows[0]!.model_patch } }));
    const result = await runCli(['import', root, '--dataset', dataset, '--storage', `sqlite:${database}`, '--json'], { cwd: directory });
    expect(result.stderr).toBe('');
    const outcome = JSON.parse(result.stdout) as { runId: string; unknownVerdicts: number };
    expect(outcome.unknownVerdicts).toBe(1);
    const storage = createSqliteSequenceStorage({ path: database, mustExist: true });
    try {
      const resolved = (await storage.queryRewards({ runId: outcome.runId, stage: 'select', name: 'resolved' })).items.map((reward) => [reward.instanceId, reward.value]);
      expect(resolved).toEqual([
        [rows[0]!.instance_id, 1],
        [rows[1]!.instance_id, 0],
        [rows[2]!.instance_id, null],
      ]);
      const logs = [];
      for await (const log of readAllPages((query: MessageLogQuery) => storage.queryMessageLogs(query), { runId: outcome.runId })) logs.push(log);
      expect(logs).toHaveLength(1);
      expect(logs[0]).toMatchObject({ instanceId: rows[0]!.instance_id, stage: 'generate', sample: 0 });
      expect(logs[0]!.messages).toEqual([
        { role: 'system', content: 'You are an agent.' },
        { role: 'user', content: 'Fix the issue.' },
        { role: 'assistant', content: 'Looking.', toolCalls: [{ id: 'call_1', type: 'function', function: { name: 'bash', arguments: '{"command":"ls"}' } }] },
        { role: 'tool', content: 'setup.py', toolCallId: 'call_1' },
      ]);
    } finally {
      await storage.close();
    }
  }, 300_000);
});
