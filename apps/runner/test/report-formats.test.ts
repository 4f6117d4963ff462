import { InMemorySequenceStorage, NotFoundError, type ResolvedPlugin, type RewardRecord, type StageResultRecord } from '@codemonkeys/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { collectReports, reportFormat } from '../src/commands/report-command';
import { collectRunReport, type RunReport } from '../src/report/collect-run-report';
import { formatHtmlReport } from '../src/report/format-html-report';
import { formatJsonReport } from '../src/report/format-json-report';
import { formatMarkdownReport } from '../src/report/format-markdown-report';
import { formatTerminalReport } from '../src/report/format-terminal-report';
import { reportRows } from '../src/report/report-rows';
import { groupedBarChart, stackedBarChart } from '../src/report/svg-charts';

/**
 * The report formats over two runs stored in core's in-memory storage with known figures: an ablation
 * whose first run resolved more candidates, measured similarity only in one run, and failed one instance.
 */

const experimentId = 'ablation-0123456789';
const createdAt = '2026-01-02T03:04:05.000Z';
// Ids in the opposite order of the sweep: the report must follow the sweep, not the ids.
const firstRunId = `${experimentId}-zz`;
const secondRunId = `${experimentId}-aa`;
const firstLabel = 'generator.samples=1';
const secondLabel = 'generator.samples=2 | <b>bold</b>';

const plugins = (samples: number): ResolvedPlugin[] => [
  { stage: 'localize.0', name: '@codemonkeys/localizer-agentless', version: '0.1.0', specificationVersion: 'v1', options: { include: ['a|b'] } },
  { stage: 'localize.1', name: '@codemonkeys/localizer-embedding', version: '0.1.0', specificationVersion: 'v1', options: {} },
  { stage: 'generate', name: '@codemonkeys/generator-llm', version: '0.1.0', specificationVersion: 'v1', options: { samples } },
  { stage: 'select', name: '@codemonkeys/selector-vote', version: '0.1.0', specificationVersion: 'v1', options: {} },
];

const stage = (runId: string, instanceId: string, name: string, durationMs: number, output: unknown, status: StageResultRecord['status'] = 'ok'): StageResultRecord => ({
  runId,
  instanceId,
  stage: name,
  sample: 0,
  status,
  output,
  ...(status === 'failed' ? { error: { name: 'CheckoutError', message: 'no commit ffff\nsecond line' } } : {}),
  startedAt: '2026-01-02T03:05:00.000Z',
  finishedAt: new Date(Date.parse('2026-01-02T03:05:00.000Z') + durationMs).toISOString(),
  durationMs,
  metadata: {},
});

const reward = (runId: string, instanceId: string, name: string, stageName: string, sample: number, value: number | null): RewardRecord => ({
  runId,
  instanceId,
  stage: stageName,
  sample,
  name,
  value,
  details: {},
  createdAt,
});

async function storedAblation(): Promise<InMemorySequenceStorage> {
  const storage = new InMemorySequenceStorage();
  await storage.putExperiment({ id: experimentId, name: 'ablation', config: {}, configHash: 'c'.repeat(64), plugins: plugins(1), createdAt });
  for (const [index, runId, label, samples] of [
    [0, firstRunId, firstLabel, 1],
    [1, secondRunId, secondLabel, 2],
  ] as const) {
    await storage.putRun({
      id: runId,
      experimentId,
      hypers: {},
      status: index === 0 ? 'failed' : 'completed',
      createdAt,
      updatedAt: createdAt,
      metadata: { label, sweepIndex: index, overrides: { 'generator.samples': samples }, plugins: plugins(samples), instanceIds: ['demo__one-1', 'demo__two-2'] },
    });
  }
  // First run: instance one done (1 candidate, resolved), instance two failed at checkout.
  await storage.putStageResults([
    stage(firstRunId, 'demo__one-1', 'localize', 1000, { content: [] }),
    stage(firstRunId, 'demo__one-1', 'generate', 4000, [{ diff: 'x' }]),
    stage(firstRunId, 'demo__one-1', 'select', 0, { diff: 'diff --git a/x b/x\n' }),
    stage(firstRunId, 'demo__two-2', 'localize', 0, null, 'failed'),
    stage(secondRunId, 'demo__one-1', 'localize', 2000, { content: [] }),
    stage(secondRunId, 'demo__one-1', 'generate', 6000, [{ diff: 'x' }, { diff: 'y' }]),
    stage(secondRunId, 'demo__one-1', 'select', 0, { diff: 'diff --git a/x b/x\n' }),
    stage(secondRunId, 'demo__two-2', 'localize', 4000, { content: [] }),
    stage(secondRunId, 'demo__two-2', 'generate', 8000, [{ diff: 'x' }, { diff: '' }]),
    stage(secondRunId, 'demo__two-2', 'select', 0, { diff: '' }),
  ]);
  await storage.putWorkState({ runId: firstRunId, instanceId: 'demo__one-1', key: 'instance', state: { status: 'done', attempts: 1 }, updatedAt: createdAt });
  await storage.putWorkState({
    runId: firstRunId,
    instanceId: 'demo__two-2',
    key: 'instance',
    state: { status: 'failed', attempts: 2, error: { name: 'CheckoutError', message: 'no commit ffff\nsecond line' } },
    updatedAt: createdAt,
  });
  await storage.putWorkState({ runId: secondRunId, instanceId: 'demo__one-1', key: 'instance', state: { status: 'done', attempts: 1 }, updatedAt: createdAt });
  await storage.putWorkState({ runId: secondRunId, instanceId: 'demo__two-2', key: 'instance', state: { status: 'done', attempts: 1 }, updatedAt: createdAt });
  await storage.putRewards([
    reward(firstRunId, 'demo__one-1', 'gold-line-recall', 'localize', 0, 0.5),
    reward(firstRunId, 'demo__one-1', 'resolved', 'generate', 0, 1),
    reward(firstRunId, 'demo__one-1', 'similarity', 'generate', 0, 0.8),
    reward(firstRunId, 'demo__one-1', 'resolved', 'select', 0, 1),
    reward(secondRunId, 'demo__one-1', 'gold-line-recall', 'localize', 0, 1),
    reward(secondRunId, 'demo__two-2', 'gold-line-recall', 'localize', 0, 0.5),
    reward(secondRunId, 'demo__one-1', 'resolved', 'generate', 0, 1),
    reward(secondRunId, 'demo__one-1', 'resolved', 'generate', 1, 0),
    reward(secondRunId, 'demo__two-2', 'resolved', 'generate', 0, 0),
    reward(secondRunId, 'demo__two-2', 'resolved', 'generate', 1, 0),
    reward(secondRunId, 'demo__one-1', 'resolved', 'select', 0, 1),
    reward(secondRunId, 'demo__two-2', 'resolved', 'select', 0, 0),
  ]);
  return storage;
}

const rowValues = (reports: readonly RunReport[], label: string): string[] | undefined => reportRows(reports).find((row) => row.label === label)?.values;

describe('report: collecting runs', () => {
  let storage: InMemorySequenceStorage;
  beforeAll(async () => {
    storage = await storedAblation();
  });

  it('lists the runs of an experiment in the order of its sweep (they share a creation time), after the runs named', async () => {
    expect((await collectReports(storage, [], experimentId)).map((report) => report.runId)).toEqual([firstRunId, secondRunId]);
    expect((await collectReports(storage, [secondRunId], experimentId)).map((report) => report.runId)).toEqual([secondRunId, firstRunId]);
  });

  it('names the storage an unknown run was looked for in', async () => {
    const error = await collectRunReport(storage, 'no-such-run', { storageUrl: 'sqlite:./runs.db' }).catch((caught: unknown) => caught);
    expect(NotFoundError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe('No run "no-such-run" in sqlite:./runs.db. List the runs with `codemonkeys runs --storage sqlite:./runs.db`.');
  });

  it('collects per-instance outcomes: candidates, resolved candidates, the chosen patch, the failure', async () => {
    const [first, second] = await collectReports(storage, [], experimentId);
    expect(first!.instances).toEqual({ total: 2, done: 1, failed: 1, partial: 0, pending: 0 });
    const unknown = { chosenSample: null, chosenIsCandidate: null, costUsd: null, rewardTimeMs: null };
    expect(first!.instanceLines).toEqual([
      {
        ...unknown,
        instanceId: 'demo__one-1',
        status: 'done',
        candidates: 1,
        candidatesWithVerdict: 1,
        resolvedCandidates: 1,
        resolved: true,
        emptyPatch: false,
        goldLineRecall: 0.5,
        stageTimeMs: 5000,
      },
      {
        ...unknown,
        instanceId: 'demo__two-2',
        status: 'failed',
        candidates: null,
        candidatesWithVerdict: null,
        resolvedCandidates: null,
        resolved: null,
        emptyPatch: null,
        goldLineRecall: null,
        stageTimeMs: 0,
        error: 'CheckoutError: no commit ffff',
      },
    ]);
    expect(second!.instanceLines[1]).toEqual({
      ...unknown,
      instanceId: 'demo__two-2',
      status: 'done',
      candidates: 2,
      candidatesWithVerdict: 2,
      resolvedCandidates: 0,
      resolved: false,
      emptyPatch: true,
      goldLineRecall: 0.5,
      stageTimeMs: 12_000,
    });
    expect(second!.stageTimes.map((time) => [time.stage, time.count, time.meanMs])).toEqual([
      ['localize', 2, 3000],
      ['generate', 2, 7000],
      ['select', 2, 0],
    ]);
    expect(first!.stageTimes.find((time) => time.stage === 'localize')).toMatchObject({ count: 1, failed: 1, meanMs: 1000 });
  });
});

describe('report formats', () => {
  let reports: RunReport[];
  beforeAll(async () => {
    reports = await collectReports(await storedAblation(), [], experimentId);
  });

  it('rows: the scorecard side by side, unknown figures as —, unmeasured metrics left out', () => {
    expect([...new Set(reportRows(reports).map((row) => row.section))]).toEqual(['run', 'localization', 'generation', 'selection', 'cost', 'time']);
    expect(rowValues(reports, 'run id')).toEqual([firstRunId, secondRunId]);
    expect(rowValues(reports, 'localizer')).toEqual(['agentless@0.1.0 + embedding@0.1.0', 'agentless@0.1.0 + embedding@0.1.0']);
    expect(rowValues(reports, 'instances done / failed / partial / total')).toEqual(['1 / 1 / 0 / 2', '2 / 0 / 0 / 2']);
    expect(rowValues(reports, 'gold-line recall')).toEqual(['50.0%', '75.0%']);
    expect(rowValues(reports, 'candidates')).toEqual(['1', '4']);
    expect(rowValues(reports, 'candidates resolved')).toEqual(['100.0%', '25.0%']);
    expect(rowValues(reports, 'instances with a resolved candidate (oracle)')).toEqual(['100.0%', '50.0%']);
    expect(rowValues(reports, 'similarity to gold (Levenshtein)')).toEqual(['0.800', '—']);
    expect(rowValues(reports, 'chosen patch resolved')).toEqual(['100.0%', '50.0%']);
    expect(rowValues(reports, 'gold lines covered by generated tests')).toBeUndefined();
    expect(rowValues(reports, 'localize (fusion), mean per instance')).toEqual(['1.0 s', '3.0 s']);
    expect(rowValues(reports, 'generate, mean per instance')).toEqual(['4.0 s', '7.0 s']);
    expect(rowValues(reports, 'cost')).toEqual(['$0.0000', '$0.0000']);
  });

  it('a run shown twice is titled by its id, not by a label it shares', () => {
    const twice = [reports[0]!, { ...reports[0]!, runId: 'other-run' }];
    expect(formatTerminalReport(twice)).toContain('other-run');
    expect(formatMarkdownReport(twice).split('\n')[2]).toBe(`| | ${firstRunId} | other-run |`);
  });

  it('terminal: one column per run, no colour codes unless asked', () => {
    const text = formatTerminalReport(reports);
    expect(text).not.toContain('\u001b[');
    expect(formatTerminalReport(reports, { color: true })).toContain('\u001b[');
    const lines = text.slice(0, text.indexOf('\n— is unknown')).trimEnd().split('\n');
    // A well-formed table: every line as wide as the first.
    expect(new Set(lines.map((line) => line.length)).size).toBe(1);
    const header = lines[1]!;
    expect(header.indexOf(firstLabel)).toBeLessThan(header.indexOf('generator.samples=2'));
    const recall = lines.find((line) => line.includes('gold-line recall'))!;
    expect(recall.indexOf('50.0%')).toBeLessThan(recall.indexOf('75.0%'));
    expect(lines.find((line) => line.includes('similarity to gold'))).toContain('—');
    // Each run's instances below, the failed one first, with its failure.
    const instances = text.slice(text.indexOf(`instances of ${firstLabel}: 1 done, 1 failed, 0 partial, 0 pending`));
    expect(instances.split('\n')[4]).toMatch(/^│ demo__two-2 │ failed +│ — +│ — +│ — +│ — +│ 0\.0 s │ CheckoutError: no commit ffff │$/);
  });

  it('Markdown: a well-formed table (pipes in values escaped), plugins, failures', () => {
    const text = formatMarkdownReport(reports, { title: 'Ablation' });
    const lines = text.split('\n');
    expect(lines[0]).toBe('# Ablation');
    const table = lines.slice(2, lines.indexOf('', 2));
    // Pipes escaped, and `<` as an entity so that GitHub shows the label instead of rendering it.
    expect(table[0]).toBe(`| | ${firstLabel} | generator.samples=2 \\| &lt;b>bold&lt;/b> |`);
    expect(text).toContain('## generator.samples=2 | &lt;b>bold&lt;/b>\n');
    // A label column and two runs: five pieces between and around the unescaped pipes.
    const cells = (line: string) => line.replaceAll('\\|', '').split('|').length;
    for (const line of table) expect(cells(line), line).toBe(5);
    expect(table).toContain('| gold-line recall | 50.0% | 75.0% |');
    expect(table).toContain('| similarity to gold (Levenshtein) | 0.800 | — |');
    expect(text).toContain('| localize.0 | @codemonkeys/localizer-agentless | 0.1.0 | v1 | `{"include":["a\\|b"]}` |');
    expect(text).toContain(
      '### Instances (1 done, 1 failed, 0 partial, 0 pending)\n\n| instance | outcome | chosen | verdict | gold-line recall | cost | time | failure |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n' +
        '| `demo__one-1` | done | — | resolved | 50.0% | — | 5.0 s |  |\n| `demo__two-2` | failed | — | — | — | — | 0.0 s | CheckoutError: no commit ffff |\n',
    );
  });

  it("JSON: every run's full report, as collected", () => {
    const parsed = JSON.parse(formatJsonReport(reports)) as { schemaVersion: number; generatedBy: { name: string }; runs: unknown[] };
    expect(parsed.schemaVersion).toBe(1);
    expect(parsed.generatedBy.name).toBe('@codemonkeys/runner');
    expect(parsed.runs).toEqual(JSON.parse(JSON.stringify(reports)));
  });

  it('HTML: escaped text, n/a for a figure one run lacks, unmeasured metrics named, instance outcomes', () => {
    const html = formatHtmlReport(reports);
    expect(html).not.toContain('<b>bold</b>');
    expect(html).toContain('generator.samples=2 | &lt;b&gt;bold&lt;/b&gt;');
    expect(html).not.toMatch(/NaN|Infinity|undefined/);
    const similarity = html.slice(html.indexOf('id="chart-similarity"'), html.indexOf('</figure>', html.indexOf('id="chart-similarity"')));
    expect(similarity).toContain(`data-series="${firstLabel}" data-group="similarity (Levenshtein)" data-value="0.8"`);
    expect(similarity).toContain('>n/a</text>');
    const scores = html.slice(html.indexOf('id="chart-scores"'), html.indexOf('</figure>', html.indexOf('id="chart-scores"')));
    expect(scores).toContain('data-group="candidates resolved" data-value="0.25"');
    expect(scores).toMatch(/Not measured in these runs: [^<]*gold lines covered by tests/);
    expect(scores).not.toContain('data-group="gold lines covered by tests"');
    expect(html).toContain('<td class="no" title="CheckoutError: no commit ffff">failed</td>');
    expect(html).toContain('✓ resolved · 1/2 candidates resolved');
    expect(html).toContain('✗ not resolved · 0/2 candidates resolved');
  });
});

describe('report: command helpers and charts', () => {
  it('takes the format from --format, else from the --output extension, else the table', () => {
    expect(reportFormat(undefined, undefined)).toBe('table');
    expect(reportFormat(undefined, 'out/report.HTML')).toBe('html');
    expect(reportFormat(undefined, 'report.md')).toBe('markdown');
    expect(reportFormat(undefined, 'report.json')).toBe('json');
    expect(reportFormat(undefined, 'report.txt')).toBe('table');
    expect(reportFormat('json', 'report.html')).toBe('json');
  });

  it('charts stay finite with zero, unknown or no values', () => {
    const zero = groupedBarChart({
      title: 'cost',
      groups: ['cost'],
      series: [
        { name: 'a', values: [0] },
        { name: 'b', values: [null] },
      ],
      format: String,
    });
    expect(zero).not.toMatch(/NaN|Infinity/);
    expect(zero).toContain('>n/a</text>');
    expect(groupedBarChart({ title: 'nothing', groups: [], series: [], format: String })).not.toMatch(/NaN|Infinity/);
    expect(stackedBarChart({ title: 'time', bars: ['a'], segments: [{ name: 'generate', values: [0] }], format: String })).not.toMatch(/NaN|Infinity/);
  });

  it('grouped bars are as tall as their value against the axis maximum, and labelled only where the label fits', () => {
    const svg = groupedBarChart({
      title: 'scores',
      groups: ['recall'],
      series: [
        { name: 'a', values: [0.5] },
        { name: 'b', values: [1] },
      ],
      max: 1,
      format: (value) => `${value * 100}%`,
      width: 400,
      height: 400,
    });
    const heights = [...svg.matchAll(/<rect class="bar"[^>]* height="([\d.]+)"/g)].map((match) => Number(match[1]));
    expect(heights).toHaveLength(2);
    expect(heights[0]! * 2).toBeCloseTo(heights[1]!, 0);
    expect(svg).toContain('>50%</text>');
    const crowded = groupedBarChart({
      title: 'scores',
      groups: ['recall'],
      series: Array.from({ length: 10 }, (_, index) => ({ name: `run ${index}`, values: [0.123456] })),
      max: 1,
      format: (value) => value.toFixed(6),
      width: 300,
    });
    expect(crowded).not.toContain('>0.123456</text>');
    expect(crowded).toContain('<title>run 0 · recall: 0.123456</title>');
  });
});
