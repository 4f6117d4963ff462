import fs from 'node:fs';
import path from 'node:path';
import { startLoopbackModelServer, type LoopbackModelServer } from '@codemonkeys/llm/testing';
import { InMemorySequenceStorage, type ModelCallRecord, type RewardRecord, type StageResultRecord } from '@codemonkeys/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectReports } from '../src/commands/report-command';
import type { RunReport } from '../src/report/collect-run-report';
import { formatHtmlReport } from '../src/report/format-html-report';
import { formatJsonReport } from '../src/report/format-json-report';
import { formatMarkdownReport } from '../src/report/format-markdown-report';
import { formatTerminalReport } from '../src/report/format-terminal-report';
import { reportRows } from '../src/report/report-rows';
import { createScriptedModelHandler } from '../src/demo/scripted-model';
import { createScriptedSetup, runCli, type ScriptedSetup } from './support/scripted-experiment';

/**
 * Unknown reads as unknown: a run without a sandbox has verdicts only for its empty candidates (not
 * resolved by definition), and the report must not turn them into "0.0 % applied / resolved". Runs are
 * stored with the records the rewarder writes: without a sandbox, with measured verdicts, with every
 * candidate empty. Then the per-instance table and the reward time rows in every format.
 */

const experimentId = 'unknown-0123456789';
const createdAt = '2026-01-02T03:04:05.000Z';
const instances = ['demo__one-1', 'demo__two-2'];
type Kind = 'no-sandbox' | 'sandbox' | 'all-empty';

const stage = (runId: string, instanceId: string, name: string, durationMs: number, output: unknown): StageResultRecord => ({
  runId,
  instanceId,
  stage: name,
  sample: 0,
  status: 'ok',
  output,
  startedAt: '2026-01-02T03:05:00.000Z',
  finishedAt: new Date(Date.parse('2026-01-02T03:05:00.000Z') + durationMs).toISOString(),
  durationMs,
  metadata: {},
});

const reward = (runId: string, instanceId: string, stageName: string, sample: number, name: string, value: number | null, details: Record<string, unknown> = {}): RewardRecord => ({
  runId,
  instanceId,
  stage: stageName,
  sample,
  name,
  value,
  details,
  createdAt,
});

const modelCall = (runId: string, instanceId: string, index: number, costUsd: number): ModelCallRecord => ({
  id: `${runId}-${instanceId}-${index}`,
  runId,
  instanceId,
  stage: 'generate',
  sample: index,
  kind: 'chat',
  endpoint: 'http://127.0.0.1:1/v1',
  model: 'scripted',
  request: {},
  usage: { inputTokens: 100, outputTokens: 10, cacheReadTokens: 0, cacheWriteTokens: 0 },
  costUsd,
  latencyMs: 5,
  cacheHit: false,
  retries: 0,
  status: 'ok',
  createdAt,
});

/**
 * One run of `kind` over two instances of three candidates each (sample 1 is chosen). `no-sandbox`:
 * sample 2 is empty and the only verdict; `sandbox`: every candidate has a measured verdict, sample 1
 * of the first instance resolves; `all-empty`: every candidate is empty (each verdict known: not resolved).
 */
async function storeRun(storage: InMemorySequenceStorage, runId: string, kind: Kind, index: number, options: { rewardTimes?: boolean } = {}): Promise<void> {
  await storage.putRun({
    id: runId,
    experimentId,
    hypers: {},
    status: 'completed',
    createdAt,
    updatedAt: createdAt,
    metadata: { label: kind, sweepIndex: index, instanceIds: instances },
  });
  for (const [position, instanceId] of instances.entries()) {
    const diffs = kind === 'all-empty' ? ['', '', ''] : ['diff --git a/x b/x\n+a', 'diff --git a/x b/x\n+b', ''];
    await storage.putStageResults([
      stage(runId, instanceId, 'localize', 1000, { content: [] }),
      stage(
        runId,
        instanceId,
        'generate',
        4000,
        diffs.map((diff) => ({ diff })),
      ),
      stage(runId, instanceId, 'select', 500, { diff: diffs[1] }),
    ]);
    await storage.putWorkState({ runId, instanceId, key: 'instance', state: { status: 'done', attempts: 1 }, updatedAt: createdAt });
    for (const name of ['localize', 'generate', 'select']) {
      await storage.putWorkState({
        runId,
        instanceId,
        key: `rewards:${name}`,
        state: { done: true, ...(options.rewardTimes ? { durationMs: name === 'generate' ? 3000 : 200 } : {}) },
        updatedAt: createdAt,
      });
    }
    const records: RewardRecord[] = [reward(runId, instanceId, 'localize', 0, 'gold-line-recall', position === 0 ? 0.5 : 1)];
    for (const [sample, diff] of diffs.entries()) {
      const empty = diff === '' ? 1 : 0;
      records.push(reward(runId, instanceId, 'generate', sample, 'similarity', empty ? 0 : 0.5), reward(runId, instanceId, 'generate', sample, 'empty', empty));
      if (empty) {
        const source = { source: 'empty patch (SWE-bench: not applied, not resolved)', durationMs: 0 };
        records.push(reward(runId, instanceId, 'generate', sample, 'applied', 0, source), reward(runId, instanceId, 'generate', sample, 'resolved', 0, source));
      } else if (kind === 'sandbox') {
        const resolved = position === 0 && sample === 1 ? 1 : 0;
        records.push(
          reward(runId, instanceId, 'generate', sample, 'applied', 1, { source: 'sandbox' }),
          reward(runId, instanceId, 'generate', sample, 'resolved', resolved, { source: 'sandbox', durationMs: 20_000 }),
        );
      }
    }
    // Selection rewards as the rewarder computes them: over the candidates with a verdict.
    const known = kind === 'no-sandbox' ? [0] : kind === 'all-empty' ? [0, 0, 0] : position === 0 ? [0, 1, 0] : [0, 0, 0];
    const chosen = kind === 'no-sandbox' ? null : kind === 'all-empty' ? 0 : position === 0 ? 1 : 0;
    const random = known.reduce((sum, value) => sum + value, 0) / known.length;
    const oracle = Math.max(...known);
    const details = { chosenIndex: 1, unknownCandidates: 3 - known.length };
    records.push(
      reward(runId, instanceId, 'select', 0, 'resolved', chosen, details),
      reward(runId, instanceId, 'select', 0, 'random', random, details),
      reward(runId, instanceId, 'select', 0, 'oracle', oracle, details),
      reward(runId, instanceId, 'select', 0, 'normalized', chosen === null || oracle === random ? null : (chosen - random) / (oracle - random), details),
    );
    await storage.putRewards(records);
    await storage.putModelCalls([modelCall(runId, instanceId, 0, 0.001), modelCall(runId, instanceId, 1, 0.002)]);
  }
}

async function reportsOf(kinds: readonly Kind[], options: { rewardTimes?: boolean } = {}): Promise<RunReport[]> {
  const storage = new InMemorySequenceStorage();
  await storage.putExperiment({ id: experimentId, name: 'unknown', config: {}, configHash: 'c'.repeat(64), plugins: [], createdAt });
  for (const [index, kind] of kinds.entries()) await storeRun(storage, `${experimentId}-${kind}`, kind, index, options);
  return collectReports(storage, [], experimentId);
}

const rowValues = (reports: readonly RunReport[], label: string): string[] | undefined => reportRows(reports).find((row) => row.label === label)?.values;
const verdictRows = [
  'candidates applied',
  'candidates resolved',
  'instances with a resolved candidate (oracle)',
  'random choice (expected)',
  'oracle (any candidate resolved)',
  'chosen patch resolved',
];
const verdictKeys = ['applied', 'candidateResolved', 'anyResolved', 'selectionRandom', 'selectionOracle', 'selectionResolved', 'selectionNormalized'] as const;

describe('report: verdict figures without a sandbox are unknown, not 0 %', () => {
  let reports: RunReport[];
  beforeAll(async () => {
    reports = await reportsOf(['no-sandbox', 'sandbox', 'all-empty']);
  });

  it('collects them as null, with the coverage that decides it', () => {
    const [none, measured, empty] = reports;
    for (const key of verdictKeys) expect(none!.scorecard.headline[key], key).toBeNull();
    expect(none!.verdicts).toEqual({ candidates: 6, withVerdict: 2, measured: 0, emptyPatches: 2, candidatesKnown: false, chosenKnown: false });
    expect(none!.scorecard.stages.generation.metrics.resolved!.mean).toBeNull();
    expect(none!.scorecard.stages.selection.metrics.random!.mean).toBeNull();
    expect(none!.scorecard.validity ?? []).toEqual([]);
    expect(none!.instanceLines.map((line) => line.resolvedCandidates)).toEqual([null, null]);
    // Measured verdicts: the figures are the rewarder's.
    expect(measured!.scorecard.headline).toMatchObject({ applied: 2 / 3, candidateResolved: 1 / 6, anyResolved: 0.5, selectionResolved: 0.5, selectionOracle: 0.5 });
    expect(measured!.instanceLines.map((line) => line.resolvedCandidates)).toEqual([1, 0]);
    // Every candidate empty: each verdict is known (not resolved), so 0 % is the true figure.
    expect(empty!.scorecard.headline).toMatchObject({ applied: 0, candidateResolved: 0, anyResolved: 0, selectionResolved: 0 });
  });

  it('terminal and Markdown show — for them, and say why', () => {
    const measured: Record<string, string> = {
      'candidates applied': '66.7%',
      'candidates resolved': '16.7%',
      'instances with a resolved candidate (oracle)': '50.0%',
      'random choice (expected)': '16.7%',
      'oracle (any candidate resolved)': '50.0%',
      'chosen patch resolved': '50.0%',
    };
    for (const label of verdictRows) expect(rowValues(reports, label), label).toEqual(['—', measured[label], '0.0%']);
    expect(rowValues(reports, 'candidates with a SWE-bench verdict')).toEqual(['2 / 6 (2 empty patches)', '6 / 6 (2 empty patches)', '6 / 6 (6 empty patches)']);
    const terminal = formatTerminalReport(reports);
    expect(terminal).toMatch(/│ candidates applied +│ — +│ 66\.7% +│ 0\.0% +│/);
    expect(terminal).toMatch(/│ random choice \(expected\) +│ — +│/);
    expect(terminal).toContain('SWE-bench verdicts need a sandbox');
    const markdown = formatMarkdownReport(reports);
    expect(markdown).toContain('| candidates applied | — | 66.7% | 0.0% |');
    expect(markdown).toContain('| candidates resolved | — | 16.7% | 0.0% |');
    expect(markdown).toContain('| instances with a resolved candidate (oracle) | — | 50.0% | 0.0% |');
    expect(markdown).toContain('| random choice (expected) | — | 16.7% | 0.0% |');
    expect(markdown).toContain('| oracle (any candidate resolved) | — | 50.0% | 0.0% |');
    expect(markdown).toContain('SWE-bench verdicts need a sandbox');
    expect(markdown).not.toMatch(/\| candidates applied \| 0\.0% \|/);
  });

  it('JSON has null for them', () => {
    const parsed = JSON.parse(formatJsonReport(reports)) as {
      runs: Array<{ scorecard: { headline: Record<string, number | null> }; instanceLines: Array<Record<string, unknown>> }>;
    };
    for (const key of verdictKeys) expect(parsed.runs[0]!.scorecard.headline[key], key).toBeNull();
    expect(parsed.runs[0]!.instanceLines[0]).toMatchObject({ resolved: null, resolvedCandidates: null, candidatesWithVerdict: 1, rewardTimeMs: null });
    expect(parsed.runs[1]!.scorecard.headline.applied).toBeCloseTo(2 / 3, 12);
  });

  it('HTML shows — in the table, draws no bar for them and names them as not measured', () => {
    const html = formatHtmlReport(reports.slice(0, 1));
    expect(html).toContain('<tr><td>candidates applied</td><td>—</td></tr>');
    expect(html).toContain('<tr><td>random choice (expected)</td><td>—</td></tr>');
    expect(html).not.toContain('data-group="candidates applied"');
    expect(html).not.toContain('data-group="candidates resolved"');
    expect(html).toMatch(/Not measured in these runs: [^<]*candidates applied, candidates resolved, oracle \(any resolved\)/);
    expect(html).toContain('id="unknown-note"');
    // The overview names the candidates without claiming how many resolved.
    expect(html).toContain('<td class="unknown">no verdict · 3 candidates</td>');
    const both = formatHtmlReport(reports);
    expect(both).toContain('<tr><td>candidates applied</td><td>—</td><td>66.7%</td><td>0.0%</td></tr>');
  });
});

describe('report: the per-instance table and the reward time', () => {
  let unrecorded: RunReport[];
  let recorded: RunReport[];
  beforeAll(async () => {
    unrecorded = await reportsOf(['no-sandbox']);
    recorded = await reportsOf(['sandbox'], { rewardTimes: true });
  });

  it('collects per instance: outcome, chosen candidate, verdict, recall, cost, time, reward time', () => {
    expect(unrecorded[0]!.instanceLines[0]).toEqual({
      instanceId: 'demo__one-1',
      status: 'done',
      candidates: 3,
      candidatesWithVerdict: 1,
      resolvedCandidates: null,
      chosenSample: 1,
      chosenIsCandidate: true,
      resolved: null,
      emptyPatch: false,
      goldLineRecall: 0.5,
      costUsd: 0.003,
      stageTimeMs: 5500,
      rewardTimeMs: null,
    });
    expect(recorded[0]!.instanceLines.map((line) => [line.resolved, line.rewardTimeMs])).toEqual([
      [true, 3400],
      [false, 3400],
    ]);
  });

  it("reward time: unknown when not recorded, its own rows when recorded, and the sandbox verdicts' time", () => {
    expect(unrecorded[0]!.rewardTimes).toEqual([]);
    expect(unrecorded[0]!.goldVerdictTime).toBeNull();
    expect(rowValues(unrecorded, 'reward computations, mean per instance')).toEqual(['—']);
    expect(recorded[0]!.rewardTimes.map((time) => [time.stage, time.count, time.meanMs])).toEqual([
      ['localize', 2, 200],
      ['generate', 2, 3000],
      ['select', 2, 200],
    ]);
    expect(rowValues(recorded, 'rewards after generate, mean per instance')).toEqual(['3.0 s']);
    expect(rowValues(recorded, 'reward computations, mean per instance')).toBeUndefined();
    // Two measured verdicts of 20 s per instance.
    expect(recorded[0]!.goldVerdictTime).toEqual({ verdicts: 4, instances: 2, totalMs: 80_000 });
    expect(rowValues(recorded, 'SWE-bench verdicts of candidates (part of the rewards), mean per instance')).toEqual(['40.0 s']);
  });

  it('terminal: a table per run under the scorecard', () => {
    const text = formatTerminalReport(recorded);
    expect(text).toContain('instances of sandbox: 2 done, 0 failed, 0 partial, 0 pending');
    expect(text).toMatch(/│ instance +│ outcome │ chosen +│ verdict +│ gold-line recall │ cost +│ time +│ reward time │ failure │/);
    expect(text).toMatch(/│ demo__one-1 │ done +│ #1 of 3 │ resolved +│ 50\.0% +│ \$0\.0030 │ 5\.5 s │ 3\.4 s +│ +│/);
    expect(text).toMatch(/│ demo__two-2 │ done +│ #1 of 3 │ not resolved │ 100\.0% +│ \$0\.0030 │ 5\.5 s │ 3\.4 s +│ +│/);
    expect(formatTerminalReport(unrecorded)).toMatch(/│ demo__one-1 │ done +│ #1 of 3 │ — +│ 50\.0% +│ \$0\.0030 │ 5\.5 s │ +│/);
  });

  it('Markdown: a table per run', () => {
    const text = formatMarkdownReport(recorded);
    expect(text).toContain('### Instances (2 done, 0 failed, 0 partial, 0 pending)');
    expect(text).toContain('| instance | outcome | chosen | verdict | gold-line recall | cost | time | reward time | failure |');
    expect(text).toContain('| `demo__one-1` | done | #1 of 3 | resolved | 50.0% | $0.0030 | 5.5 s | 3.4 s |  |');
    expect(formatMarkdownReport(unrecorded)).toContain('| `demo__one-1` | done | #1 of 3 | — | 50.0% | $0.0030 | 5.5 s |  |');
  });

  it('JSON: every field of every instance, null where unknown', () => {
    const parsed = JSON.parse(formatJsonReport(recorded)) as { runs: Array<{ instanceLines: unknown[]; rewardTimes: unknown[] }> };
    expect(parsed.runs[0]!.instanceLines).toEqual(JSON.parse(JSON.stringify(recorded[0]!.instanceLines)));
    expect(parsed.runs[0]!.rewardTimes).toHaveLength(3);
  });

  it('HTML: a detail table per run', () => {
    const html = formatHtmlReport(recorded);
    const table = html.slice(html.indexOf('id="instances-0"'), html.indexOf('</table>', html.indexOf('id="instances-0"')));
    expect(table).toContain('<th>reward time</th>');
    expect(table).toContain(
      '<tr data-instance="demo__one-1" data-status="done"><td><code>demo__one-1</code></td><td>done</td><td>#1 of 3</td><td class="ok">resolved</td><td>50.0%</td><td>$0.0030</td><td>5.5 s</td><td>3.4 s</td><td class="text"></td></tr>',
    );
    expect(html).toContain('<tr><td>rewards after generate, mean per instance</td><td>3.0 s</td></tr>');
    const unknown = formatHtmlReport(unrecorded);
    expect(unknown).toContain('<td class="unknown">—</td>');
    expect(unknown).toContain('<tr><td>reward computations, mean per instance</td><td>—</td></tr>');
  });
});

describe('report of a real run without a sandbox (scripted model, CLI)', () => {
  let setup: ScriptedSetup;
  let json: { runs: RunReport[] };
  let markdown: string;
  let server: LoopbackModelServer;
  beforeAll(async () => {
    setup = await createScriptedSetup();
    // The scripted model, except that the first sample of every generation never gets an edit: its
    // candidate is empty, the only kind of candidate with a verdict when there is no sandbox.
    const scripted = createScriptedModelHandler({ instances: setup.dataset.scripted });
    server = await startLoopbackModelServer({
      model: 'scripted',
      handler: async (request) => {
        const generation = JSON.stringify(request.messages).includes('SEARCH/REPLACE');
        if (generation && (request.body as { seed?: number }).seed === 1000) return 'I looked at the code but I do not know what to change.';
        return scripted(request);
      },
    });
    const storage = `sqlite:${path.join(setup.directory, 'runs.db')}`;
    const output = path.join(setup.directory, 'out');
    const models = {
      default: { baseUrl: `${server.url}/v1`, model: 'scripted', name: 'scripted-test-model', maxConcurrent: 8, price: { inputPerMillion: 1, outputPerMillion: 2 } },
    };
    const run = await runCli(['run', setup.writeConfig('experiment.json', { storage, output, models }), '--progress', 'lines', '--json'], { cwd: setup.directory });
    expect(run.code, run.stderr).toBe(0);
    json = JSON.parse(fs.readFileSync(path.join(output, 'report.json'), 'utf8')) as { runs: RunReport[] };
    markdown = fs.readFileSync(path.join(output, 'report.md'), 'utf8');
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    await setup?.close();
  });

  it('has no verdict figure, and every instance in the table with its cost and time', () => {
    const [report] = json.runs;
    // Some candidates are empty (their verdict: not resolved), the others have none: the rates over the
    // empty ones alone used to read 0.0 %.
    expect(report!.verdicts.measured).toBe(0);
    expect(report!.verdicts.withVerdict).toBeGreaterThan(0);
    expect(report!.verdicts.withVerdict).toBeLessThan(report!.verdicts.candidates);
    for (const key of verdictKeys) expect(report!.scorecard.headline[key], key).toBeNull();
    expect(report!.instanceLines).toHaveLength(setup.dataset.instances.length);
    for (const line of report!.instanceLines) {
      expect(line.status).toBe('done');
      expect(line.costUsd).toBeGreaterThan(0);
      expect(line.stageTimeMs).toBeGreaterThan(0);
      expect(line.goldLineRecall).not.toBeNull();
      expect(line.chosenIsCandidate).toBe(true);
      expect(line.resolved === null || line.emptyPatch === true).toBe(true);
    }
    expect(markdown).toContain('| candidates applied | — |');
    // A real run records the time of its reward computations: measured, not unknown.
    expect(markdown).not.toContain('| reward computations, mean per instance | — |');
    for (const line of report!.instanceLines) expect(line.rewardTimeMs).toEqual(expect.any(Number));
    for (const line of report!.instanceLines) expect(markdown).toContain(`| \`${line.instanceId}\` | done | #${line.chosenSample} of ${line.candidates} |`);
  });
});
