import fs from 'node:fs';
import path from 'node:path';
import { readAllPages, toSweBenchRecord, type ModelCallQuery, type ModelCallRecord, type SequenceStorage } from '@codemonkeys/protocol';
import { parseUnifiedDiff } from '@codemonkeys/swebench';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage } from '../src/storage/open-storage';
import { runInProcess, type Invocation } from './support/run-in-process';
import { createScriptedSetup, type ScriptedSetup } from './support/scripted-experiment';

async function withStorage<T>(file: string, use: (storage: SequenceStorage) => Promise<T>): Promise<T> {
  const storage = await openStorage(`sqlite:${file}`, { mustExist: true });
  try {
    return await use(storage);
  } finally {
    await storage.close();
  }
}

const allModelCalls = async (storage: SequenceStorage, runId: string): Promise<ModelCallRecord[]> => {
  const calls: ModelCallRecord[] = [];
  for await (const call of readAllPages((query: ModelCallQuery) => storage.queryModelCalls(query), { runId })) calls.push(call);
  return calls;
};

const readPredictions = (file: string) =>
  fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { instance_id: string; model_name_or_path: string; model_patch: string });

describe('codemonkeys run: the configured pipeline on the example instances (scripted model, no sandbox)', () => {
  let setup: ScriptedSetup;
  let database: string;
  let output: string;
  let first: Invocation;
  let requestsAfterFirst: number;

  beforeAll(async () => {
    setup = await createScriptedSetup();
    database = path.join(setup.directory, 'runs.db');
    output = path.join(setup.directory, 'out');
    first = await runInProcess(setup.directory, setup.writeConfig('experiment.json', { storage: `sqlite:${database}`, output }));
    requestsAfterFirst = setup.server.requestCount();
  }, 120_000);
  afterAll(() => setup?.close());

  it('finishes every instance, prints the scorecard and writes SWE-bench predictions', () => {
    expect(first.stderr).not.toMatch(/failed/);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('gold-line recall');
    expect(first.stdout).toContain('agentless@0.1.0 + embedding@0.1.0');
    const runDirectory = fs.readdirSync(output).find((entry) => fs.existsSync(path.join(output, entry, 'predictions.jsonl')))!;
    const predictions = readPredictions(path.join(output, runDirectory, 'predictions.jsonl'));
    expect(predictions.map((prediction) => prediction.instance_id)).toEqual(setup.dataset.instances.map((instance) => instance.instanceId));
    for (const prediction of predictions) {
      expect(prediction.model_name_or_path).toBe(runDirectory);
      expect(parseUnifiedDiff(prediction.model_patch).length).toBeGreaterThan(0);
    }
    for (const file of ['report.md', 'report.json', 'report.html']) expect(fs.statSync(path.join(output, file)).size).toBeGreaterThan(500);
  });

  it('records the resolved plugins, their versions, protocol versions and options, the config and its hash', async () => {
    await withStorage(database, async (storage) => {
      const [experiment] = await storage.listExperiments();
      expect(experiment!.configHash).toMatch(/^[0-9a-f]{64}$/);
      expect(experiment!.id).toBe(`scripted-${experiment!.configHash.slice(0, 10)}`);
      expect(experiment!.config).toMatchObject({ name: 'scripted', generator: { plugin: 'llm', options: { samples: 4 } } });
      const { items: runs } = await storage.queryRuns({ experimentId: experiment!.id });
      expect(runs).toHaveLength(1);
      const plugins = runs[0]!.metadata.plugins as Array<{ stage: string; name: string; version: string; specificationVersion: string; options: Record<string, unknown> }>;
      expect(plugins.map((plugin) => [plugin.stage, plugin.name, plugin.version, plugin.specificationVersion])).toEqual([
        ['localize.0', '@codemonkeys/localizer-agentless', '0.1.0', 'v1'],
        ['localize.1', '@codemonkeys/localizer-embedding', '0.1.0', 'v1'],
        ['generate', '@codemonkeys/generator-llm', '0.1.0', 'v1.1'],
        ['select', '@codemonkeys/selector-vote', '0.1.0', 'v1'],
      ]);
      // Options after the plugin's schema: defaults filled in, so the run can be reproduced exactly.
      expect(plugins[2]!.options).toMatchObject({ samples: 4, seed: 1000, tests: 'combined', editFormat: 'search-replace' });
      expect(runs[0]!.status).toBe('completed');
      expect(runs[0]!.metadata).toMatchObject({ configHash: expect.stringMatching(/^[0-9a-f]{64}$/), runner: { name: '@codemonkeys/runner' }, protocolVersions: ['v1', 'v1.1'] });
    });
  });

  it('stores every stage, fuses the two localizations, logs the messages and stores rewards after each stage', async () => {
    await withStorage(database, async (storage) => {
      const [experiment] = await storage.listExperiments();
      const {
        items: [runRecord],
      } = await storage.queryRuns({ experimentId: experiment!.id });
      const runId = runRecord!.id;
      for (const instance of setup.dataset.instances) {
        const stages = (await storage.queryStageResults({ runId, instanceId: instance.instanceId })).items;
        expect(stages.map((stage) => [stage.stage, stage.status]).sort()).toEqual([
          ['generate', 'ok'],
          ['localize', 'ok'],
          ['localize.0', 'ok'],
          ['localize.1', 'ok'],
          ['select', 'ok'],
        ]);
        const fused = stages.find((stage) => stage.stage === 'localize')!.output as { content: Array<{ path: string }>; metadata: { fusion: { localizers: string[] } } };
        expect(fused.metadata.fusion.localizers).toEqual(['@codemonkeys/localizer-agentless', '@codemonkeys/localizer-embedding']);
        expect(parseUnifiedDiff(instance.patch).map((file) => file.path)).toContain(fused.content[0]!.path);
        const logs = (await storage.queryMessageLogs({ runId, instanceId: instance.instanceId })).items;
        expect(logs.map((log) => [log.stage, log.sample])).toEqual([0, 1, 2, 3].map((sample) => ['generate', sample]));
        expect(logs.every((log) => log.messages.some((message) => message.role === 'assistant'))).toBe(true);
        const rewards = (await storage.queryRewards({ runId, instanceId: instance.instanceId, limit: 1000 })).items;
        const names = (stage: string) => new Set(rewards.filter((reward) => reward.stage === stage).map((reward) => reward.name));
        expect([...names('localize')]).toEqual(expect.arrayContaining(['gold-line-recall', 'file-recall-all', 'context-tokens']));
        expect([...names('localize.0')]).toContain('gold-line-recall');
        expect([...names('generate')]).toEqual(expect.arrayContaining(['similarity', 'patch-lines']));
        expect([...names('select')]).toEqual(expect.arrayContaining(['resolved', 'oracle']));
        expect(rewards.find((reward) => reward.stage === 'localize' && reward.name === 'gold-line-recall')!.value).toBe(1);
        // The reward computations' time is recorded per stage (the reports show it).
        const rewardStates = (await storage.queryWorkStates({ runId, instanceId: instance.instanceId })).items.filter((state) => state.key.startsWith('rewards:'));
        expect(rewardStates.map((state) => state.key).sort()).toEqual(['rewards:generate', 'rewards:localize', 'rewards:localize.0', 'rewards:localize.1', 'rewards:select']);
        for (const state of rewardStates) expect((state.state as { durationMs: unknown }).durationMs, state.key).toEqual(expect.any(Number));
      }
    });
  });

  it('labels every model call with experiment, run, instance, stage and sample', async () => {
    await withStorage(database, async (storage) => {
      const [experiment] = await storage.listExperiments();
      const {
        items: [runRecord],
      } = await storage.queryRuns({ experimentId: experiment!.id });
      const calls = await allModelCalls(storage, runRecord!.id);
      expect(calls.length).toBe(requestsAfterFirst);
      for (const call of calls) {
        expect(call).toMatchObject({ experimentId: experiment!.id, runId: runRecord!.id, status: 'ok' });
        expect(setup.dataset.instances.map((instance) => instance.instanceId)).toContain(call.instanceId);
      }
      expect(new Set(calls.map((call) => call.stage))).toEqual(new Set(['localize.0', 'generate']));
      const samples = calls.filter((call) => call.stage === 'generate' && call.instanceId === setup.dataset.instances[0]!.instanceId).map((call) => call.sample);
      expect(new Set(samples)).toEqual(new Set([0, 1, 2, 3]));
    });
  });

  it('never shows gold data to the plugins: no request holds the test patch, the test lists or gold-only lines', () => {
    const bodies = setup.server.requests.map((request) => request.rawBody);
    for (const instance of setup.dataset.instances) {
      for (const test of [...instance.failToPass, ...instance.passToPass]) expect(bodies.some((body) => body.includes(test.split('::').pop()!))).toBe(false);
      const testLines = parseUnifiedDiff(instance.testPatch).flatMap((file) =>
        file.hunks.flatMap((hunk) => hunk.lines.filter((line) => line.kind === 'added' && line.content.trim().length > 12)),
      );
      for (const line of testLines) expect(bodies.some((body) => body.includes(JSON.stringify(line.content).slice(1, -1)))).toBe(false);
    }
  });

  it('a second invocation resumes: nothing is redone, no model request is sent, the predictions are the same', async () => {
    const runDirectory = fs.readdirSync(output).find((entry) => fs.existsSync(path.join(output, entry, 'predictions.jsonl')))!;
    const before = fs.readFileSync(path.join(output, runDirectory, 'predictions.jsonl'), 'utf8');
    const again = await runInProcess(setup.directory, path.join(setup.directory, 'experiment.json'));
    expect(again.code).toBe(0);
    expect(setup.server.requestCount()).toBe(requestsAfterFirst);
    expect(again.stderr).toMatch(/\(stored\)/);
    expect(fs.readFileSync(path.join(output, runDirectory, 'predictions.jsonl'), 'utf8')).toBe(before);
  });
});

describe('codemonkeys run: ablations, failures, budgets and code experiments', () => {
  let setup: ScriptedSetup;
  beforeAll(async () => {
    setup = await createScriptedSetup();
  }, 60_000);
  afterAll(() => setup?.close());

  it('--vary runs every variant on the same instances and prints them side by side', async () => {
    const output = path.join(setup.directory, 'vary');
    const config = setup.writeConfig('vary.json', { storage: `sqlite:${path.join(output, 'runs.db')}`, output, localizer: 'embedding' });
    const result = await runInProcess(setup.directory, config, { vary: ['generator.samples=1,3', 'localizer=embedding,agentless'] });
    expect(result.code).toBe(0);
    for (const label of ['generator.samples=1 localizer=embedding', 'generator.samples=3 localizer=agentless']) expect(result.stdout).toContain(label);
    await withStorage(path.join(output, 'runs.db'), async (storage) => {
      const runs = (await storage.queryRuns({})).items;
      expect(runs).toHaveLength(4);
      for (const runRecord of runs) {
        const selected = (await storage.queryStageResults({ runId: runRecord.id, stage: 'select' })).items.map((result) => result.instanceId);
        expect(selected.sort()).toEqual(setup.dataset.instances.map((instance) => instance.instanceId).sort());
        const generated = (await storage.queryStageResults({ runId: runRecord.id, stage: 'generate' })).items;
        expect(generated.every((result) => (result.output as unknown[]).length === (runRecord.metadata.overrides as Record<string, number>)['generator.samples'])).toBe(true);
      }
    });
    const report = JSON.parse(fs.readFileSync(path.join(output, 'report.json'), 'utf8')) as { runs: Array<{ label: string }> };
    expect(report.runs.map((entry) => entry.label)).toHaveLength(4);
  }, 120_000);

  it('records a failing instance, retries it per policy and finishes the others (exit 1)', async () => {
    const output = path.join(setup.directory, 'failing');
    const broken = { ...setup.dataset.instances[0]!, instanceId: 'codemonkeys-fixtures__textkit-99', baseCommit: 'f'.repeat(40) };
    const datasetFile = path.join(setup.directory, 'with-broken.jsonl');
    fs.writeFileSync(datasetFile, [...setup.dataset.instances.slice(0, 2), broken].map((instance) => JSON.stringify(toSweBenchRecord(instance))).join('\n') + '\n');
    const config = setup.writeConfig('failing.json', {
      dataset: datasetFile,
      storage: `sqlite:${path.join(output, 'runs.db')}`,
      output,
      localizer: 'embedding',
      retries: 1,
      retryDelayMs: 10,
    });
    const result = await runInProcess(setup.directory, config);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('codemonkeys-fixtures__textkit-99: attempt 1 failed');
    expect(result.stdout).toContain('2 done, 1 failed, 0 partial, 0 not finished');
    await withStorage(path.join(output, 'runs.db'), async (storage) => {
      const [runRecord] = (await storage.queryRuns({})).items;
      expect(runRecord!.status).toBe('failed');
      const state = await storage.getWorkState(runRecord!.id, broken.instanceId, 'instance');
      expect(state!.state).toMatchObject({ status: 'failed', attempts: 2 });
      const failedStage = await storage.getStageResult({ runId: runRecord!.id, instanceId: broken.instanceId, stage: 'localize', sample: 0 });
      expect(failedStage).toMatchObject({ status: 'failed', error: { name: expect.any(String) } });
      expect((await storage.queryStageResults({ runId: runRecord!.id, stage: 'select' })).items).toHaveLength(2);
    });
  }, 120_000);

  it('stops starting new work when the budget is spent (exit 3), and the same command with a larger budget finishes without repeating a call', async () => {
    const output = path.join(setup.directory, 'budget');
    const base = { storage: `sqlite:${path.join(output, 'runs.db')}`, output, localizer: 'embedding' as const, concurrency: { instances: 1 } };
    const tight = setup.writeConfig('budget.json', { ...base, budgets: { maxTokens: 4000 } });
    const before = setup.server.requestCount();
    const stopped = await runInProcess(setup.directory, tight);
    expect(stopped.code).toBe(3);
    expect(stopped.stdout).toContain('The budget is spent');
    const firstKeys = setup.requestKeys().slice(before);
    expect(firstKeys.length).toBeGreaterThan(0);
    const generous = setup.writeConfig('budget.json', { ...base, budgets: { maxTokens: 1_000_000 } });
    const finished = await runInProcess(setup.directory, generous);
    expect(finished.code).toBe(0);
    const secondKeys = setup.requestKeys().slice(before + firstKeys.length);
    // Calls answered before the stop are served from the response cache.
    expect(secondKeys.filter((key) => firstKeys.includes(key))).toEqual([]);
    await withStorage(path.join(output, 'runs.db'), async (storage) => {
      const [runRecord] = (await storage.queryRuns({})).items;
      expect(runRecord!.status).toBe('completed');
    });
  }, 120_000);

  it('runs a code experiment (a TypeScript module exporting defineExperiment) with the same storage, resume and reports', async () => {
    const output = path.join(setup.directory, 'code');
    const module = path.join(setup.directory, 'my-experiment.ts');
    const runnerIndex = new URL('../src/index.ts', import.meta.url).pathname;
    // An ESM project, as the runner (ESM only) needs: otherwise a .ts module is loaded as CommonJS.
    fs.writeFileSync(path.join(setup.directory, 'package.json'), JSON.stringify({ name: 'research', private: true, type: 'module' }));
    fs.writeFileSync(
      module,
      `import { defineExperiment } from ${JSON.stringify(runnerIndex)};
import type { Patch } from '@codemonkeys/protocol';

export default defineExperiment({
  name: 'by-hand',
  config: {
    dataset: ${JSON.stringify(setup.dataset.datasetFile)},
    repositories: ${JSON.stringify(setup.dataset.fixture.repositorySources)},
    models: { default: { baseUrl: ${JSON.stringify(`${setup.server.url}/v1`)}, model: 'scripted', name: 'scripted-test-model' } },
    storage: ${JSON.stringify(`sqlite:${path.join(output, 'runs.db')}`)},
    output: ${JSON.stringify(output)},
    sandbox: 'none',
  },
  hypers: () => [{ samples: 2 }, { samples: 3 }],
  async setup(experiment) {
    const localizer = await experiment.plugin('localizer', 'embedding', { tokenBudget: 1500 });
    const generator = await experiment.plugin('generator', 'llm', { samples: experiment.hypers.samples as number, seed: 1000 });
    const selector = await experiment.plugin('selector', 'vote');
    return {
      async run(instanceId: string): Promise<Patch> {
        const localization = await experiment.stage('localize', () => localizer.run(instanceId));
        const [patches, messages] = await experiment.stage('generate', () => generator.run(localization, instanceId));
        await experiment.storage.writer(instanceId).logMessages(messages);
        return experiment.stage('select', () => selector.run(patches, instanceId));
      },
    };
  },
});
`,
    );
    const result = await runInProcess(setup.directory, module);
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('samples=2');
    expect(result.stdout).toContain('samples=3');
    const requests = setup.server.requestCount();
    await withStorage(path.join(output, 'runs.db'), async (storage) => {
      const [experiment] = await storage.listExperiments();
      expect(experiment!.config).toMatchObject({ codeExperiment: { module, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) } });
      expect(experiment!.plugins.map((plugin) => plugin.name)).toEqual(
        expect.arrayContaining(['@codemonkeys/localizer-embedding', '@codemonkeys/generator-llm', '@codemonkeys/selector-vote']),
      );
      const runs = (await storage.queryRuns({ experimentId: experiment!.id })).items;
      expect(runs).toHaveLength(2);
      for (const runRecord of runs) {
        const logs = (await storage.queryMessageLogs({ runId: runRecord.id })).items;
        expect(logs).toHaveLength(setup.dataset.instances.length);
        expect(logs[0]!.stage).toBe('experiment');
        const rewards = (await storage.queryRewards({ runId: runRecord.id, name: 'gold-line-recall' })).items;
        expect(rewards).toHaveLength(setup.dataset.instances.length);
        expect((await storage.queryStageResults({ runId: runRecord.id, stage: 'select' })).items).toHaveLength(setup.dataset.instances.length);
      }
    });
    const again = await runInProcess(setup.directory, module);
    expect(again.code).toBe(0);
    expect(setup.server.requestCount()).toBe(requests);
  }, 120_000);
});
