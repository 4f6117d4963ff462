import path from 'node:path';
import type { SequenceStorage } from '@codemonkeys/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunCommandFlags } from '../src/commands/run-command';
import type { ExperimentConfigInput } from '../src/config/experiment-config';
import { openStorage } from '../src/storage/open-storage';
import { runInProcess } from './support/run-in-process';
import { createScriptedSetup, type ScriptedSetup } from './support/scripted-experiment';

describe('a variant run reuses the localizations an earlier run of the storage computed with the same localizer, options, models and hypers', () => {
  let setup: ScriptedSetup;
  let database: string;
  const runIds: Record<string, string> = {};
  const outputs: Record<string, string> = {};

  const withStorage = async <T>(use: (storage: SequenceStorage) => Promise<T>): Promise<T> => {
    const storage = await openStorage(`sqlite:${database}`, { mustExist: true });
    try {
      return await use(storage);
    } finally {
      await storage.close();
    }
  };

  const runNamed = async (name: string, overrides: Partial<ExperimentConfigInput>, extra: Partial<RunCommandFlags> = {}): Promise<void> => {
    const config = setup.writeConfig(`${name}.json`, {
      storage: `sqlite:${database}`,
      localizer: [{ plugin: 'agentless' }],
      generator: { plugin: 'llm', options: { samples: 2, seed: 1000, tests: 'none', concurrency: 2 } },
      ...overrides,
      name,
      output: path.join(setup.directory, `out-${name}`),
    });
    const { code, stdout: out, stderr: err } = await runInProcess(setup.directory, config, extra);
    if (code !== 0) throw new Error(`the ${name} run exited ${code}:\n${err}\n${out}`);
    outputs[name] = out;
    runIds[name] = await withStorage(async (storage) => {
      const experiment = (await storage.listExperiments()).find((entry) => entry.name === name)!;
      return (await storage.queryRuns({ experimentId: experiment.id })).items[0]!.id;
    });
  };
  const localizeCalls = (runId: string): Promise<number> => withStorage(async (storage) => (await storage.queryModelCalls({ runId, stage: 'localize', limit: 1000 })).items.length);
  const localizations = (runId: string) =>
    withStorage(async (storage) => {
      const results: Record<string, { output: unknown; reusedFrom: unknown }> = {};
      for (const instance of setup.dataset.instances) {
        const stored = await storage.getStageResult({ runId, instanceId: instance.instanceId, stage: 'localize', sample: 0 });
        results[instance.instanceId] = { output: stored!.output, reusedFrom: stored!.metadata.reusedFrom ?? null };
      }
      return results;
    });

  beforeAll(async () => {
    setup = await createScriptedSetup();
    database = path.join(setup.directory, 'runs.db');
    await runNamed('first', {});
    // Another generator: the localizer, its options, the models and hypers are the same.
    await runNamed('variant', { generator: { plugin: 'llm', options: { samples: 3, seed: 1000, tests: 'none', concurrency: 2 } } });
    await runNamed('fresh', { generator: { plugin: 'llm', options: { samples: 1, seed: 1000, tests: 'none', concurrency: 1 } } }, { reuseLocalizations: false });
    await runNamed('other-options', { localizer: [{ plugin: 'agentless', options: { maxFiles: 2 } }] });
  }, 900_000);
  afterAll(() => setup?.close());

  it('the variant made no localization model call and holds the first run’s localizations, recorded as reused from it', async () => {
    const instances = setup.dataset.instances.length;
    expect(await localizeCalls(runIds.first!)).toBeGreaterThan(0);
    expect(await localizeCalls(runIds.variant!)).toBe(0);
    const first = await localizations(runIds.first!);
    const variant = await localizations(runIds.variant!);
    for (const instance of setup.dataset.instances) {
      expect(variant[instance.instanceId]!.output).toEqual(first[instance.instanceId]!.output);
      expect(variant[instance.instanceId]!.reusedFrom).toMatchObject({ runId: runIds.first, createdAt: expect.any(String) });
      expect(first[instance.instanceId]!.reusedFrom).toBeNull();
    }
    expect(outputs.variant).toMatch(new RegExp(`localizations reused from an earlier run \\(nothing spent\\)\\s*│?\\s*${instances}`));
    expect(outputs.first).not.toContain('localizations reused');
  });

  it('localizes again when told not to reuse, or when the localizer’s options differ', async () => {
    expect(await localizeCalls(runIds.fresh!)).toBeGreaterThan(0);
    expect(await localizeCalls(runIds['other-options']!)).toBeGreaterThan(0);
    for (const entry of Object.values(await localizations(runIds['other-options']!))) expect(entry.reusedFrom).toBeNull();
  });
});
