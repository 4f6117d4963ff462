import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { toSweBenchRecord } from '@codemonkeys/protocol';
import { describeWhenAvailable } from '@codemonkeys/protocol/testkit';
import { createDockerSandbox } from '@codemonkeys/sandbox-docker';
import { dockerAvailability } from '@codemonkeys/sandbox-docker/testing';
import { createFixtureRepository, fixtureEnvironmentSpec, type FixtureRepository } from '@codemonkeys/swebench/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SelectionOutcome } from '../src/select/run-selection';
import { runCli, type CliResult } from './support/run-cli';

const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'codemonkeys-select-environment-'));
const codemonkeys = (...args: string[]): Promise<CliResult> => runCli(args, { cwd: directory });
let fixture: FixtureRepository;
const instanceIds: string[] = [];

beforeAll(async () => {
  fixture = await createFixtureRepository({ instances: ['word-count', 'sentence-stats'], directory: fs.mkdtempSync(path.join(directory, 'fixture-')) });
  instanceIds.push(...fixture.instances.map((instance) => instance.instanceId));
  fs.writeFileSync(path.join(directory, 'fixture.jsonl'), fixture.instances.map((instance) => JSON.stringify(toSweBenchRecord(instance))).join('\n') + '\n');
  fs.writeFileSync(path.join(directory, 'specs.json'), JSON.stringify([fixtureEnvironmentSpec()]));
  const diffOf = (instanceId: string, kind: string): string => fixture.candidates(instanceId).find((candidate) => candidate.name === kind)!.diff;
  // Two systems agree on a candidate that does not apply to the base commit (on the first instance); one has the gold patch.
  const systems: Record<string, (instanceId: string, index: number) => string> = {
    gold: (instanceId) => diffOf(instanceId, 'gold'),
    'stale-a': (instanceId) => diffOf(instanceId, 'not-applying'),
    'stale-b': (instanceId, index) => diffOf(instanceId, index === 0 ? 'not-applying' : 'no-fix'),
  };
  for (const [system, diff] of Object.entries(systems))
    fs.writeFileSync(
      path.join(directory, `${system}.jsonl`),
      instanceIds.map((instanceId, index) => JSON.stringify({ instance_id: instanceId, model_name_or_path: system, model_patch: diff(instanceId, index) })).join('\n') + '\n',
    );
  fs.writeFileSync(path.join(directory, 'gold-labels.json'), JSON.stringify(instanceIds));
  fs.mkdirSync(path.join(directory, 'node_modules/@codemonkeys'), { recursive: true });
  fs.symlinkSync(path.join(workspaceModules, '@codemonkeys/protocol'), path.join(directory, 'node_modules/@codemonkeys/protocol'));
  fs.symlinkSync(path.join(workspaceModules, 'zod'), path.join(directory, 'node_modules/zod'));
  fs.writeFileSync(path.join(directory, 'package.json'), JSON.stringify({ name: 'select-lab', private: true, type: 'module' }));
  fs.writeFileSync(path.join(directory, 'spy.mjs'), spySelector);
  fs.writeFileSync(path.join(directory, 'none.json'), JSON.stringify([]));
}, 120_000);
afterAll(async () => {
  await fixture?.cleanup();
  fs.rmSync(directory, { recursive: true, force: true });
});

const workspaceModules = path.resolve(import.meta.dirname, '../../../node_modules');

/** A selector that writes down everything it can reach, and chooses the first candidate. */
const spySelector = `import fs from 'node:fs';
import { definePlugin } from '@codemonkeys/protocol';
import { z } from 'zod';
async function attempt(what, fn) {
  try { return { what, outcome: 'value', value: JSON.parse(JSON.stringify((await fn()) ?? null)) }; }
  catch (error) { return { what, outcome: 'refused', error: error?.name ?? String(error) }; }
}
export default definePlugin({
  meta: { name: 'spy', version: '1.0.0' },
  kind: 'selector',
  specificationVersion: 'v1.1',
  optionsSchema: z.object({ report: z.string() }),
  create(options, context) {
    return {
      specificationVersion: 'v1.1',
      async run(candidates, instanceId) {
        const seen = [{ what: 'context keys', outcome: 'value', value: Object.keys(context).sort() }, { what: 'candidates', outcome: 'value', value: candidates }];
        seen.push(await attempt('task', () => context.task(instanceId)));
        for (const key of ['instance', 'rewards:select', 'rewards:generate']) seen.push(await attempt('checkpoint ' + key, () => context.checkpoint(instanceId).get(key)));
        seen.push(await attempt('cache', () => context.cache.get('resolved')));
        fs.appendFileSync(options.report, JSON.stringify({ instanceId, seen }) + '\\n');
        return { index: 0, patch: candidates[0], reason: 'the first' };
      },
    };
  },
});
`;

const sources = ['--predictions', 'gold.jsonl', 'stale-a.jsonl', 'stale-b.jsonl', '--labels', 'gold=gold-labels.json', 'stale-a=none.json', 'stale-b=none.json'];

describe('codemonkeys select with and without the repository checkout', () => {
  it('without a checkout, the vote degrades (recorded) and the two agreeing stale candidates win', async () => {
    const result = await codemonkeys('select', ...sources, '--storage', 'sqlite:./bare.db', '--output', 'bare', '--json');
    expect(result.code, result.stderr).toBe(0);
    const outcome = JSON.parse(result.stdout) as SelectionOutcome;
    expect(outcome.degradations.map((degradation) => degradation.capability)).toEqual(['workspace']);
    expect(result.stderr).toMatch(/checkApplies: false/);
    const first = outcome.choices.find((choice) => choice.instanceId === instanceIds[0])!;
    expect(first.source).toMatch(/^stale-/);
    expect(first.resolved).toBe(false);
  });

  it('with the dataset and a local clone, the vote checks the base commit: the stale majority does not apply, the gold patch wins', async () => {
    const result = await codemonkeys(
      'select',
      ...sources,
      '--dataset',
      'fixture.jsonl',
      '--repository',
      `${fixture.repo}=${fixture.root}`,
      '--storage',
      'sqlite:./checkout.db',
      '--output',
      'checkout',
      '--json',
    );
    expect(result.code, result.stderr).toBe(0);
    const outcome = JSON.parse(result.stdout) as SelectionOutcome;
    expect(outcome.degradations).toEqual([]);
    expect(outcome.selector.options).not.toHaveProperty('checkApplies');
    expect(outcome.environment.workspace).toMatch(/^checkouts/);
    const first = outcome.choices.find((choice) => choice.instanceId === instanceIds[0])!;
    expect(first.source).toBe('gold');
    expect(first.resolved).toBe(true);
    expect(outcome.scorecard.runtime.containers).toBe(0);
  }, 300_000);
});

describe('what a selector of codemonkeys select can reach', () => {
  it('gets the candidates with their source names and a gold-free task: no labels, verdicts, rewards or gold text', async () => {
    // First a vote run in the same storage, so that labels, rewards and host work states exist there.
    const first = await codemonkeys(
      'select',
      ...sources,
      '--dataset',
      'fixture.jsonl',
      '--repository',
      `${fixture.repo}=${fixture.root}`,
      '--storage',
      'sqlite:./spy.db',
      '--output',
      'spy-vote',
      '--run-id',
      'spied',
      '--json',
    );
    expect(first.code, first.stderr).toBe(0);
    // The same run id for another selector is refused: its stored choices are not this selector's.
    const reused = await codemonkeys(
      'select',
      ...sources,
      '--selector',
      './spy.mjs',
      '--option',
      'report=unused.jsonl',
      '--storage',
      'sqlite:./spy.db',
      '--output',
      'spy-reused',
      '--run-id',
      'spied',
    );
    expect(reused.code).toBe(2);
    expect(reused.stderr).toMatch(/The run "spied" .* holds another selection/);
    const report = path.join(directory, 'seen.jsonl');
    const result = await codemonkeys(
      'select',
      ...sources,
      '--dataset',
      'fixture.jsonl',
      '--repository',
      `${fixture.repo}=${fixture.root}`,
      '--selector',
      './spy.mjs',
      '--option',
      `report=${report}`,
      '--storage',
      'sqlite:./spy.db',
      '--output',
      'spy',
      '--run-id',
      'spy',
      '--json',
    );
    expect(result.code, result.stderr).toBe(0);
    const lines = fs
      .readFileSync(report, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { instanceId: string; seen: Array<{ what: string; outcome: string; value?: unknown }> });
    expect(lines.map((line) => line.instanceId).sort()).toEqual([...instanceIds].sort());
    for (const line of lines) {
      const seen = Object.fromEntries(line.seen.map((entry) => [entry.what, entry]));
      expect(seen['context keys']!.value).not.toContain('storage');
      const candidates = seen.candidates!.value as Array<{ metadata: Record<string, unknown> }>;
      for (const candidate of candidates) expect(Object.keys(candidate.metadata)).toEqual(['source']);
      for (const key of ['instance', 'rewards:select', 'rewards:generate']) expect(seen[`checkpoint ${key}`]).toMatchObject({ outcome: 'value', value: null });
      expect(seen.cache).toMatchObject({ outcome: 'value', value: null });
      const task = JSON.stringify(seen.task!.value);
      const instance = fixture.instances.find((candidate) => candidate.instanceId === line.instanceId)!;
      expect(task).toContain(instance.problemStatement.slice(0, 40));
      for (const gold of [instance.patch, instance.testPatch, ...instance.failToPass, ...instance.passToPass]) expect(task).not.toContain(JSON.stringify(gold).slice(1, -1));
      expect(JSON.stringify(line)).not.toMatch(/resolved/i);
    }
  }, 300_000);
});

describeWhenAvailable('codemonkeys select --sandbox docker on the fixture instances', await dockerAvailability(), () => {
  it('hands the selector the instance sandboxes, counts the containers in the scorecard and leaves none behind', async () => {
    const result = await codemonkeys(
      'select',
      ...sources,
      '--dataset',
      'fixture.jsonl',
      '--repository',
      `${fixture.repo}=${fixture.root}`,
      '--sandbox',
      'docker',
      '--spec-file',
      'specs.json',
      '--option',
      'normalization=ast',
      '--storage',
      'sqlite:./docker.db',
      '--output',
      'docker',
      '--run-id',
      'select-docker',
      '--json',
    );
    expect(result.code, result.stderr).toBe(0);
    const outcome = JSON.parse(result.stdout) as SelectionOutcome;
    expect(outcome.environment.sandbox).toBe('docker');
    expect(outcome.scorecard.runtime.containers).toBe(2);
    expect(outcome.choices.find((choice) => choice.instanceId === instanceIds[0])!.source).toBe('gold');
    const sandbox = await createDockerSandbox({ reapOnStart: false });
    try {
      expect(await sandbox.docker.listContainers({ all: true, filters: { label: ['codemonkeys.select=select-docker'] } })).toEqual([]);
    } finally {
      await sandbox.close();
    }
  }, 900_000);

  it('refuses a spec file that is not one with the usage code', async () => {
    fs.writeFileSync(path.join(directory, 'bad-specs.json'), '{"not": "a list"}');
    const result = await codemonkeys(
      'select',
      ...sources,
      '--dataset',
      'fixture.jsonl',
      '--sandbox',
      'docker',
      '--spec-file',
      'bad-specs.json',
      '--storage',
      'sqlite::memory:',
      '--output',
      'bad',
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/bad-specs\.json/);
  }, 300_000);
});
