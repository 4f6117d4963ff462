import fs from 'node:fs';
import path from 'node:path';
import { describeWhenAvailable } from '@codemonkeys/protocol/testkit';
import { dockerAvailability } from '@codemonkeys/sandbox-docker/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openStorage } from '../src/storage/open-storage';
import { runInProcess } from './support/run-in-process';
import { createScriptedSetup, type ScriptedSetup } from './support/scripted-experiment';

const workspaceModules = path.resolve(import.meta.dirname, '../../../node_modules');

/**
 * A selector that tries every path a plugin has to the run's verdicts, rewards and gold data, and writes
 * what it found to a file. v1 (its context has `storage`, which on a v1.1 host reaches only the
 * plugin's cache and checkpoints) and v1.1 (no storage at all). It chooses the first candidate.
 */
const adversarialSelector = (version: 'v1' | 'v1.1') => `import fs from 'node:fs';
import { definePlugin } from '@codemonkeys/protocol';
import { z } from 'zod';

const storageMethods = ['putExperiment', 'getExperiment', 'listExperiments', 'putRun', 'getRun', 'queryRuns', 'putStageResults', 'getStageResult', 'queryStageResults', 'putRewards', 'queryRewards', 'putMessageLogs', 'queryMessageLogs', 'putModelCalls', 'queryModelCalls', 'queryWorkStates', 'summarizeRun', 'exportRun', 'importRecords', 'writer'];
const hostWorkStates = ['instance', 'rewards:generate', 'rewards:localize', 'rewards:select'];

async function attempt(what, fn) {
  try {
    let value = await fn();
    if (value && typeof value[Symbol.asyncIterator] === 'function') { const items = []; for await (const item of value) items.push(item); value = items; }
    return { what, outcome: 'value', value: JSON.parse(JSON.stringify(value ?? null)) };
  } catch (error) {
    return { what, outcome: 'refused', error: error?.name ?? String(error) };
  }
}

export default definePlugin({
  meta: { name: 'adversary-${version}', version: '1.0.0' },
  kind: 'selector',
  specificationVersion: '${version}',
  optionsSchema: z.object({ report: z.string() }),
  create(options, context) {
    return {
      specificationVersion: '${version}',
      async run(candidates, instanceId) {
        const seen = [];
        const runId = context.runId ?? 'unknown';
        seen.push({ what: 'context keys', outcome: 'value', value: Object.keys(context).sort() });
        seen.push(await attempt('task', () => context.task(instanceId)));
        seen.push({ what: 'candidates', outcome: 'value', value: JSON.parse(JSON.stringify(candidates)) });
        seen.push({ what: 'hypers', outcome: 'value', value: context.hypers });
        const workspace = await context.workspace(instanceId);
        seen.push(await attempt('workspace files', () => workspace.listFiles()));
        if (context.storage) {
          for (const method of storageMethods) {
            const args = method === 'getStageResult' ? [{ runId, instanceId, stage: 'generate', sample: 0 }] : method.startsWith('query') ? [{ runId, instanceId }] : method.startsWith('put') ? [[]] : [runId];
            seen.push(await attempt('storage.' + method, () => context.storage[method](...args)));
          }
          for (const key of hostWorkStates) seen.push(await attempt('storage.getWorkState ' + key, () => context.storage.getWorkState(runId, instanceId, key)));
          seen.push(await attempt('storage.getWorkState of another run', () => context.storage.getWorkState('another-run', instanceId, 'instance')));
        } else {
          for (const key of hostWorkStates) seen.push(await attempt('checkpoint ' + key, () => context.checkpoint(instanceId).get(key)));
          seen.push(await attempt('cache', () => context.cache.get('resolved')));
        }
        fs.appendFileSync(options.report, JSON.stringify({ instanceId, seen }) + '\\n');
        return ${version === 'v1' ? 'candidates[0]' : "{ index: 0, patch: candidates[0], reason: 'the first' }"};
      },
    };
  },
});
`;

interface Observation {
  what: string;
  outcome: 'value' | 'refused';
  value?: unknown;
  error?: string;
}

describeWhenAvailable(
  'a selector plugin cannot reach any verdict, reward or gold data (default config: gold verdicts of every candidate, in Docker)',
  await dockerAvailability(),
  () => {
    let setup: ScriptedSetup;
    const reports: Record<'v1' | 'v1.1', string> = { v1: '', 'v1.1': '' };
    const databases: Record<'v1' | 'v1.1', string> = { v1: '', 'v1.1': '' };
    const codes: Record<string, number> = {};

    beforeAll(async () => {
      setup = await createScriptedSetup();
      fs.mkdirSync(path.join(setup.directory, 'node_modules/@codemonkeys'), { recursive: true });
      fs.symlinkSync(path.join(workspaceModules, '@codemonkeys/protocol'), path.join(setup.directory, 'node_modules/@codemonkeys/protocol'));
      fs.symlinkSync(path.join(workspaceModules, 'zod'), path.join(setup.directory, 'node_modules/zod'));
      fs.writeFileSync(path.join(setup.directory, 'package.json'), JSON.stringify({ name: 'adversary-lab', private: true, type: 'module' }));
      for (const version of ['v1', 'v1.1'] as const) {
        const plugin = path.join(setup.directory, `adversary-${version}.mjs`);
        fs.writeFileSync(plugin, adversarialSelector(version));
        reports[version] = path.join(setup.directory, `seen-${version}.jsonl`);
        databases[version] = path.join(setup.directory, `runs-${version}.db`);
        const config = setup.writeConfig(`experiment-${version}.json`, {
          name: `adversary-${version.replace('.', '-')}`,
          storage: `sqlite:${databases[version]}`,
          output: path.join(setup.directory, `out-${version}`),
          // The defaults: gold verdicts of every candidate (rewards.goldTests 'candidates'), before selection.
          sandbox: { specFile: setup.dataset.specFile },
          localizer: [{ plugin: 'agentless' }],
          selector: { plugin: `./adversary-${version}.mjs`, options: { report: reports[version] } },
          concurrency: { instances: 2, containers: 2, cpu: 2 },
        });
        const result = await runInProcess(setup.directory, config);
        codes[version] = result.code;
        if (result.code !== 0) throw new Error(`the run with the ${version} adversary exited ${result.code}:\n${result.stderr}\n${result.stdout}`);
      }
    }, 900_000);
    afterAll(() => setup?.close());

    const observations = (version: 'v1' | 'v1.1'): Array<{ instanceId: string; seen: Observation[] }> =>
      fs
        .readFileSync(reports[version], 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { instanceId: string; seen: Observation[] });

    it('the verdicts exist: the gold tests ran on every candidate before the selector did', async () => {
      for (const version of ['v1', 'v1.1'] as const) {
        expect(codes[version]).toBe(0);
        const storage = await openStorage(`sqlite:${databases[version]}`, { mustExist: true });
        try {
          const [experiment] = await storage.listExperiments();
          const {
            items: [runRecord],
          } = await storage.queryRuns({ experimentId: experiment!.id });
          const verdicts = (await storage.queryRewards({ runId: runRecord!.id, limit: 1000 })).items.filter((reward) => reward.stage === 'generate' && reward.name === 'resolved');
          expect(verdicts.length).toBeGreaterThanOrEqual(setup.dataset.instances.length);
          expect(verdicts.some((reward) => reward.value === 1)).toBe(true);
          // Each instance's selection came after its candidates' verdicts were stored.
          for (const instance of setup.dataset.instances) {
            const select = await storage.getStageResult({ runId: runRecord!.id, instanceId: instance.instanceId, stage: 'select', sample: 0 });
            const firstVerdict = verdicts
              .filter((reward) => reward.instanceId === instance.instanceId)
              .map((reward) => reward.createdAt)
              .sort()[0]!;
            expect(select!.startedAt >= firstVerdict).toBe(true);
          }
        } finally {
          await storage.close();
        }
      }
    });

    it('v1: every storage method but the plugin cache and checkpoints is refused, and the host work states are not there', () => {
      const all = observations('v1');
      expect(all.map((entry) => entry.instanceId).sort()).toEqual(setup.dataset.instances.map((instance) => instance.instanceId).sort());
      for (const { seen } of all) {
        const storageCalls = seen.filter((observation) => observation.what.startsWith('storage.') && !observation.what.startsWith('storage.getWorkState'));
        expect(storageCalls).toHaveLength(20);
        for (const call of storageCalls) expect(call, call.what).toMatchObject({ outcome: 'refused', error: 'UnsupportedCapabilityError' });
        for (const workState of seen.filter((observation) => observation.what.startsWith('storage.getWorkState')))
          expect(workState, workState.what).toMatchObject({ outcome: 'value', value: null });
      }
    });

    it('v1.1: the context is capabilities only (no storage), and checkpoints and cache hold nothing of the host', () => {
      for (const { seen } of observations('v1.1')) {
        expect(seen.find((observation) => observation.what === 'context keys')!.value).toEqual([
          'cache',
          'checkpoint',
          'hypers',
          'logger',
          'model',
          'sandbox',
          'signal',
          'specificationVersion',
          'task',
          'workspace',
        ]);
        for (const observation of seen.filter((entry) => entry.what.startsWith('checkpoint ') || entry.what === 'cache'))
          expect(observation, observation.what).toMatchObject({ outcome: 'value', value: null });
      }
    });

    it('nothing either adversary saw holds a verdict, a reward, the gold patch, the test patch or the test lists', () => {
      for (const version of ['v1', 'v1.1'] as const) {
        for (const { instanceId, seen } of observations(version)) {
          const instance = setup.dataset.instances.find((candidate) => candidate.instanceId === instanceId)!;
          const text = JSON.stringify(seen);
          const task = seen.find((observation) => observation.what === 'task')!;
          expect(Object.keys(task.value as object).sort()).not.toEqual(expect.arrayContaining(['patch']));
          for (const field of ['patch', 'testPatch', 'failToPass', 'passToPass']) expect(task.value as object).not.toHaveProperty(field);
          expect(text).not.toContain(JSON.stringify(instance.testPatch).slice(1, -1));
          for (const test of [...instance.failToPass, ...instance.passToPass]) expect(text).not.toContain(test);
          // No reward record (a verdict, the oracle, gold-line recall, similarity to gold) in anything seen.
          expect(text).not.toMatch(/"name":"(resolved|oracle|gold-line-recall|similarity|patch-lines)"/);
          expect(text).not.toMatch(/"stage":"(generate|localize|select)"/);
          // The candidates are what the generator made, with no reward attached.
          const candidates = seen.find((observation) => observation.what === 'candidates')!.value as Array<{ metadata: Record<string, unknown> }>;
          expect(candidates.length).toBeGreaterThan(0);
          for (const candidate of candidates) expect(Object.keys(candidate.metadata)).not.toEqual(expect.arrayContaining(['rewards']));
        }
      }
    });
  },
);
