import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { toSweBenchRecord } from '@codemonkeys/protocol';
import { describeWhenAvailable, locateSharedData } from '@codemonkeys/protocol/testkit';
import { createDockerSandbox } from '@codemonkeys/sandbox-docker';
import { dockerAvailability } from '@codemonkeys/sandbox-docker/testing';
import { createFixtureRepository, fixtureEnvironmentSpec, type FixtureRepository } from '@codemonkeys/swebench/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OfflineRewardsOutcome } from './run-offline-rewards';
import { runCli, type CliResult } from '../../test/support/run-cli';

const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'codemonkeys-rewards-'));

const codemonkeys = (...args: string[]): Promise<CliResult> => runCli(args, { cwd: directory });

afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));

describe('codemonkeys rewards: options and inputs', () => {
  it('shows the zod issues of invalid options and exits with the usage code', async () => {
    const format = await codemonkeys('rewards', '--dataset', 'd.jsonl', '--predictions', 'p.jsonl', '--format', 'html', '--progress', 'dots');
    expect(format.code).toBe(2);
    expect(format.stderr).toMatch(/--format must be md or json/);
    expect(format.stderr).toMatch(/--progress must be auto, bar or lines/);
    const missingFlags = await codemonkeys('rewards', '--bootstrap-samples', '0');
    expect(missingFlags.code).toBe(2);
    expect(missingFlags.stderr).toMatch(/--dataset is required/);
    expect(missingFlags.stderr).toMatch(/--predictions is required/);
    expect(missingFlags.stderr).toMatch(/--bootstrap-samples must be positive/);
    const result = await codemonkeys(
      'rewards',
      '--dataset',
      'd.jsonl',
      '--predictions',
      'a.jsonl',
      '--predictions',
      'b.jsonl',
      '--labels',
      'x.json',
      '--labels',
      'y.json',
      '--labels',
      'z.json',
      '--timeout',
      '5',
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/one per --predictions file \(2\)/);
    expect(result.stderr).toMatch(/--timeout is for the sandbox/);
  });

  it('names the file of a bad labels file and exits 2 (invalid input)', async () => {
    fs.writeFileSync(path.join(directory, 'dataset.jsonl'), '');
    fs.writeFileSync(path.join(directory, 'predictions.jsonl'), '');
    fs.writeFileSync(path.join(directory, 'labels.json'), '{"resolved": "not a list"}');
    const result = await codemonkeys('rewards', '--dataset', 'dataset.jsonl', '--predictions', 'predictions.jsonl', '--labels', 'labels.json');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/labels\.json: is not a labels file/);
  });
});

const shared = locateSharedData('swe-bench-lite.jsonl', 'predictions-dev/20240523_aider.jsonl', 'predictions-dev/20240523_aider.resolved.json');

describeWhenAvailable('codemonkeys rewards on real predictions with labels', shared, () => {
  it('writes a Markdown scorecard with the validity of each pseudo-reward, and the same figures as JSON', async () => {
    const args = [
      'rewards',
      '--dataset',
      shared.paths['swe-bench-lite.jsonl']!,
      '--predictions',
      shared.paths['predictions-dev/20240523_aider.jsonl']!,
      '--labels',
      shared.paths['predictions-dev/20240523_aider.resolved.json']!,
      '--instances',
      'django__django-1*,sympy__sympy-2*',
      '--bootstrap-samples',
      '300',
      '--progress',
      'lines',
    ];
    const markdown = await codemonkeys(...args);
    expect(markdown.code, markdown.stderr).toBe(0);
    expect(markdown.stdout).toMatch(/\| similarity to gold \(Levenshtein\) \| generation \| 0\.\d{3} \|/);
    expect(markdown.stdout).toMatch(/\| similarity \| \d+ \| \d+ \| 0\.\d{3} \[0\.\d{3}, [01]\.\d{3}\] \|/);
    expect(markdown.stderr).toMatch(/\[1\/\d+\] aider/);

    const json = await codemonkeys(...args, '--format', 'json', '--output', 'out/scorecard.json');
    expect(json.code, json.stderr).toBe(0);
    expect(json.stdout).toBe('');
    const outcome = JSON.parse(fs.readFileSync(path.join(directory, 'out/scorecard.json'), 'utf8')) as OfflineRewardsOutcome;
    expect(outcome.runs).toHaveLength(1);
    const [run] = outcome.runs;
    const labels = JSON.parse(fs.readFileSync(shared.paths['predictions-dev/20240523_aider.resolved.json']!, 'utf8')) as { resolved: string[] };
    const selected = (id: string): boolean => /^django__django-1|^sympy__sympy-2/.test(id);
    const lines = fs
      .readFileSync(shared.paths['predictions-dev/20240523_aider.jsonl']!, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { instance_id: string });
    const predicted = lines.filter((line) => selected(line.instance_id));
    expect(run!.predictions).toBe(predicted.length);
    expect(run!.scorecard.headline.candidateResolved).toBeCloseTo(labels.resolved.filter(selected).length / predicted.length, 12);
    const similarity = run!.scorecard.validity!.find((entry) => entry.name === 'similarity')!;
    expect(markdown.stdout).toContain(
      `| similarity | ${similarity.observations} | ${similarity.resolved} | ${similarity.rocAuc!.value.toFixed(3)} [${similarity.rocAuc!.low!.toFixed(3)}, ${similarity.rocAuc!.high!.toFixed(3)}]`,
    );
  }, 60_000);
});

describeWhenAvailable('codemonkeys rewards --sandbox on the fixture instances in Docker', await dockerAvailability(), () => {
  let fixture: FixtureRepository;
  const models = ['gold', 'no-fix', 'not-applying'] as const;

  beforeAll(async () => {
    fixture = await createFixtureRepository({ instances: ['word-count', 'sentence-stats'], directory: fs.mkdtempSync(path.join(directory, 'fixture-')) });
    fs.writeFileSync(path.join(directory, 'fixture.jsonl'), fixture.instances.map((instance) => JSON.stringify(toSweBenchRecord(instance))).join('\n') + '\n');
    fs.writeFileSync(path.join(directory, 'specs.json'), JSON.stringify([fixtureEnvironmentSpec()]));
    // One "model" (predictions file) per candidate kind: gold resolves, no-fix and not-applying do not.
    for (const kind of models) {
      const predictions = fixture.instances.map((instance) => ({
        instance_id: instance.instanceId,
        model_name_or_path: kind,
        model_patch: fixture.candidates(instance.instanceId).find((candidate) => candidate.name === kind)!.diff,
      }));
      fs.writeFileSync(path.join(directory, `fixture-${kind}.jsonl`), predictions.map((prediction) => JSON.stringify(prediction)).join('\n') + '\n');
    }
    // Labels that are wrong for the no-fix model: the sandbox must disagree with them.
    fs.writeFileSync(path.join(directory, 'fixture-labels.json'), JSON.stringify(fixture.instances.map((instance) => instance.instanceId)));
  }, 120_000);

  afterAll(async () => {
    await fixture?.cleanup();
  });

  it('evaluates every prediction, reports verdicts per run and where the labels disagree', async () => {
    const result = await codemonkeys(
      'rewards',
      '--dataset',
      'fixture.jsonl',
      ...models.flatMap((kind) => ['--predictions', `fixture-${kind}.jsonl`]),
      '--labels',
      'fixture-labels.json',
      '--concurrency',
      '2',
      '--sandbox',
      '--spec-file',
      'specs.json',
      '--repository',
      `${fixture.repo}=${fixture.root}`,
      '--format',
      'json',
      '--bootstrap-samples',
      '100',
      '--progress',
      'lines',
    );
    expect(result.code, result.stderr).toBe(0);
    const outcome = JSON.parse(result.stdout) as OfflineRewardsOutcome;
    const byModel = Object.fromEntries(outcome.runs.map((run) => [run.model, run]));
    expect(byModel.gold!.scorecard.headline).toMatchObject({ candidateResolved: 1, applied: 1, similarity: 1 });
    expect(byModel['no-fix']!.scorecard.headline).toMatchObject({ candidateResolved: 0, applied: 1 });
    expect(byModel['not-applying']!.scorecard.headline).toMatchObject({ candidateResolved: 0, applied: 0 });
    expect(byModel['no-fix']!.labelDisagreements.map((entry) => entry.instanceId).sort()).toEqual(fixture.instances.map((instance) => instance.instanceId).sort());
    expect(byModel.gold!.labelDisagreements).toEqual([]);
    // Across the three runs the similarity to gold separates resolved from unresolved perfectly here.
    expect(outcome.pooledValidity!.find((entry) => entry.name === 'similarity')!.rocAuc!.value).toBe(1);
    // The containers are gone.
    const sandbox = await createDockerSandbox({ reapOnStart: false });
    try {
      expect(await sandbox.docker.listContainers({ all: true, filters: { label: ['codemonkeys.eval.run=rewards'] } })).toEqual([]);
    } finally {
      await sandbox.close();
    }
  }, 600_000);
});
