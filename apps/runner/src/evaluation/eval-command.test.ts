import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { toSweBenchRecord } from '@codemonkeys/protocol';
import { describeWhenAvailable } from '@codemonkeys/protocol/testkit';
import { createDockerSandbox } from '@codemonkeys/sandbox-docker';
import { dockerAvailability } from '@codemonkeys/sandbox-docker/testing';
import { RunReportSchema, type InstanceReport } from '@codemonkeys/swebench';
import { createFixtureRepository, fixtureEnvironmentSpec, type FixtureRepository } from '@codemonkeys/swebench/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliPath as cli, runCli, type CliResult } from '../../test/support/run-cli';

const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'codemonkeys-eval-'));

const codemonkeys = (...args: string[]): Promise<CliResult> => runCli(args, { cwd: directory, env: { FORCE_COLOR: '1' } });

/** Containers of an evaluation run, by the label every one of them carries. */
async function containersOfRun(runId: string): Promise<string[]> {
  const sandbox = await createDockerSandbox({ reapOnStart: false });
  try {
    return (await sandbox.docker.listContainers({ all: true, filters: { label: [`codemonkeys.eval.run=${runId}`] } })).map((container) => container.Id);
  } finally {
    await sandbox.close();
  }
}

const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, 'utf8')) as T;

describe('codemonkeys eval: options and inputs', () => {
  it('shows the zod issues of invalid options and exits with the usage code', async () => {
    const result = await codemonkeys('eval', '--dataset', 'x.jsonl', '--concurrency', '0', '--repository', 'no-equals-sign');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/concurrency.*must be positive/);
    expect(result.stderr).toMatch(/repository.*owner\/name=PATH_OR_URL/);
    expect(result.stderr).toMatch(/--predictions is required/);
  });

  it('names the file and line of a malformed dataset record (invalid input: exit 2)', async () => {
    const dataset = path.join(directory, 'broken.jsonl');
    fs.writeFileSync(dataset, '{"instance_id": "a__b-1"}\n');
    const result = await codemonkeys('eval', '--dataset', dataset, '--predictions', 'gold');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${dataset}:1:`);
    expect(result.stderr).toMatch(/repo: Invalid input/);
  });
});

const docker = await dockerAvailability();

describeWhenAvailable('codemonkeys eval in Docker on a fixture dataset', docker, () => {
  let fixture: FixtureRepository;
  let dataset: string;
  let specFile: string;
  let common: string[];
  const candidate = (instanceId: string, name: string) => fixture.candidates(instanceId).find((entry) => entry.name === name)!.diff;

  beforeAll(async () => {
    fixture = await createFixtureRepository({ instances: ['word-count', 'sentence-stats', 'wrap-hang'] });
    dataset = path.join(directory, 'fixture-dataset.jsonl');
    fs.writeFileSync(dataset, fixture.instances.map((instance) => JSON.stringify(toSweBenchRecord(instance))).join('\n') + '\n');
    specFile = path.join(directory, 'fixture-specs.json');
    fs.writeFileSync(specFile, JSON.stringify([fixtureEnvironmentSpec()], null, 2));
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
      path.join(directory, 'out'),
    ];
  }, 60_000);

  afterAll(async () => {
    await fixture?.cleanup();
    fs.rmSync(directory, { recursive: true, force: true });
  });

  it('evaluates the gold patches (golden dataset validation): every fixture instance resolves, nothing is left running', async () => {
    const result = await codemonkeys('eval', ...common, '--predictions', 'gold', '--run-id', 'gold-run', '--timeout', '60', '--json');
    expect(result.code, result.stderr).toBe(0);
    const outcome = JSON.parse(result.stdout) as { runId: string; reports: Array<{ model: string; file: string; report: unknown }>; evaluated: number };
    expect(outcome).toMatchObject({ runId: 'gold-run', evaluated: 3 });
    const report = RunReportSchema.parse(readJson(outcome.reports[0]!.file));
    expect(report).toMatchObject({ schema_version: 2, total_instances: 3, resolved_instances: 3, error_instances: 0 });
    expect(outcome.reports[0]!.file).toBe(path.join(directory, 'out', 'gold-run', 'gold.gold-run.json'));
    for (const instance of fixture.instances) {
      const instanceDirectory = path.join(directory, 'out', 'gold-run', 'gold', instance.instanceId);
      expect(fs.readdirSync(instanceDirectory).sort()).toEqual(['eval.sh', 'patch.diff', 'report.json', 'run_instance.log', 'test_output.txt']);
      expect(readJson<Record<string, InstanceReport>>(path.join(instanceDirectory, 'report.json'))[instance.instanceId]).toMatchObject({ resolved: true });
    }
    // The runner's FORCE_COLOR never reached pytest: the summaries parsed.
    expect(result.stderr).toMatch(/\[3\/3\] .*: resolved/);
    expect(await containersOfRun('gold-run')).toEqual([]);
  }, 300_000);

  it('evaluates a predictions file: resolved, not resolved, not applied; a hanging test is an environment failure and the exit code says so', async () => {
    const [words, stats, hang] = fixture.instances;
    const predictions = path.join(directory, 'predictions.jsonl');
    const rows = [
      { instance_id: words!.instanceId, model_name_or_path: 'org/model-a', model_patch: candidate(words!.instanceId, 'no-fix') },
      { instance_id: stats!.instanceId, model_name_or_path: 'org/model-a', model_patch: stats!.patch },
      { instance_id: hang!.instanceId, model_name_or_path: 'org/model-a', model_patch: candidate(hang!.instanceId, 'not-applying') },
    ];
    fs.writeFileSync(predictions, rows.map((row) => JSON.stringify(row)).join('\n') + '\n');
    const result = await codemonkeys('eval', ...common, '--predictions', predictions, '--run-id', 'model-run', '--timeout', '60', '--concurrency', '2');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/org\/model-a: 3 instance\(s\) — 1 resolved, 1 not resolved, 1 did not apply, 0 environment failure/);
    const report = RunReportSchema.parse(readJson(path.join(directory, 'out', 'model-run', 'org__model-a.model-run.json')));
    expect(report).toMatchObject({
      resolved_ids: [stats!.instanceId],
      unresolved_ids: [words!.instanceId],
      patch_apply_failed_ids: [hang!.instanceId],
      error_ids: [hang!.instanceId],
    });

    // The no-fix candidate of wrap-hang hangs: past --timeout it is an environment failure, exit 1.
    const hanging = path.join(directory, 'hanging.jsonl');
    fs.writeFileSync(hanging, JSON.stringify({ instance_id: hang!.instanceId, model_name_or_path: 'org/model-b', model_patch: candidate(hang!.instanceId, 'no-fix') }) + '\n');
    const timedOut = await codemonkeys('eval', ...common, '--predictions', hanging, '--instances', hang!.instanceId, '--run-id', 'hang-run', '--timeout', '3', '--json');
    expect(timedOut.code).toBe(1);
    const hangReport = RunReportSchema.parse(readJson(path.join(directory, 'out', 'hang-run', 'org__model-b.hang-run.json')));
    expect(hangReport).toMatchObject({ total_instances: 1, infrastructure_failure_ids: [hang!.instanceId], error_ids: [hang!.instanceId] });
    expect(fs.readFileSync(path.join(directory, 'out', 'hang-run', 'org__model-b', hang!.instanceId, 'run_instance.log'), 'utf8')).toMatch(/infrastructure failure \(timeout\)/);
    expect(await containersOfRun('hang-run')).toEqual([]);
  }, 300_000);

  it('resumes a killed evaluation without re-running finished instances', async () => {
    const args = [cli, 'eval', ...common, '--predictions', 'gold', '--run-id', 'killed-run', '--concurrency', '1', '--timeout', '60', '--progress', 'lines'];
    const reportsOnDisk = () =>
      fixture.instances.map((instance) => path.join(directory, 'out', 'killed-run', 'gold', instance.instanceId, 'report.json')).filter((file) => fs.existsSync(file));
    const child = spawn(process.execPath, args, { cwd: directory, stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    for (let attempt = 0; attempt < 1200 && reportsOnDisk().length === 0; attempt += 1) await new Promise((resolve) => setTimeout(resolve, 100));
    child.kill('SIGKILL');
    await exited;
    const finished = reportsOnDisk();
    expect(finished.length).toBeGreaterThanOrEqual(1);
    expect(finished.length).toBeLessThan(3);
    const before = new Map(finished.map((file) => [file, fs.statSync(file).mtimeMs]));

    const resumed = await codemonkeys('eval', ...common, '--predictions', 'gold', '--run-id', 'killed-run', '--timeout', '60', '--json');
    expect(resumed.code, resumed.stderr).toBe(0);
    const outcome = JSON.parse(resumed.stdout) as { resumed: number; evaluated: number; reports: Array<{ report: { resolved_instances: number } }> };
    expect(outcome.resumed).toBe(finished.length);
    expect(outcome.evaluated).toBe(3 - finished.length);
    expect(outcome.reports[0]!.report.resolved_instances).toBe(3);
    expect(resumed.stderr).toMatch(/already evaluated \(resuming\)/);
    for (const [file, mtime] of before) expect(fs.statSync(file).mtimeMs).toBe(mtime);
    // The killed process's container was reaped by the next run (its owner is gone).
    expect(await containersOfRun('killed-run')).toEqual([]);

    const again = await codemonkeys('eval', ...common, '--predictions', 'gold', '--run-id', 'killed-run', '--json');
    expect(JSON.parse(again.stdout)).toMatchObject({ evaluated: 0, resumed: 3 });
  }, 300_000);

  it('stops on SIGINT: removes its containers, keeps finished reports, exits 130', async () => {
    const child = spawn(process.execPath, [cli, 'eval', ...common, '--predictions', 'gold', '--run-id', 'interrupted-run', '--concurrency', '1', '--timeout', '60'], {
      cwd: directory,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    for (let attempt = 0; attempt < 1200 && !/\[1\/3\]/.test(stderr); attempt += 1) await new Promise((resolve) => setTimeout(resolve, 100));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toMatch(/interrupted: removing the containers/);
    expect(await containersOfRun('interrupted-run')).toEqual([]);
    const kept = fixture.instances.filter((instance) => fs.existsSync(path.join(directory, 'out', 'interrupted-run', 'gold', instance.instanceId, 'report.json')));
    expect(kept.length).toBeGreaterThanOrEqual(1);
    // Nothing the interrupt cut short was recorded as a verdict.
    for (const instance of kept) {
      expect(
        readJson<Record<string, InstanceReport>>(path.join(directory, 'out', 'interrupted-run', 'gold', instance.instanceId, 'report.json'))[instance.instanceId],
      ).toMatchObject({ resolved: true });
    }
  }, 300_000);

  it('checks the environment spec on every instance before any model call (--check-spec)', async () => {
    const result = await codemonkeys('eval', ...common, '--check-spec', '--run-id', 'spec-check', '--timeout', '5', '--json', '--progress', 'bar');
    expect(result.code, result.stderr).toBe(0);
    const outcome = JSON.parse(result.stdout) as { summary: { reproduced_ids: string[]; warnings: Record<string, string[]> }; file: string };
    expect(outcome.summary.reproduced_ids).toEqual(fixture.instances.map((instance) => instance.instanceId).sort());
    expect(Object.keys(outcome.summary.warnings)).toEqual([fixture.instance('wrap-hang').instanceId]);
    expect(result.stderr).toContain('checking |');
    expect(fs.existsSync(path.join(directory, 'out', 'spec-check', 'environment-check', fixture.instance('word-count').instanceId, 'gold', 'report.json'))).toBe(true);

    // A spec whose tests select nothing does not reproduce anything: exit 1, with the reason.
    const broken = path.join(directory, 'broken-specs.json');
    fs.writeFileSync(broken, JSON.stringify([{ ...fixtureEnvironmentSpec(), testCommand: 'python3 -m pytest -rA -p no:cacheprovider -k nothing_matches' }]));
    const failing = await codemonkeys(
      'eval',
      ...common.map((value) => (value === specFile ? broken : value)),
      '--check-spec',
      '--instances',
      fixture.instance('word-count').instanceId,
      '--run-id',
      'spec-check-broken',
    );
    expect(failing.code).toBe(1);
    expect(failing.stdout).toMatch(/0 of 1 instance\(s\) reproduced/);
    expect(failing.stdout).toMatch(/not reproduced: .*with the gold patch, FAIL_TO_PASS tests fail/);
  }, 300_000);
});
