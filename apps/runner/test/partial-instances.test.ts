import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { serverErrorReply } from '@codemonkeys/llm/testing';
import type { SequenceStorage } from '@codemonkeys/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunCommandFlags } from '../src/commands/run-command';
import { createScriptedModelHandler } from '../src/demo/scripted-model';
import { exitCodeOf, runExperimentCommand } from '../src/execution/run-experiment-command';
import { openStorage } from '../src/storage/open-storage';
import { createScriptedSetup, type ScriptedSetup } from './support/scripted-experiment';

const flags = (more: Partial<RunCommandFlags> = {}): RunCommandFlags => ({
  instances: [],
  localizer: [],
  set: [],
  vary: [],
  repository: [],
  rewards: true,
  progress: 'lines',
  json: true,
  ...more,
});

async function run(
  setup: ScriptedSetup,
  experiment: string,
): Promise<{ code: number; json: { runs: Array<{ status: string; done: number; failed: number; partial: number; pending: number }> }; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough() as unknown as NodeJS.WriteStream;
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  (stderr as unknown as PassThrough).on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await runExperimentCommand({ experiment, flags: flags(), cwd: setup.directory, stdout, stderr, handleSignals: false });
  return { code, json: JSON.parse(out) as never, stderr: err };
}

async function withStorage<T>(file: string, use: (storage: SequenceStorage) => Promise<T>): Promise<T> {
  const storage = await openStorage(`sqlite:${file}`, { mustExist: true });
  try {
    return await use(storage);
  } finally {
    await storage.close();
  }
}

/** What a run's results are, without times and ids: every instance's stages, message logs per sample, rewards. */
async function resultsOf(file: string, instanceIds: readonly string[]): Promise<unknown> {
  return withStorage(file, async (storage) => {
    const [experiment] = await storage.listExperiments();
    const {
      items: [runRecord],
    } = await storage.queryRuns({ experimentId: experiment!.id });
    const runId = runRecord!.id;
    const results: Record<string, unknown> = {};
    for (const instanceId of instanceIds) {
      const stages = (await storage.queryStageResults({ runId, instanceId })).items.map((stage) => ({
        stage: stage.stage,
        status: stage.status,
        output: stripVolatile(stage.output),
      }));
      const logs = (await storage.queryMessageLogs({ runId, instanceId })).items.map((log) => ({
        stage: log.stage,
        sample: log.sample,
        messages: log.messages.map((message) => [message.role, message.content]),
      }));
      const rewards = (await storage.queryRewards({ runId, instanceId, limit: 1000 })).items
        .filter((reward) => !/duration|time/i.test(reward.name))
        .map((reward) => [reward.stage, reward.name, reward.value])
        .sort();
      results[instanceId] = { stages: stages.sort((a, b) => a.stage.localeCompare(b.stage)), logs, rewards };
    }
    return results;
  });
}

/** Durations, resumption flags and reuse of caches shared by the runs of this machine differ between equal runs; the rest must not. */
function stripVolatile(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripVolatile);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => !['resumed', 'durationMs', 'durationsMs', 'wallTimeMs', 'cacheHits', 'filesReused'].includes(key))
        .map(([key, entry]) => [key, stripVolatile(entry)]),
    );
  }
  return value;
}

describe('an endpoint that fails every generator call: instances are partial, and the same command redoes exactly that work', () => {
  let setup: ScriptedSetup;
  let failing: Awaited<ReturnType<typeof run>>;
  let failingStates: { states: Array<[string, string, string | undefined]>; okStages: string[] };
  let healed: Awaited<ReturnType<typeof run>>;
  let healthy: Awaited<ReturnType<typeof run>>;
  let healedChats: number;
  let healthyChats: number;
  const chats = () => setup.server.requests.filter((request) => request.protocol === 'openai-chat').length;
  const database = (name: string) => path.join(setup.directory, `${name}.db`);

  beforeAll(async () => {
    setup = await createScriptedSetup();
    const scripted = createScriptedModelHandler({ instances: setup.dataset.scripted });
    // The embedding localizer asks no chat model: every chat request is the generator's.
    const config = (name: string) =>
      setup.writeConfig(`${name}.json`, {
        name: 'partial',
        storage: `sqlite:${database(name)}`,
        output: path.join(setup.directory, `out-${name}`),
        localizer: [{ plugin: 'embedding', options: { tokenBudget: 1500 } }],
      });

    setup.server.setHandler((request) => (request.protocol === 'openai-chat' ? serverErrorReply({ status: 500, message: 'the GPUs are on fire' }) : scripted(request)));
    failing = await run(setup, config('interrupted'));
    failingStates = await withStorage(database('interrupted'), async (storage) => {
      const [experiment] = await storage.listExperiments();
      const {
        items: [runRecord],
      } = await storage.queryRuns({ experimentId: experiment!.id });
      const states: Array<[string, string, string | undefined]> = [];
      const stages: string[] = [];
      for (const instance of setup.dataset.instances) {
        const state = (await storage.getWorkState(runRecord!.id, instance.instanceId, 'instance'))?.state as { status: string; failureReason?: string } | undefined;
        states.push([instance.instanceId, state?.status ?? 'none', state?.failureReason]);
        for (const stage of (await storage.queryStageResults({ runId: runRecord!.id, instanceId: instance.instanceId })).items) if (stage.status === 'ok') stages.push(stage.stage);
      }
      return { states, okStages: [...new Set(stages)].sort() };
    });

    setup.server.setHandler(scripted);
    const beforeHealed = chats();
    healed = await run(setup, config('interrupted'));
    healedChats = chats() - beforeHealed;

    const beforeHealthy = chats();
    healthy = await run(setup, config('healthy'));
    healthyChats = chats() - beforeHealthy;
  }, 600_000);
  afterAll(() => setup?.close());

  it('the failing run exits non-zero with every instance partial (endpoint-error), and writes no generate or select result', async () => {
    expect(failing.code).toBe(1);
    expect(failing.json.runs).toEqual([expect.objectContaining({ status: 'failed', done: 0, failed: 0, partial: setup.dataset.instances.length, pending: 0 })]);
    expect(failing.stderr).toMatch(/partial \(endpoint-error\)/);
    expect(failingStates.states).toEqual(setup.dataset.instances.map((instance) => [instance.instanceId, 'partial', 'endpoint-error']));
    // The localization is a result and is kept; the generation obtained none and is not stored as done.
    expect(failingStates.okStages).toEqual(['localize']);
  });

  it('healed, the same command sends exactly the requests of a healthy run and ends with its records', async () => {
    expect(healthy.code).toBe(0);
    expect(healed.code).toBe(0);
    expect(healed.json.runs).toEqual([expect.objectContaining({ status: 'completed', done: setup.dataset.instances.length, partial: 0 })]);
    expect(healthyChats).toBeGreaterThan(0);
    expect(healedChats).toBe(healthyChats);
    const ids = setup.dataset.instances.map((instance) => instance.instanceId);
    expect(await resultsOf(database('interrupted'), ids)).toEqual(await resultsOf(database('healthy'), ids));
    expect(fs.existsSync(database('interrupted'))).toBe(true);
  });
});

describe('exit codes of partial runs', () => {
  const outcome = (counts: { failed: number; partial: number; pending: number }) =>
    ({
      experimentId: 'e',
      reports: [],
      reportFiles: { markdown: '', html: '', json: '' },
      runs: [{ runId: 'r', label: 'r', status: 'failed', done: 1, predictions: '', modelNameOrPath: 'r', ...counts }],
    }) as unknown as Parameters<typeof exitCodeOf>[0];
  it('a partial instance makes the run exit 1 unless --allow-partial; a failed or unfinished one always does', () => {
    expect(exitCodeOf(outcome({ failed: 0, partial: 1, pending: 0 }))).toBe(1);
    expect(exitCodeOf(outcome({ failed: 0, partial: 1, pending: 0 }), { allowPartial: true })).toBe(0);
    expect(exitCodeOf(outcome({ failed: 1, partial: 1, pending: 0 }), { allowPartial: true })).toBe(1);
    expect(exitCodeOf(outcome({ failed: 0, partial: 0, pending: 1 }), { allowPartial: true })).toBe(1);
    expect(exitCodeOf(outcome({ failed: 0, partial: 0, pending: 0 }))).toBe(0);
  });
});

describe('a code experiment whose generator calls all fail: its instances are partial too', () => {
  let setup: ScriptedSetup;
  afterAll(() => setup?.close());

  it('exits 1 with every instance partial and no generate result stored', async () => {
    setup = await createScriptedSetup();
    const scripted = createScriptedModelHandler({ instances: setup.dataset.scripted });
    setup.server.setHandler((request) => (request.protocol === 'openai-chat' ? serverErrorReply({ status: 500, message: 'the GPUs are on fire' }) : scripted(request)));
    const output = path.join(setup.directory, 'code');
    const database = path.join(output, 'runs.db');
    const module = path.join(setup.directory, 'failing-experiment.ts');
    const runnerIndex = new URL('../src/index.ts', import.meta.url).pathname;
    fs.writeFileSync(path.join(setup.directory, 'package.json'), JSON.stringify({ name: 'research', private: true, type: 'module' }));
    fs.writeFileSync(
      module,
      `import { defineExperiment } from ${JSON.stringify(runnerIndex)};
import type { Patch } from '@codemonkeys/protocol';

export default defineExperiment({
  name: 'failing-by-hand',
  config: {
    dataset: ${JSON.stringify(setup.dataset.datasetFile)},
    repositories: ${JSON.stringify(setup.dataset.fixture.repositorySources)},
    models: { default: { baseUrl: ${JSON.stringify(`${setup.server.url}/v1`)}, model: 'scripted', name: 'scripted-test-model' } },
    storage: ${JSON.stringify(`sqlite:${database}`)},
    output: ${JSON.stringify(output)},
    sandbox: 'none',
    retries: 0,
  },
  async setup(experiment) {
    const localizer = await experiment.plugin('localizer', 'embedding', { tokenBudget: 1500 });
    const generator = await experiment.plugin('generator', 'llm', { samples: 2, seed: 1000 });
    const selector = await experiment.plugin('selector', 'vote');
    return {
      async run(instanceId: string): Promise<Patch> {
        const localization = await experiment.stage('localize', () => localizer.run(instanceId));
        const [patches] = await experiment.stage('generate', () => generator.run(localization, instanceId));
        return experiment.stage('select', () => selector.run(patches, instanceId));
      },
    };
  },
});
`,
    );
    const result = await run(setup, module);
    expect(result.code).toBe(1);
    expect(result.json.runs).toEqual([expect.objectContaining({ done: 0, failed: 0, partial: setup.dataset.instances.length })]);
    await withStorage(database, async (storage) => {
      const {
        items: [runRecord],
      } = await storage.queryRuns({});
      for (const instance of setup.dataset.instances) {
        const generate = await storage.getStageResult({ runId: runRecord!.id, instanceId: instance.instanceId, stage: 'generate', sample: 0 });
        expect(generate?.status).not.toBe('ok');
      }
    });
  }, 600_000);
});
