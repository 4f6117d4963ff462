import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeWhenAvailable, locateSharedData } from '@codemonkeys/protocol/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SelectionOutcome } from '../src/select/run-selection';
import { runCli, type CliResult } from './support/run-cli';

const systems = ['20240402_sweagent_gpt4', '20240523_aider', '20240530_autocoderover-v20240408', '20240609_moatless_gpt4o'];
const data = locateSharedData(...systems.flatMap((system) => [`predictions-dev/${system}.jsonl`, `predictions-dev/${system}.resolved.json`]), 'swe-bench-lite.jsonl');
const predictionsOf = (system: string): string => data.paths[`predictions-dev/${system}.jsonl`]!;
const labelsOf = (system: string): string => data.paths[`predictions-dev/${system}.resolved.json`]!;

const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'codemonkeys-select-'));
afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));
const codemonkeys = (...args: string[]): Promise<CliResult> => runCli(args, { cwd: directory });
const outcomeOf = (result: CliResult): SelectionOutcome => {
  expect(result.stderr).not.toMatch(/at .*\.js:\d+/);
  return JSON.parse(result.stdout) as SelectionOutcome;
};

/** The four systems' labels and patches read straight from the files, for figures computed independently of the command. */
function expectedFigures(): { random: number; oracle: number; perSystem: Record<string, number>; resolvedOf: (instanceId: string, diff: string) => boolean } {
  const rows = systems.map((system) => ({
    system,
    resolved: new Set((JSON.parse(fs.readFileSync(labelsOf(system), 'utf8')) as { resolved: string[] }).resolved),
    patches: new Map(
      fs
        .readFileSync(predictionsOf(system), 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as { instance_id: string; model_patch: string | null })
        .map((row) => [row.instance_id, row.model_patch ?? ''] as const),
    ),
  }));
  const ids = [...new Set(rows.flatMap((row) => [...row.patches.keys()]))];
  let random = 0;
  let oracle = 0;
  for (const id of ids) {
    const candidates = rows.filter((row) => row.patches.has(id));
    const resolved = candidates.filter((row) => row.resolved.has(id)).length;
    random += resolved / candidates.length;
    if (resolved > 0) oracle += 1;
  }
  return {
    random: random / ids.length,
    oracle: oracle / ids.length,
    perSystem: Object.fromEntries(rows.map((row) => [row.system, row.resolved.size / ids.length])),
    // A chosen diff is resolved when a system that resolved the instance proposed exactly that diff.
    resolvedOf: (id, diff) => rows.some((row) => row.patches.get(id) === diff && row.resolved.has(id)),
  };
}

describeWhenAvailable('codemonkeys select over the predictions of four SWE-bench Lite systems (predictions-dev)', data, () => {
  let forward: SelectionOutcome;
  let forwardPredictions: string;
  beforeAll(async () => {
    const result = await codemonkeys(
      'select',
      '--predictions',
      ...systems.map(predictionsOf),
      '--selector',
      'vote',
      '--labels',
      ...systems.map(labelsOf),
      '--storage',
      'sqlite:./runs.db',
      '--output',
      'forward',
      '--json',
    );
    expect(result.code, result.stderr).toBe(0);
    forward = outcomeOf(result);
    forwardPredictions = fs.readFileSync(forward.files.predictions, 'utf8');
  }, 300_000);

  it('scores the vote against random, the best single system and the oracle, from the labels', () => {
    const expected = expectedFigures();
    const card = forward.scorecard;
    expect(card.instances).toBe(300);
    expect(card.instancesWithCandidates).toBe(300);
    expect(card.failedInstances).toBe(0);
    expect(card.random).toBeCloseTo(expected.random, 10);
    expect(card.oracle).toBeCloseTo(expected.oracle, 10);
    expect(card.oracle).toBeCloseTo(0.39, 10);
    // Best single system: aider resolved 79 of 300.
    expect(card.bestSource?.resolvedRate).toBeCloseTo(79 / 300, 10);
    expect(card.bestSource?.source).toMatch(/aider/);
    expect(card.sources.map((source) => source.resolvedRate).sort()).toEqual(Object.values(expected.perSystem).sort());
    // The chosen patches' rate, recomputed from the predictions written and the systems' own labels.
    const chosen = forwardPredictions
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { instance_id: string; model_patch: string });
    expect(chosen).toHaveLength(300);
    const resolved = chosen.filter((row) => expected.resolvedOf(row.instance_id, row.model_patch)).length;
    expect(card.selected).toBeCloseTo(resolved / 300, 10);
    expect(card.normalizedGain).toBeCloseTo((resolved / 300 - expected.random) / (expected.oracle - expected.random), 10);
    // Selection cost: no model, no container; times measured.
    expect(card.runtime.tokens).toEqual({ input: 0, output: 0 });
    expect(card.runtime.containers).toBe(0);
    expect(card.runtime.selectorMs).toBeGreaterThan(0);
    // Without a checkout the vote's applies check is off, and the record says why.
    expect(forward.degradations).toEqual([expect.objectContaining({ capability: 'workspace', options: { checkApplies: false } })]);
    expect(forward.environment.workspace).toMatch(/^none/);
    // Every choice names its source and its reason.
    expect(
      forward.choices.every((choice) => choice.status === 'selected' && choice.source !== null && choice.reason.length > 0 && choice.reason !== 'the selector gave no reason'),
    ).toBe(true);
  });

  it('makes the same choices when the files (and their labels) are given in another order', async () => {
    const reversed = [...systems].reverse();
    const result = await codemonkeys(
      'select',
      ...reversed.flatMap((system) => ['--predictions', predictionsOf(system)]),
      ...reversed.flatMap((system) => ['--labels', labelsOf(system)]),
      '--storage',
      'sqlite:./reordered.db',
      '--output',
      'reversed',
      '--json',
    );
    expect(result.code, result.stderr).toBe(0);
    const outcome = outcomeOf(result);
    expect(fs.readFileSync(outcome.files.predictions, 'utf8')).toBe(forwardPredictions);
    expect(outcome.choices.map((choice) => [choice.instanceId, choice.source, choice.chosen])).toEqual(
      forward.choices.map((choice) => [choice.instanceId, choice.source, choice.chosen]),
    );
    expect(outcome.scorecard.selected).toBe(forward.scorecard.selected);
    expect(outcome.runId).toBe(forward.runId);
  }, 300_000);

  it('is stored as a run that codemonkeys report and runs show, and can be a source itself', async () => {
    const report = await codemonkeys('report', forward.runId, '--storage', 'sqlite:./runs.db', '--format', 'json');
    expect(report.code, report.stderr).toBe(0);
    const text = report.stdout;
    expect(text).toContain(forward.runId);
    const runs = await codemonkeys('runs', '--storage', 'sqlite:./runs.db');
    expect(runs.code, runs.stderr).toBe(0);
    expect(runs.stdout).toContain(forward.runId);
    // The stored run's pooled candidates, with the labels stored beside them, are a source of a new selection.
    const again = await codemonkeys('select', '--run', forward.runId, '--storage', 'sqlite:./runs.db', '--output', 'from-run', '--run-id', 'from-run', '--json');
    expect(again.code, again.stderr).toBe(0);
    const outcome = outcomeOf(again);
    expect(outcome.sources).toEqual([expect.objectContaining({ name: `run:${forward.runId}`, kind: 'run', candidates: 1141 })]);
    expect(outcome.scorecard.oracle).toBeCloseTo(forward.scorecard.oracle!, 10);
    expect(outcome.scorecard.random).toBeCloseTo(forward.scorecard.random!, 10);
    // The same run named twice (directly and through its experiment) is read once and reported.
    const twice = await codemonkeys(
      'select',
      '--run',
      forward.runId,
      '--experiment',
      forward.experimentId,
      '--storage',
      'sqlite:./runs.db',
      '--output',
      'twice',
      '--run-id',
      'twice',
      '--json',
    );
    expect(twice.code, twice.stderr).toBe(0);
    const twiceOutcome = outcomeOf(twice);
    expect(twiceOutcome.sources).toHaveLength(1);
    expect(twiceOutcome.problems.duplicateSources).toEqual([expect.objectContaining({ source: `run:${forward.runId}`, reason: expect.stringMatching(/read once/) })]);
  }, 300_000);

  it('reports candidates of instances outside the dataset, and instances no source has a candidate for', async () => {
    const lite = data.paths['swe-bench-lite.jsonl']!;
    const extra = path.join(directory, 'extra.jsonl');
    const first = fs.readFileSync(predictionsOf(systems[1]!), 'utf8').split('\n')[0]!;
    fs.writeFileSync(
      extra,
      [first, JSON.stringify({ instance_id: 'nobody__nothing-1', model_name_or_path: 'extra', model_patch: '' })]
        .map((line) => line.replace(/"model_name_or_path":\s*"[^"]*"/, '"model_name_or_path": "extra"'))
        .join('\n') + '\n',
    );
    const result = await codemonkeys('select', '--predictions', extra, '--dataset', lite, '--storage', 'sqlite::memory:', '--output', 'extra', '--json');
    // A dataset without local clones would clone from GitHub; a selection with a dataset checks its ids before that.
    const outcome = outcomeOf(result);
    expect(outcome.problems.unknownInstanceIds).toEqual(['nobody__nothing-1']);
    expect(outcome.problems.instancesWithoutCandidates).toHaveLength(299);
    expect(outcome.scorecard.instances).toBe(300);
  }, 300_000);
});

describe('codemonkeys select: bad inputs', () => {
  const diff = (file: string, line: string): string => `diff --git a/${file} b/${file}\n--- a/${file}\n+++ b/${file}\n@@ -1 +1 @@\n-old\n+${line}\n`;

  it('names the file and the line of a malformed prediction and exits 2', async () => {
    const file = path.join(directory, 'broken.jsonl');
    fs.writeFileSync(
      file,
      `${JSON.stringify({ instance_id: 'a__a-1', model_name_or_path: 'm', model_patch: diff('x.py', 'new') })}\n{"instance_id": "a__a-2", "model_name_or_path": \n`,
    );
    const result = await codemonkeys('select', '--predictions', file, '--storage', 'sqlite::memory:', '--output', 'broken');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/broken\.jsonl:2: not valid JSON/);
    expect(result.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it('records a candidate that is not a diff as invalid, reports duplicate and empty sources, and never selects the invalid one', async () => {
    const one = path.join(directory, 'one.jsonl');
    const two = path.join(directory, 'two.json');
    const empty = path.join(directory, 'empty.json');
    const copy = path.join(directory, 'copy.jsonl');
    fs.writeFileSync(
      one,
      [
        { instance_id: 'a__a-1', model_name_or_path: 'one', model_patch: 'I would change x.py to return 2.' },
        { instance_id: 'a__a-2', model_name_or_path: 'one', model_patch: diff('y.py', 'one') },
      ]
        .map((row) => JSON.stringify(row))
        .join('\n'),
    );
    // SWE-agent's object keyed by instance id.
    fs.writeFileSync(
      two,
      JSON.stringify({ 'a__a-1': { model_name_or_path: 'two', model_patch: diff('x.py', 'two') }, 'a__a-2': { model_name_or_path: 'two', model_patch: diff('y.py', 'two') } }),
    );
    fs.writeFileSync(empty, JSON.stringify([{ instance_id: 'a__a-1', model_name_or_path: 'silent', model_patch: null }]));
    fs.copyFileSync(one, copy);
    const labels = path.join(directory, 'labels.json');
    fs.writeFileSync(labels, JSON.stringify(['a__a-1']));
    const result = await codemonkeys('select', '--predictions', one, two, empty, one, '--labels', `two=${labels}`, '--storage', 'sqlite:./bad.db', '--output', 'bad', '--json');
    expect(result.code, result.stderr).toBe(0);
    const outcome = outcomeOf(result);
    expect(outcome.problems.invalidCandidates).toEqual([{ instanceId: 'a__a-1', source: 'one', reason: expect.stringMatching(/not a unified diff/) }]);
    expect(outcome.problems.duplicateSources).toEqual([{ source: one, reason: expect.stringMatching(/given twice/) }]);
    expect(outcome.problems.emptySources).toEqual([{ source: 'silent', reason: expect.stringMatching(/empty patch/) }]);
    const first = outcome.choices.find((choice) => choice.instanceId === 'a__a-1')!;
    expect(first.candidates.find((candidate) => candidate.source === 'one')).toEqual(expect.objectContaining({ status: 'invalid' }));
    expect(first.source).not.toBe('one');
    // Labels of one source only: the other sources' candidates are unknown, so random and oracle are too.
    expect(outcome.sources.find((source) => source.name === 'two')?.labelsFrom).toBe(labels);
    expect(outcome.scorecard.random).toBeNull();

    // A copy of a source under another name has the same candidates: left out, reported.
    const withCopy = await codemonkeys('select', '--predictions', one, copy.replace('copy', 'copy'), '--storage', 'sqlite::memory:', '--output', 'copy', '--json');
    expect(withCopy.code, withCopy.stderr).toBe(0);
    // Same model name in both files: each qualified by its file's name.
    const copyOutcome = outcomeOf(withCopy);
    expect(copyOutcome.sources.map((source) => source.name)).toEqual(['copy.jsonl/one']);
    expect(copyOutcome.problems.duplicateSources).toEqual([{ source: 'one.jsonl/one', reason: expect.stringMatching(/same candidates as copy\.jsonl\/one/) }]);
  });

  it('refuses to run without any source, and an unknown selector with the usage code', async () => {
    const none = await codemonkeys('select', '--storage', 'sqlite::memory:');
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/give candidates/);
    const file = path.join(directory, 'fine.jsonl');
    fs.writeFileSync(file, `${JSON.stringify({ instance_id: 'a__a-1', model_name_or_path: 'm', model_patch: diff('x.py', 'new') })}\n`);
    const unknown = await codemonkeys('select', '--predictions', file, '--selector', 'no-such-selector', '--storage', 'sqlite::memory:', '--output', 'unknown');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no-such-selector/);
    const missingRun = await codemonkeys('select', '--run', 'nope', '--storage', 'sqlite::memory:', '--output', 'missing');
    expect(missingRun.code).toBe(2);
    expect(missingRun.stderr).toMatch(/No run "nope"/);
  });
});
