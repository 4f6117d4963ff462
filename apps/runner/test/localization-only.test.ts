import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunCommandFlags } from '../src/commands/run-command';
import { openStorage } from '../src/storage/open-storage';
import { runInProcess } from './support/run-in-process';
import { createScriptedSetup, type ScriptedSetup } from './support/scripted-experiment';

describe('a localization-only run: one command, no generator or selector, localizers side by side', () => {
  let setup: ScriptedSetup;
  let result: { code: number; stdout: string; stderr: string };
  let database: string;

  beforeAll(async () => {
    setup = await createScriptedSetup();
    database = path.join(setup.directory, 'runs.db');
    const config = setup.config();
    const flags: Partial<RunCommandFlags> = {
      dataset: config.dataset as string,
      instances: [],
      localizer: ['agentless'],
      set: ['localizer.tokenBudget=1500'],
      vary: ['localizer=agentless,embedding'],
      repository: Object.entries(config.repositories as Record<string, string>).map(([repo, where]) => `${repo}=${where}`),
      rewards: true,
      progress: 'lines',
      stages: 'localize',
      sandbox: 'none',
      model: 'scripted',
      baseUrl: config.models.default!.baseUrl,
      endpointName: 'scripted-test-model',
      storage: `sqlite:${database}`,
      output: path.join(setup.directory, 'out'),
      name: 'contexts',
    };
    result = await runInProcess(setup.directory, undefined, flags);
  }, 600_000);
  afterAll(() => setup?.close());

  it('finishes every instance of both localizers, stores their contexts and rewards, and no generate or select stage', async () => {
    expect(result.code, `${result.stderr}\n${result.stdout}`).toBe(0);
    const storage = await openStorage(`sqlite:${database}`, { mustExist: true });
    try {
      const [experiment] = await storage.listExperiments();
      const runs = (await storage.queryRuns({ experimentId: experiment!.id })).items;
      expect(runs).toHaveLength(2);
      for (const run of runs) {
        expect((run.metadata.plugins as Array<{ stage: string }>).map((plugin) => plugin.stage)).toEqual(['localize']);
        for (const instance of setup.dataset.instances) {
          expect((await storage.getStageResult({ runId: run.id, instanceId: instance.instanceId, stage: 'localize', sample: 0 }))?.status).toBe('ok');
          expect(await storage.getStageResult({ runId: run.id, instanceId: instance.instanceId, stage: 'generate', sample: 0 })).toBeUndefined();
          expect(await storage.getStageResult({ runId: run.id, instanceId: instance.instanceId, stage: 'select', sample: 0 })).toBeUndefined();
        }
        const recall = (await storage.queryRewards({ runId: run.id, stage: 'localize', name: 'gold-line-recall', limit: 100 })).items;
        expect(recall.length).toBe(setup.dataset.instances.length);
      }
    } finally {
      await storage.close();
    }
  });

  it('shows both localizers side by side in the report, and writes no prediction', () => {
    expect(result.stdout).toMatch(/localizer=agentless/);
    expect(result.stdout).toMatch(/localizer=embedding/);
    expect(result.stdout).toMatch(/gold-line recall/i);
    for (const folder of fs.readdirSync(path.join(setup.directory, 'out'))) {
      const predictions = path.join(setup.directory, 'out', folder, 'predictions.jsonl');
      if (fs.existsSync(predictions)) expect(fs.readFileSync(predictions, 'utf8').trim()).toBe('');
    }
  });

  it('refuses a full run without a generator, naming the way out', async () => {
    const config = setup.writeConfig('no-generator.json', { generator: undefined, selector: undefined, storage: `sqlite:${database}` });
    const error = await runInProcess(setup.directory, config).catch((caught: unknown) => caught);
    const err = (error as { stderr?: string }).stderr ?? '';
    expect(String((error as Error)?.message ?? error) + err).toMatch(/generator and selector: required to generate and select.*--stages localize/);
  });
});
