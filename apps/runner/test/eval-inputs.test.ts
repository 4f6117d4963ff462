import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { toSweBenchRecord } from '@codemonkeys/protocol';
import { describeWhenAvailable } from '@codemonkeys/protocol/testkit';
import { dockerAvailability } from '@codemonkeys/sandbox-docker/testing';
import { RunReportSchema, type InstanceReport } from '@codemonkeys/swebench';
import { createFixtureRepository, fixtureEnvironmentSpec, unifiedDiffOf, type FixtureRepository } from '@codemonkeys/swebench/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pathSegmentOf, uniqueSegments } from '../src/evaluation/evaluation-layout';
import { runCli, type CliResult } from './support/run-cli';

const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'codemonkeys-eval-inputs-'));
const codemonkeys = (...args: string[]): Promise<CliResult> => runCli(args, { cwd: directory });
const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, 'utf8')) as T;
const writeJsonl = (file: string, rows: readonly object[]): string => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, rows.map((row) => JSON.stringify(row)).join('\n') + '\n');
  return file;
};
/** Every file and folder under `root`, relative to it. */
const walk = (root: string): string[] =>
  fs.readdirSync(root, { withFileTypes: true }).flatMap((entry) => {
    const relative = entry.name;
    return entry.isDirectory() ? [relative, ...walk(path.join(root, relative)).map((inner) => path.join(relative, inner))] : [relative];
  });

interface Outcome {
  runId: string;
  runDirectory: string;
  repeat: number;
  evaluated: number;
  resumed: number;
  reports: Array<{
    model: string;
    source: string;
    directory: string;
    file: string;
    report: ReturnType<typeof RunReportSchema.parse> & {
      flaky_ids?: string[];
      verdict_unknown_ids?: string[];
      flaky_verdicts?: Record<string, string[]>;
      not_in_dataset_ids?: string[];
    };
    flaky: Array<{ instanceId: string; verdicts: string[]; verdict: string }>;
    notInDataset: string[];
  }>;
}

describe('eval folder names: path-safe, confined, unique', () => {
  it('keeps plain names and SWE-bench model folders, and turns everything else into one plain name with a hash', () => {
    expect(pathSegmentOf('django__django-11099')).toBe('django__django-11099');
    expect(pathSegmentOf('org/model-a', { slashes: 'swe-bench' })).toBe('org__model-a');
    const hostile = ['..', '.', '/', 'a/../../b', 'a\0b', '.hidden', 'environment-check', 'x'.repeat(300), 'é'.repeat(200), ''];
    for (const name of hostile) {
      for (const options of [{}, { slashes: 'swe-bench' as const }]) {
        const segment = pathSegmentOf(name, options);
        expect(segment, JSON.stringify(name)).toMatch(/^[A-Za-z0-9_][A-Za-z0-9._-]*$/);
        expect(Buffer.byteLength(segment)).toBeLessThanOrEqual(100);
        expect(path.join('/run', segment, 'x')).toBe(`/run/${segment}/x`);
      }
    }
    // Names that differ only in what sanitization replaces keep apart.
    expect(pathSegmentOf('a\0b')).not.toBe(pathSegmentOf('a b'));
    expect(pathSegmentOf('x'.repeat(300))).not.toBe(pathSegmentOf(`${'x'.repeat(299)}y`));
    // `q/r` and `q__r` are one SWE-bench folder name; in one run they get two.
    const names = uniqueSegments(
      ['q/r', 'q__r', 'Q__R', 'other'],
      (model) => pathSegmentOf(model, { slashes: 'swe-bench' }),
      (model) => model,
    );
    expect(new Set([...names.values()].map((name) => name.toLowerCase())).size).toBe(4);
    expect(names.get('other')).toBe('other');
  });
});

describe('codemonkeys eval: inputs refused before any work (exit 2)', () => {
  let fixture: FixtureRepository;
  let dataset: string;
  let common: string[];
  let wordCount: string;
  let stats: string;

  beforeAll(async () => {
    fixture = await createFixtureRepository({ instances: ['word-count', 'sentence-stats'] });
    wordCount = fixture.instance('word-count').instanceId;
    stats = fixture.instance('sentence-stats').instanceId;
    dataset = path.join(directory, 'refusals-dataset.jsonl');
    writeJsonl(
      dataset,
      fixture.instances.map((instance) => toSweBenchRecord(instance)),
    );
    common = ['--dataset', dataset, '--output', path.join(directory, 'refusals-out'), '--repository', `${fixture.repo}=${fixture.root}`];
  }, 60_000);

  afterAll(async () => {
    await fixture?.cleanup();
  });

  const expectNothingWritten = (): void => expect(fs.existsSync(path.join(directory, 'refusals-out'))).toBe(false);

  it('an --instances glob that matches nothing names the glob, also beside one that matches', async () => {
    for (const selection of [
      ['--instances', 'nothing-*'],
      ['--instances', `${wordCount},nothing-*`],
      ['--instances', 'codemonkeys*', '--instances', 'typo?'],
    ]) {
      const result = await codemonkeys('eval', ...common, '--predictions', 'gold', ...selection);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(/^error: --instances "(nothing-\*|typo\?)" matched no instance of .*refusals-dataset\.jsonl \(2 instance\(s\)/m);
    }
    // An exact id that is not in the dataset, too.
    const unknown = await codemonkeys('eval', ...common, '--predictions', 'gold', '--instances', 'nope__nope-1');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/not in the dataset: nope__nope-1/);
    expectNothingWritten();
  });

  it('a predictions path or pattern that matches nothing, and the same file twice', async () => {
    const missing = await codemonkeys('eval', ...common, '--predictions', path.join(directory, 'no-such-run', '*.jsonl'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`${path.join(directory, 'no-such-run', '*.jsonl')}: matches no file`);
    const file = writeJsonl(path.join(directory, 'twice.jsonl'), [{ instance_id: wordCount, model_name_or_path: 'm', model_patch: '' }]);
    const twice = await codemonkeys('eval', ...common, '--predictions', file, '--predictions', path.relative(directory, file));
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/--predictions twice\.jsonl is given twice \(as .*twice\.jsonl\)/);
    expectNothingWritten();
  });

  it('the same model predicting one instance twice names the file and both lines', async () => {
    const file = writeJsonl(path.join(directory, 'duplicates.jsonl'), [
      { instance_id: wordCount, model_name_or_path: 'org/a', model_patch: '' },
      { instance_id: wordCount, model_name_or_path: 'org/b', model_patch: '' },
      { instance_id: wordCount, model_name_or_path: 'org/a', model_patch: null },
    ]);
    const result = await codemonkeys('eval', ...common, '--predictions', file);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`error: ${file}:3: the model "org/a" has two predictions for instance "${wordCount}" (line 1 and line 3)`);
    const array = path.join(directory, 'duplicates.json');
    fs.writeFileSync(
      array,
      JSON.stringify([
        { instance_id: stats, model_name_or_path: 'm' },
        { instance_id: wordCount, model_name_or_path: 'm' },
        { instance_id: stats, model_name_or_path: 'm' },
      ]),
    );
    const fromArray = await codemonkeys('eval', ...common, '--predictions', array);
    expect(fromArray.code).toBe(2);
    expect(fromArray.stderr).toContain(`error: ${array}: the model "m" has two predictions for instance "${stats}" (element 0 and element 2)`);
    expectNothingWritten();
  });

  it('a predictions file with no instance of the dataset, and predictions with none in the selection', async () => {
    const foreign = writeJsonl(path.join(directory, 'foreign.jsonl'), [
      { instance_id: 'django__django-11099', model_name_or_path: 'm', model_patch: 'diff' },
      { instance_id: 'sympy__sympy-20590', model_name_or_path: 'm', model_patch: 'diff' },
    ]);
    const result = await codemonkeys('eval', ...common, '--predictions', foreign);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${foreign}: none of its 2 prediction(s) is for an instance of the dataset ${dataset} (django__django-11099, sympy__sympy-20590)`);

    const onlyWords = writeJsonl(path.join(directory, 'only-words.jsonl'), [{ instance_id: wordCount, model_name_or_path: 'm', model_patch: 'diff' }]);
    const outside = await codemonkeys('eval', ...common, '--predictions', onlyWords, '--instances', stats);
    expect(outside.code).toBe(2);
    expect(outside.stderr).toMatch(/No prediction of .*only-words\.jsonl is for an instance that --instances selects/);
    expectNothingWritten();
  });

  it('run ids that are not one plain folder name, and invalid --containers and --repeat', async () => {
    for (const runId of ['..', 'a/../../b', '/tmp/x', '.hidden', 'r'.repeat(101)]) {
      const result = await codemonkeys('eval', ...common, '--predictions', 'gold', '--run-id', runId);
      expect(result.code, runId).toBe(2);
      expect(result.stderr).toMatch(/--run-id: A run id holds letters, digits/);
    }
    for (const [flags, message] of [
      [['--containers', '0'], /containers.*must be positive/],
      [['--containers', '2', '--concurrency', '3'], /--concurrency is the older name of --containers; give one of them/],
      [['--repeat', '0'], /repeat.*must be positive/],
      [['--repeat', '1.5'], /repeat.*whole number/],
      [['--repeat', '2', '--check-spec'], /--repeat evaluates predictions; leave it out with --check-spec/],
    ] as const) {
      const result = await codemonkeys('eval', ...common, ...((flags as readonly string[]).includes('--check-spec') ? [] : ['--predictions', 'gold']), ...flags);
      expect(result.code, flags.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
    }
    expect(fs.readdirSync(directory).filter((name) => !/\.jsonl?$/.test(name) && name !== 'refusals-out')).toEqual([]);
    expectNothingWritten();
  });
});

const docker = await dockerAvailability();

describeWhenAvailable('codemonkeys eval in Docker: several models and files, hostile names, --repeat, --containers', docker, () => {
  let fixture: FixtureRepository;
  let dataset: string;
  let common: string[];
  let wordCount: string;
  let stats: string;
  let noFix: string;
  const output = path.join(directory, 'docker-out');

  beforeAll(async () => {
    fixture = await createFixtureRepository({ instances: ['word-count', 'sentence-stats'] });
    wordCount = fixture.instance('word-count').instanceId;
    stats = fixture.instance('sentence-stats').instanceId;
    noFix = fixture.candidates(wordCount).find((candidate) => candidate.name === 'no-fix')!.diff;
    dataset = path.join(directory, 'docker-dataset.jsonl');
    writeJsonl(
      dataset,
      fixture.instances.map((instance) => toSweBenchRecord(instance)),
    );
    const specFile = path.join(directory, 'fixture-specs.json');
    fs.writeFileSync(specFile, JSON.stringify([fixtureEnvironmentSpec()]));
    common = [
      '--dataset',
      dataset,
      '--spec-file',
      specFile,
      '--repository',
      `${fixture.repo}=${fixture.root}`,
      '--cache-dir',
      path.join(directory, 'repositories'),
      '--output',
      output,
      '--timeout',
      '60',
    ];
  }, 60_000);

  afterAll(async () => {
    await fixture?.cleanup();
    fs.rmSync(directory, { recursive: true, force: true });
  });

  it('evaluates and reports each (file, model) on its own, hostile model names inside the run folder, predictions outside the dataset named', async () => {
    const gold = fixture.instance('word-count').patch;
    const models: Array<[string, string]> = [
      ['org/model-a', gold],
      ['org/model-b', noFix],
      ['..', gold],
      ['/', noFix],
      ['a/../../b', gold],
      ['evil\0name', noFix],
      ['x'.repeat(300), gold],
      ['é'.repeat(200), noFix],
      ['q/r', gold],
      ['q__r', noFix],
    ];
    const first = writeJsonl(path.join(directory, 'runs', 'first', 'all_preds.jsonl'), [
      ...models.map(([model, patch]) => ({ instance_id: wordCount, model_name_or_path: model, model_patch: patch })),
      { instance_id: 'nope__nope-1', model_name_or_path: 'org/model-a', model_patch: gold },
      { instance_id: stats, model_name_or_path: 'org/model-b', model_patch: null },
    ]);
    // Another run of the same name, in a file of the same name (public runs are laid out like that).
    const second = writeJsonl(path.join(directory, 'runs', 'second', 'all_preds.jsonl'), [{ instance_id: wordCount, model_name_or_path: 'org/model-a', model_patch: noFix }]);
    const before = fs.readdirSync(directory).sort();
    const result = await codemonkeys(
      'eval',
      ...common,
      '--predictions',
      first,
      '--predictions',
      second,
      '--instances',
      wordCount,
      '--run-id',
      'many-models',
      '--containers',
      '2',
      '--json',
    );
    expect(result.code, result.stderr).toBe(0);
    const outcome = JSON.parse(result.stdout) as Outcome;
    expect(outcome.evaluated).toBe(11);
    expect(outcome.reports).toHaveLength(11);
    const runDirectory = path.join(output, 'many-models');
    expect(outcome.runDirectory).toBe(runDirectory);

    // Each key its own folder and report, with its own verdict.
    const expected = [...models.map(([model, patch]) => ({ source: first, model, resolved: patch === gold })), { source: second, model: 'org/model-a', resolved: false }];
    const directories = new Set<string>();
    for (const { source, model, resolved } of expected) {
      const entry = outcome.reports.find((report) => report.source === source && report.model === model);
      expect(entry, JSON.stringify(model)).toBeDefined();
      expect(entry!.report.resolved_ids).toEqual(resolved ? [wordCount] : []);
      expect(entry!.report.unresolved_ids).toEqual(resolved ? [] : [wordCount]);
      expect(path.dirname(entry!.file)).toBe(runDirectory);
      expect(RunReportSchema.parse(readJson(entry!.file))).toMatchObject({ resolved_instances: resolved ? 1 : 0, total_instances: 1 });
      const instanceReport = readJson<Record<string, InstanceReport>>(path.join(runDirectory, entry!.directory, wordCount, 'report.json'))[wordCount];
      expect(instanceReport).toMatchObject({ resolved });
      expect(fs.readFileSync(path.join(runDirectory, entry!.directory, wordCount, 'patch.diff'), 'utf8')).toBe(resolved ? gold : noFix);
      expect(Buffer.byteLength(path.basename(entry!.file))).toBeLessThanOrEqual(255);
      directories.add(entry!.directory.toLowerCase());
    }
    expect(directories.size).toBe(11);
    const byModel = (source: string, model: string) => outcome.reports.find((report) => report.source === source && report.model === model)!;
    // A model found in one file keeps SWE-bench's folder name; one found in two is qualified by the file (and, with the same file name, a hash).
    expect(byModel(first, 'org/model-b').directory).toBe('org__model-b');
    expect(byModel(first, 'org/model-a').directory).toMatch(/^all_preds--org__model-a-[0-9a-f]{8}$/);
    expect(byModel(second, 'org/model-a').directory).toMatch(/^all_preds--org__model-a-[0-9a-f]{8}$/);
    expect(byModel(first, 'q/r').directory).not.toBe(byModel(first, 'q__r').directory);
    // The prediction for an instance the dataset does not have is named, in the outcome and the run report.
    expect(byModel(first, 'org/model-a').notInDataset).toEqual(['nope__nope-1']);
    expect(byModel(first, 'org/model-a').report.not_in_dataset_ids).toEqual(['nope__nope-1']);
    expect(result.stderr).toMatch(/org\/model-a \(.*first\/all_preds\.jsonl\): 1 prediction\(s\) for instances not in .*docker-dataset\.jsonl, not evaluated: nope__nope-1/);

    // Nothing was written outside the run folder.
    expect(fs.readdirSync(output)).toEqual(['many-models']);
    expect(
      fs
        .readdirSync(directory)
        .filter((name) => !before.includes(name))
        .sort(),
    ).toEqual(['docker-out', 'repositories']);
    for (const entry of walk(runDirectory)) expect(path.resolve(runDirectory, entry).startsWith(`${runDirectory}${path.sep}`)).toBe(true);
    expect(fs.existsSync(path.join(directory, 'b'))).toBe(false);

    // Per-instance progress, two containers at once: two evaluations started before the first one finished.
    const lines = result.stderr.split('\n');
    const firstFinished = lines.findIndex((line) => line.startsWith('[1/11] '));
    expect(lines.slice(0, firstFinished).filter((line) => line.startsWith('started '))).toHaveLength(2);
    expect(result.stderr).toMatch(/on 2 container\(s\)/);
    // Names from the file reach the terminal escaped: no NUL (or escape sequence) is written.
    expect(result.stderr).toContain('["evil\\u0000name"]');
    expect(result.stderr).not.toContain('\0');

    // The terminal summary of the same run (resumed: nothing runs again) says it too.
    // Several files after one --predictions (as a shell expands runs/*/all_preds.jsonl) are the same as the flag repeated.
    const summary = await codemonkeys('eval', ...common, '--predictions', first, second, '--instances', wordCount, '--run-id', 'many-models');
    expect(summary.code, summary.stderr).toBe(0);
    expect(summary.stderr).toMatch(/0 to evaluate on \d+ container\(s\), 11 already evaluated \(resuming\)/);
    expect(summary.stdout).toContain(`org/model-a (${first}): 1 instance(s) — 1 resolved`);
    expect(summary.stdout).toContain(`org/model-a (${second}): 1 instance(s) — 0 resolved, 1 not resolved`);
    expect(summary.stdout).toContain('not in the dataset, not evaluated: 1 prediction(s): nope__nope-1');
    expect(summary.stdout).toContain('"evil\\u0000name": 1 instance(s) — 0 resolved, 1 not resolved');
    expect(summary.stdout).not.toContain('\0');
  }, 600_000);

  it('instance ids of the dataset that are not plain names become folders inside the run folder too', async () => {
    // A repository without an environment spec: each evaluation fails before a container, and still writes its files.
    const record = toSweBenchRecord(fixture.instance('word-count'));
    const ids = ['../../escape', 'a/../../b', 'a\0b', 'a_b', 'x'.repeat(300)];
    const hostileDataset = writeJsonl(
      path.join(directory, 'hostile-dataset.jsonl'),
      ids.map((id) => ({ ...record, instance_id: id, repo: 'nobody/unknown' })),
    );
    const predictions = writeJsonl(
      path.join(directory, 'hostile-ids.jsonl'),
      ids.map((id) => ({ instance_id: id, model_name_or_path: 'm', model_patch: record.patch })),
    );
    const hostileOutput = path.join(directory, 'hostile-out');
    const result = await codemonkeys('eval', '--dataset', hostileDataset, '--predictions', predictions, '--output', hostileOutput, '--run-id', 'hostile-ids', '--json');
    expect(result.code, result.stderr).toBe(1);
    const outcome = JSON.parse(result.stdout) as Outcome;
    expect(outcome.reports[0]!.report.infrastructure_failure_ids).toEqual([...ids].sort());
    const folders = fs.readdirSync(path.join(hostileOutput, 'hostile-ids', 'm'));
    expect(folders).toHaveLength(ids.length);
    expect(folders).toContain('a_b');
    for (const folder of folders) {
      expect(folder).toMatch(/^[A-Za-z0-9_][A-Za-z0-9._-]*$/);
      expect(fs.readdirSync(path.join(hostileOutput, 'hostile-ids', 'm', folder))).toContain('report.json');
    }
    expect(fs.readdirSync(hostileOutput)).toEqual(['hostile-ids']);
    expect(fs.existsSync(path.join(directory, 'escape'))).toBe(false);
    expect(fs.existsSync(path.join(path.dirname(directory), 'escape'))).toBe(false);
  }, 300_000);

  it('--repeat reports the instances whose verdict changes as flaky, with the majority verdict (unknown on a tie); more repetitions add only the missing ones', async () => {
    // A candidate that fixes the bug every other time it runs: it keeps a marker outside /testbed, which the
    // reset between uses of a reused container does not remove (so each repetition sees the previous one's).
    const file = 'textkit/words.py';
    const before = await fixture.fileAt(fixture.instance('word-count').baseCommit, file);
    const after = before
      .replace(
        '"""Counting and measuring the words of a text."""\n',
        '"""Counting and measuring the words of a text."""\n\nimport os\n\n_MARKER = "/var/local/codemonkeys-flaky-marker"\n' +
          '_FIXED = not os.path.exists(_MARKER)\nif _FIXED:\n    open(_MARKER, "w").close()\nelse:\n    os.remove(_MARKER)\n',
      )
      .replace('    return text.split(WORD_SEPARATOR)\n', '    return text.split() if _FIXED else text.split(WORD_SEPARATOR)\n');
    const flaky = await unifiedDiffOf(file, before, after);
    const predictions = writeJsonl(path.join(directory, 'flaky.jsonl'), [
      { instance_id: wordCount, model_name_or_path: 'org/flaky', model_patch: flaky },
      { instance_id: stats, model_name_or_path: 'org/flaky', model_patch: fixture.instance('sentence-stats').patch },
    ]);
    const reportFile = path.join(output, 'repeat-run', 'org__flaky.repeat-run.json');

    const twice = await codemonkeys('eval', ...common, '--predictions', predictions, '--run-id', 'repeat-run', '--repeat', '2', '--containers', '1');
    expect(twice.code, twice.stderr).toBe(0);
    expect(twice.stdout).toMatch(/org\/flaky: 2 instance\(s\) — 1 resolved, 0 not resolved, .*; 2 repetitions: 1 flaky, 1 verdict unknown \(tie\)/);
    expect(twice.stdout).toContain(`flaky: ${wordCount} — resolved, unresolved → unknown`);
    expect(twice.stderr).toMatch(/\(repetition 2\/2\): not resolved/);
    expect(readJson(reportFile)).toMatchObject({
      repetitions: 2,
      resolved_ids: [stats],
      unresolved_ids: [],
      completed_ids: [stats, wordCount].sort(),
      flaky_ids: [wordCount],
      flaky_verdicts: { [wordCount]: ['resolved', 'unresolved'] },
      verdict_unknown_ids: [wordCount],
    });
    const repetitionDirectory = path.join(output, 'repeat-run', 'org__flaky', wordCount, 'repetitions', '2');
    expect(readJson<Record<string, InstanceReport>>(path.join(repetitionDirectory, 'report.json'))[wordCount]).toMatchObject({ resolved: false });

    // A third repetition (a new container: the marker is gone) resolves: the majority is resolved.
    const thrice = await codemonkeys('eval', ...common, '--predictions', predictions, '--run-id', 'repeat-run', '--repeat', '3', '--containers', '1', '--json');
    expect(thrice.code, thrice.stderr).toBe(0);
    const outcome = JSON.parse(thrice.stdout) as Outcome;
    expect(outcome).toMatchObject({ repeat: 3, evaluated: 2, resumed: 4 });
    expect(outcome.reports[0]!.flaky).toEqual([{ instanceId: wordCount, verdicts: ['resolved', 'unresolved', 'resolved'], verdict: 'resolved' }]);
    expect(outcome.reports[0]!.report).toMatchObject({ resolved_ids: [stats, wordCount].sort(), flaky_ids: [wordCount], verdict_unknown_ids: [], resolved_instances: 2 });

    // With a new container for every evaluation, each repetition starts from scratch: nothing is flaky.
    const fresh = await codemonkeys(
      'eval',
      ...common,
      '--predictions',
      predictions,
      '--instances',
      wordCount,
      '--run-id',
      'repeat-fresh',
      '--repeat',
      '2',
      '--isolation',
      'fresh',
      '--json',
    );
    expect(fresh.code, fresh.stderr).toBe(0);
    const freshOutcome = JSON.parse(fresh.stdout) as Outcome;
    expect(freshOutcome.reports[0]!.flaky).toEqual([]);
    expect(freshOutcome.reports[0]!.report).toMatchObject({ resolved_ids: [wordCount], flaky_ids: [], verdict_unknown_ids: [] });
  }, 600_000);
});
