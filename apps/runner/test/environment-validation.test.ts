import fs from 'node:fs';
import path from 'node:path';
import { describeWhenAvailable } from '@codemonkeys/protocol/testkit';
import { dockerAvailability } from '@codemonkeys/sandbox-docker/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ExperimentConfigInput } from '../src/config/experiment-config';
import type { EnvironmentValidationSummary } from '../src/execution/environment-validation';
import { openStorage } from '../src/storage/open-storage';
import { predictionsOf } from './support/stored-records';
import { runInProcess } from './support/run-in-process';
import { createScriptedSetup, type ScriptedSetup } from './support/scripted-experiment';

/** The instance ids of the predictions a run wrote (one run folder under the output). */
const predictedIds = (output: string): string[] =>
  Object.values(predictionsOf(output)).flatMap((file) =>
    file
      .split('\n')
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { instance_id: string }).instance_id),
  );

describeWhenAvailable('gold validation of the environments before a run (real Docker on the fixture instances)', await dockerAvailability(), () => {
  let setup: ScriptedSetup;
  let database: string;
  let brokenId: string;
  let config: (name: string) => string;

  beforeAll(async () => {
    setup = await createScriptedSetup();
    database = path.join(setup.directory, 'runs.db');
    // One instance whose dataset row this environment cannot reproduce: a FAIL_TO_PASS test that does not exist never passes.
    const rows = fs
      .readFileSync(setup.dataset.datasetFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    brokenId = rows[0]!.instance_id as string;
    const failToPass = JSON.parse(rows[0]!.FAIL_TO_PASS as string) as string[];
    rows[0]!.FAIL_TO_PASS = JSON.stringify([...failToPass, 'tests/test_words.py::test_that_does_not_exist']);
    fs.writeFileSync(setup.dataset.datasetFile, rows.map((row) => JSON.stringify(row)).join('\n') + '\n');
    const shared: Partial<ExperimentConfigInput> = {
      storage: `sqlite:${database}`,
      localizer: [{ plugin: 'agentless' }],
      generator: { plugin: 'llm', options: { samples: 1, seed: 1000, tests: 'none', concurrency: 1 } },
      rewards: { goldTests: 'none', generatedTests: false },
      concurrency: { instances: 2, containers: 2, cpu: 2 },
    };
    config = (name) => setup.writeConfig(`${name}.json`, { ...shared, name, output: path.join(setup.directory, `out-${name}`), sandbox: { specFile: setup.dataset.specFile } });
  }, 600_000);
  afterAll(() => setup?.close());

  const summaryOf = async (name: string): Promise<EnvironmentValidationSummary> => {
    const storage = await openStorage(`sqlite:${database}`, { mustExist: true });
    try {
      const experiment = (await storage.listExperiments()).find((entry) => entry.name === name)!;
      const [record] = (await storage.queryRuns({ experimentId: experiment.id })).items;
      return record!.metadata.environments as EnvironmentValidationSummary;
    } finally {
      await storage.close();
    }
  };

  it('with --environments validated, leaves out the instance whose gold patch does not resolve, and says why before the run', async () => {
    const result = await runInProcess(setup.directory, config('validated'), { environments: 'validated' });
    expect(result.code, result.stderr).toBe(0);
    const instances = setup.dataset.instances.length;
    expect(result.stderr).toContain(`environments: ${instances - 1} reproduced, 1 not reproduced, 0 not validated (${instances} checked now, 0 from the storage)`);
    expect(result.stderr).toMatch(
      new RegExp(`not reproduced, left out of the run: ${brokenId}: with the gold patch, FAIL_TO_PASS tests fail: tests/test_words.py::test_that_does_not_exist`),
    );
    // Validation came before any model call: the first lines about it precede the first stage.
    expect(result.stderr.indexOf('validating the environments')).toBeLessThan(result.stderr.indexOf('environments: '));
    const predicted = predictedIds(path.join(setup.directory, 'out-validated'));
    expect(predicted).not.toContain(brokenId);
    expect(predicted).toHaveLength(instances - 1);
    expect(await summaryOf('validated')).toMatchObject({ mode: 'validated', reproduced: instances - 1, excluded: [brokenId], notReproduced: [{ instanceId: brokenId }] });
  }, 900_000);

  it('a later run in the same storage reuses the validations, and by default runs every instance with the broken one flagged', async () => {
    const result = await runInProcess(setup.directory, config('all'));
    expect(result.code, result.stderr).toBe(0);
    const instances = setup.dataset.instances.length;
    expect(result.stderr).toContain(`(0 checked now, ${instances} from the storage)`);
    expect(result.stderr).toContain(`not reproduced, run anyway, flagged (--environments validated leaves them out): ${brokenId}`);
    expect(result.stdout).toMatch(new RegExp(`environments: 1 instance\\(s\\) not reproduced and 0 not validated ran anyway.*${brokenId}`));
    expect(predictedIds(path.join(setup.directory, 'out-all'))).toContain(brokenId);
    expect(await summaryOf('all')).toMatchObject({ mode: 'all', stored: instances, checked: 0, excluded: [] });
  }, 900_000);

  it('refuses to validate without a sandbox, and skips validation when told to', async () => {
    const refused = await runInProcess(setup.directory, config('none'), { sandbox: 'none', environments: 'validated' }).catch((error: unknown) => error);
    expect(String((refused as Error).message ?? refused)).toMatch(/--environments validated validates environments in Docker/);
    const unchecked = await runInProcess(setup.directory, config('unchecked'), { environments: 'unchecked' });
    expect(unchecked.code, unchecked.stderr).toBe(0);
    expect(unchecked.stderr).not.toContain('validating the environments');
  }, 900_000);
});
