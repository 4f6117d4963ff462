import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { RewardRecord, SequenceStorage } from '@codemonkeys/protocol';
import { describeWhenAvailable } from '@codemonkeys/protocol/testkit';
import { verdictCacheKey, verdictCacheKeyParts } from '@codemonkeys/rewards';
import { dockerAvailability } from '@codemonkeys/sandbox-docker/testing';
import { parseEnvironmentSpecs, type EnvironmentSpec } from '@codemonkeys/swebench';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ExperimentConfigInput } from '../src/config/experiment-config';
import { RewardsOptionsSchema } from '../src/rewards/rewards-options';
import { runOfflineRewards, writeOfflineRewards } from '../src/rewards/run-offline-rewards';
import { openStorage } from '../src/storage/open-storage';
import { runInProcess } from './support/run-in-process';
import { createScriptedSetup, type ScriptedSetup } from './support/scripted-experiment';

const workspaceModules = path.resolve(import.meta.dirname, '../../../node_modules');

/** A v1.1 selector that asks its cache for every key it is given (the verdicts' keys) and writes what it got. */
const peekingSelector = `import fs from 'node:fs';
import { definePlugin } from '@codemonkeys/protocol';
import { z } from 'zod';

export default definePlugin({
  meta: { name: 'peek', version: '1.0.0' },
  kind: 'selector',
  specificationVersion: 'v1.1',
  optionsSchema: z.object({ report: z.string(), keys: z.array(z.string()) }),
  create(options, context) {
    return {
      specificationVersion: 'v1.1',
      async run(candidates, instanceId) {
        const seen = [];
        // Its own entries it can read: the cache works, and answers nothing only for keys outside it.
        await context.cache.put([{ key: 'own', value: { instanceId } }]);
        seen.push({ key: 'own', value: (await context.cache.get('own')) ?? null });
        for (const key of options.keys) seen.push({ key, value: (await context.cache.get(key)) ?? null });
        fs.appendFileSync(options.report, JSON.stringify({ instanceId, seen }) + '\\n');
        return { index: 0, patch: candidates[0], reason: 'the first' };
      },
    };
  },
});
`;

/** Docker's container events between two times (seconds, as `docker events` takes them) of the containers of one experiment. */
async function containerEvents(experimentId: string, since: number, until: number): Promise<string[]> {
  const { stdout } = await promisify(execFile)('docker', [
    'events',
    '--since',
    String(since),
    '--until',
    String(until),
    '--filter',
    'type=container',
    '--filter',
    `label=codemonkeys.experiment=${experimentId}`,
    '--format',
    '{{.Action}}',
  ]);
  return stdout.split('\n').filter(Boolean);
}

const seconds = (): number => Math.floor(Date.now() / 1000);

describeWhenAvailable(
  'a variant run in the same SQLite storage reuses the verdicts of candidates it repeats (real Docker on the fixture instances)',
  await dockerAvailability(),
  () => {
    let setup: ScriptedSetup;
    let database: string;
    let peekReport: string;
    const results: Record<'first' | 'variant', { code: number; stdout: string; stderr: string; since: number; until: number; experimentId: string; runId: string }> = {} as never;
    let verdictKeys: string[] = [];

    const withStorage = async <T>(use: (storage: SequenceStorage) => Promise<T>): Promise<T> => {
      const storage = await openStorage(`sqlite:${database}`, { mustExist: true });
      try {
        return await use(storage);
      } finally {
        await storage.close();
      }
    };
    const generationVerdicts = (runId: string): Promise<RewardRecord[]> =>
      withStorage(async (storage) => (await storage.queryRewards({ runId, stage: 'generate', name: 'resolved', limit: 1000 })).items);

    beforeAll(async () => {
      setup = await createScriptedSetup();
      fs.mkdirSync(path.join(setup.directory, 'node_modules/@codemonkeys'), { recursive: true });
      fs.symlinkSync(path.join(workspaceModules, '@codemonkeys/protocol'), path.join(setup.directory, 'node_modules/@codemonkeys/protocol'));
      fs.symlinkSync(path.join(workspaceModules, 'zod'), path.join(setup.directory, 'node_modules/zod'));
      fs.writeFileSync(path.join(setup.directory, 'package.json'), JSON.stringify({ name: 'verdict-cache-lab', private: true, type: 'module' }));
      fs.writeFileSync(path.join(setup.directory, 'peek.mjs'), peekingSelector);
      database = path.join(setup.directory, 'runs.db');
      peekReport = path.join(setup.directory, 'peeked.jsonl');
      // Gold verdicts of every candidate, nothing else in the sandbox: no generated tests (the generator
      // writes none), so every container command of a run is a verdict's.
      const shared: Partial<ExperimentConfigInput> = {
        storage: `sqlite:${database}`,
        sandbox: { specFile: setup.dataset.specFile },
        localizer: [{ plugin: 'agentless' }],
        generator: { plugin: 'llm', options: { samples: 3, seed: 1000, tests: 'none', concurrency: 3 } },
        rewards: { generatedTests: false },
        concurrency: { instances: 2, containers: 2, cpu: 2 },
      };

      const runOne = async (name: 'first' | 'variant', selector: unknown): Promise<void> => {
        const config = setup.writeConfig(`${name}.json`, {
          ...shared,
          name,
          output: path.join(setup.directory, `out-${name}`),
          selector: selector as ExperimentConfigInput['selector'],
        });
        const since = seconds();
        const result = await runInProcess(setup.directory, config);
        const until = seconds() + 1;
        if (result.code !== 0) throw new Error(`the ${name} run exited ${result.code}:\n${result.stderr}\n${result.stdout}`);
        const ids = await withStorage(async (storage) => {
          const experiment = (await storage.listExperiments()).find((entry) => entry.name === name)!;
          const [runRecord] = (await storage.queryRuns({ experimentId: experiment.id })).items;
          return { experimentId: experiment.id, runId: runRecord!.id };
        });
        results[name] = { ...result, since, until, ...ids };
      };

      await runOne('first', 'vote');
      // The keys of the verdicts the first run cached, computed from its candidates as the rewarder does.
      const spec: EnvironmentSpec = parseEnvironmentSpecs(JSON.parse(fs.readFileSync(setup.dataset.specFile, 'utf8')))[0]!;
      verdictKeys = await withStorage(async (storage) => {
        const keys = new Set<string>();
        for (const instance of setup.dataset.instances) {
          const generated = await storage.getStageResult({ runId: results.first.runId, instanceId: instance.instanceId, stage: 'generate', sample: 0 });
          for (const candidate of generated!.output as Array<{ diff?: string; patch?: { diff: string } }>) {
            const diff = candidate.patch?.diff ?? candidate.diff!;
            if (diff.trim() !== '') keys.add(verdictCacheKey(verdictCacheKeyParts(instance, spec, diff)));
          }
        }
        return [...keys];
      });
      // The variant: another selector (one that tries to read the cached verdicts); the same candidates.
      await runOne('variant', { plugin: './peek.mjs', options: { report: peekReport, keys: verdictKeys } });
    }, 1_800_000);
    afterAll(() => setup?.close());

    it('the first run computed its verdicts in containers and cached each distinct one', async () => {
      const events = await containerEvents(results.first.experimentId, results.first.since, results.first.until);
      expect(events.filter((action) => action.startsWith('exec_start')).length).toBeGreaterThan(0);
      const verdicts = await generationVerdicts(results.first.runId);
      expect(verdicts).toHaveLength(setup.dataset.instances.length * 3);
      expect(verdicts.every((record) => record.value === 0 || record.value === 1)).toBe(true);
      // Each distinct diff computed once; a repeat (the gold diff is sampled at least twice per instance) reused within the run.
      expect(verdictKeys.length).toBeLessThan(verdicts.length);
      expect(verdicts.filter((record) => record.details.source === 'sandbox')).toHaveLength(verdictKeys.length);
      expect(verdicts.filter((record) => record.details.source === 'cache')).toHaveLength(verdicts.length - verdictKeys.length);
      await withStorage(async (storage) => {
        for (const key of verdictKeys) expect((await storage.getCacheEntry(key))?.value, key).toMatchObject({ origin: { runId: results.first.runId } });
      });
    });

    it('the variant ran no container command and took every verdict, equal to the first run’s, from the cache', async () => {
      const events = await containerEvents(results.variant.experimentId, results.variant.since, results.variant.until);
      expect(events).toEqual([]);
      const first = await generationVerdicts(results.first.runId);
      const variant = await generationVerdicts(results.variant.runId);
      const byCandidate = (records: RewardRecord[]) =>
        Object.fromEntries(records.map((record) => [`${record.instanceId}/${record.sample}`, { value: record.value, diffSha256: record.details.diffSha256 }]));
      expect(byCandidate(variant)).toEqual(byCandidate(first));
      for (const record of variant) {
        expect(record.details.source, `${record.instanceId}/${record.sample}`).toBe('cache');
        expect(record.details.cachedFrom).toMatchObject({ runId: results.first.runId, createdAt: expect.any(String) });
      }
    });

    it('the reports count the verdicts computed and reused', () => {
      const computedRow = (stdout: string) => stdout.split('\n').find((line) => line.includes('SWE-bench verdicts computed / reused'));
      const candidates = setup.dataset.instances.length * 3;
      expect(computedRow(results.first.stdout)).toContain(`${verdictKeys.length} / ${candidates - verdictKeys.length}`);
      expect(computedRow(results.variant.stdout)).toContain(`0 / ${candidates}`);
      const report = JSON.parse(fs.readFileSync(path.join(setup.directory, 'out-variant', 'report.json'), 'utf8')) as {
        runs: Array<{ scorecard: { headline: { verdictsComputed: number | null; verdictsReused: number | null } } }>;
      };
      expect(report.runs[0]!.scorecard.headline).toMatchObject({ verdictsComputed: 0, verdictsReused: candidates });
    });

    it('a plugin cannot read a cached verdict: its cache answers nothing for the verdicts’ keys', () => {
      const lines = fs
        .readFileSync(peekReport, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { instanceId: string; seen: Array<{ key: string; value: unknown }> });
      expect(lines).toHaveLength(setup.dataset.instances.length);
      for (const { instanceId, seen } of lines) {
        expect(seen[0]).toEqual({ key: 'own', value: { instanceId } });
        expect(seen.slice(1).map((entry) => entry.key)).toEqual(verdictKeys);
        for (const entry of seen.slice(1)) expect(entry.value, entry.key).toBeNull();
      }
    });

    it('codemonkeys rewards --storage reuses the verdicts of the runs in that storage; without it they are computed', async () => {
      const output = path.join(setup.directory, 'out-first');
      const runFolder = fs.readdirSync(output).find((entry) => fs.existsSync(path.join(output, entry, 'predictions.jsonl')))!;
      const options = (storage?: string) =>
        RewardsOptionsSchema.parse({
          dataset: setup.dataset.datasetFile,
          predictions: [path.join(output, runFolder, 'predictions.jsonl')],
          sandbox: true,
          ...(storage ? { storage } : {}),
          repository: Object.entries(setup.dataset.fixture.repositorySources).map(([repo, source]) => `${repo}=${source}`),
          specFile: setup.dataset.specFile,
          cacheDirectory: path.join(setup.directory, 'repositories'),
          bootstrapSamples: 100,
          progress: 'lines',
        });
      const io = { signal: new AbortController().signal, log: () => undefined };
      const instances = setup.dataset.instances.length;
      const reused = await runOfflineRewards(options(`sqlite:${database}`), io);
      expect(reused.runs[0]!.scorecard.headline).toMatchObject({ verdictsComputed: 0, verdictsReused: instances });
      expect(await writeOfflineRewards(reused, 'md', undefined)).toMatch(/SWE-bench verdicts reused from the verdict cache \| generation \| \d+ \|/);
      const computed = await runOfflineRewards(options(), io);
      expect(computed.runs[0]!.scorecard.headline).toMatchObject({ verdictsComputed: instances, verdictsReused: 0 });
      expect(computed.runs[0]!.scorecard.headline.candidateResolved).toBe(reused.runs[0]!.scorecard.headline.candidateResolved);
    }, 900_000);
  },
);
