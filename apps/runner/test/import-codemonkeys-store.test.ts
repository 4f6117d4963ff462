import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeWhenAvailable, locateSharedData } from '@codemonkeys/protocol/testkit';
import {
  readAllPages,
  type ExportRecord,
  type MessageLogQuery,
  type MessageLogRecord,
  type RewardQuery,
  type RewardRecord,
  type StageResultQuery,
  type StageResultRecord,
} from '@codemonkeys/protocol';
import { createSqliteSequenceStorage } from '@codemonkeys/storage-sqlite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from './support/run-cli';
import { writeZipOfFolder } from './support/write-zip';

/**
 * A CodeMonkeys trajectory store built here from its published definitions (ScalingIntelligence/codemonkeys
 * `trajectory_data/structs.py` and `store.py`: the folder keys and the pydantic fields), two real SWE-bench
 * Lite instances × two samples, imported from the folder and from a zip of it into a real SQLite file:
 * the records equal the files field by field, a second import is a no-op, and a truncated archive or a
 * file missing a field fails naming it, with nothing stored.
 */

const data = locateSharedData('swe-bench-lite.jsonl');
const instanceIds = ['astropy__astropy-12907', 'django__django-11099'];
const otherDiff = (file: string) => `diff --git a/${file} b/${file}\n--- a/${file}\n+++ b/${file}\n@@ -1,1 +1,2 @@\n # header\n+# a change that resolves nothing\n`;

interface Fixture {
  gold: Map<string, { patch: string; file: string }>;
}

let directory: string;
let database: string;
let store: string;
let fixture: Fixture;

const usage = (input: number, output: number, cacheRead: number, cacheWrite: number) => ({
  input_tokens: input,
  output_tokens: output,
  cache_read_input_tokens: cacheRead,
  cache_creation_input_tokens: cacheWrite,
});
const stateData = (sample: number, messages: Array<{ role: string; content: string }>, usages: unknown[]) => ({
  state: 'done',
  sample_index: sample,
  state_history: ['start', 'done'],
  messages,
  prompt_caching_usages: usages,
  state_counter: 2,
  attempt_counter: 1,
  attempt_history: ['attempt'],
});
const output = (exitCode: number) => ({ stdout: `exit ${exitCode}`, exit_code: exitCode, timed_out: false });

function write(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value, null, 2));
}

/** The store's files for one instance: sample 0 ends with the gold patch, sample 1 with another. */
function writeInstance(root: string, instanceId: string, gold: { patch: string; file: string }, selected: number | null): void {
  const base = path.join(root, instanceId);
  const patches = [gold.patch, otherDiff(gold.file)];
  write(path.join(base, '01_relevance_decisions', `${gold.file}.json`), { message: `RELEVANT: ${gold.file}`, status: 'relevant', summary: 'the bug is here' });
  write(path.join(base, '01_relevance_decisions', 'setup.py.json'), { message: 'not relevant', status: 'not_relevant', summary: null });
  write(path.join(base, '02_ranking.json'), {
    model_rankings: [
      { message: `ranking 1: ${gold.file}`, ranking: [gold.file, 'setup.py'] },
      { message: `ranking 2: ${gold.file}`, ranking: [gold.file] },
    ],
    ranked_files: [
      { tokens: 1234, path: gold.file },
      { tokens: 99, path: 'setup.py' },
    ],
    prompt_caching_usages: [usage(10, 5, 0, 0)],
  });
  patches.forEach((patch, sample) => {
    write(path.join(base, '03_testing_state_machines', `${sample}.json`), {
      ...stateData(
        sample,
        [
          { role: 'system', content: 'write a reproduction test' },
          { role: 'user', content: `issue of ${instanceId}` },
          { role: 'assistant', content: `test ${sample}` },
        ],
        [usage(100, 20, 50, 10)],
      ),
      scripts: [`print("test ${sample}")`],
      outputs: [output(2)],
    });
    write(path.join(base, '04_editing_state_machines', `${sample}.json`), {
      ...stateData(
        sample,
        [
          { role: 'system', content: 'fix the issue' },
          { role: 'user', content: `context of ${instanceId}` },
          { role: 'assistant', content: `edit ${sample}` },
        ],
        [usage(200, 40, 0, 0), usage(300, 60, 100, 0)],
      ),
      test_files: [`print("test ${sample}")`, `print("test ${sample} revised")`],
      original_codebase_outputs: [output(2)],
      initial_test_file: `print("test ${sample}")`,
      search_replaces: ['<<<<<<< SEARCH'],
      patches: ['diff --git a/x b/x\n', patch],
      edited_codebase_outputs: [output(0)],
      file_before_afters: [],
    });
  });
  write(path.join(base, '05_generated_test_execution.json'), {
    test_outputs_per_edit: [
      [output(0), output(0)],
      [output(0), output(2)],
    ],
    test_outputs_on_empty_diff: [output(2), output(2)],
    patch_data: patches.map((patch, sample) => ({ sample_index: sample, patch })),
    test_data: [0, 1].map((sample) => ({ sample_index: sample, test: `print("test ${sample} revised")` })),
    file_before_afters: [],
    costs: [0.1, 0.2],
  });
  write(path.join(base, '06_sample_evaluation.json'), {
    patch_to_results: Object.fromEntries(patches.map((patch, sample) => [patch, { resolved: sample === 0, report: {}, log_dir: null, run_instance_log: null, test_output: null }])),
  });
  write(path.join(base, '08_selection_state_machine', '0.json'), {
    ...stateData(
      0,
      [
        { role: 'system', content: 'choose' },
        { role: 'assistant', content: `choose ${selected ?? 0}` },
      ],
      [],
    ),
    candidates: patches.map((patch, sample) => ({ sample_index: sample, patch })),
    selected_patch: selected,
    example_test: 'print(1)',
    generated_tests: [],
  });
}

async function records(runId: string) {
  const storage = createSqliteSequenceStorage({ path: database, mustExist: true });
  try {
    const stages: StageResultRecord[] = [];
    for await (const result of readAllPages((query: StageResultQuery) => storage.queryStageResults(query), { runId })) stages.push(result);
    const rewards: RewardRecord[] = [];
    for await (const reward of readAllPages((query: RewardQuery) => storage.queryRewards(query), { runId })) rewards.push(reward);
    const logs: MessageLogRecord[] = [];
    for await (const log of readAllPages((query: MessageLogQuery) => storage.queryMessageLogs(query), { runId })) logs.push(log);
    const exported: ExportRecord[] = [];
    for await (const record of storage.exportRun(runId)) exported.push(record);
    return { stages, rewards, logs, exported: JSON.stringify(exported), run: await storage.getRun(runId) };
  } finally {
    await storage.close();
  }
}

const importStore = (source: string, extra: string[] = []) =>
  runCli(['import', source, '--dataset', data.paths['swe-bench-lite.jsonl']!, '--storage', `sqlite:${database}`, '--json', ...extra], { cwd: directory });

describeWhenAvailable('codemonkeys import of a CodeMonkeys trajectory store (folder and zip)', data, () => {
  beforeAll(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'import-store-'));
    database = path.join(directory, 'runs.db');
    store = path.join(directory, 'trajectories');
    const lines = fs.readFileSync(data.paths['swe-bench-lite.jsonl']!, 'utf8').split('\n');
    fixture = { gold: new Map() };
    for (const instanceId of instanceIds) {
      const instance = JSON.parse(lines.find((line) => line.includes(`"instance_id": "${instanceId}"`))!) as { patch: string };
      const file = /^diff --git a\/(\S+)/.exec(instance.patch)![1]!;
      fixture.gold.set(instanceId, { patch: instance.patch, file });
    }
    writeInstance(store, instanceIds[0]!, fixture.gold.get(instanceIds[0]!)!, 1);
    writeInstance(store, instanceIds[1]!, fixture.gold.get(instanceIds[1]!)!, null);
  });
  afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));

  let folderRunId: string;

  it('imports the folder: localization, samples with their conversations and usage, the test matrix, evaluations and the selection, field by field', async () => {
    const result = await importStore(store);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const outcome = JSON.parse(result.stdout) as { runId: string; format: string; instances: number; candidates: number; unknownVerdicts: number; written: number };
    expect(outcome).toMatchObject({ format: 'codemonkeys-trajectory-store', instances: 2, candidates: 4, unknownVerdicts: 0, written: 2 });
    folderRunId = outcome.runId;
    const { stages, rewards, logs } = await records(folderRunId);
    for (const [index, instanceId] of instanceIds.entries()) {
      const gold = fixture.gold.get(instanceId)!;
      const stage = (name: string) => stages.find((result) => result.instanceId === instanceId && result.stage === name)!;
      const reward = (stageName: string, sample: number, name: string) =>
        rewards.find((entry) => entry.instanceId === instanceId && entry.stage === stageName && entry.sample === sample && entry.name === name);
      const log = (stageName: string, sample: number) => logs.find((entry) => entry.instanceId === instanceId && entry.stage === stageName && entry.sample === sample)?.messages;

      const localization = stage('localize').output as { content: Array<{ path: string; startLine: number; kind: string }>; metadata: Record<string, unknown> };
      expect(localization.content.map((pointer) => pointer.path)).toEqual([gold.file, 'setup.py']);
      expect(localization.content.every((pointer) => pointer.startLine === 1 && pointer.kind === 'file')).toBe(true);
      expect(localization.metadata).toMatchObject({
        rankedFiles: [
          { tokens: 1234, path: gold.file },
          { tokens: 99, path: 'setup.py' },
        ],
        rankings: [[gold.file, 'setup.py'], [gold.file]],
        relevance: { [gold.file]: 'relevant', 'setup.py': 'not_relevant' },
      });
      expect(stage('localize').metadata.provenance).toMatchObject({
        format: 'codemonkeys-trajectory-store',
        file: `${instanceId}/02_ranking.json`,
        originalIds: { instance_id: instanceId },
      });
      expect(reward('localize', 0, 'gold-line-recall')!.value).toBe(1);
      expect(reward('localize', 0, 'file-recall-all')!.value).toBe(1);
      expect(reward('localize', 0, 'context-lines')).toMatchObject({ value: null, details: { reason: expect.stringContaining('sizes') } });
      expect(log('localize', 0)).toEqual([
        { role: 'assistant', content: `RELEVANT: ${gold.file}`, name: `relevance:${gold.file}` },
        { role: 'assistant', content: 'not relevant', name: 'relevance:setup.py' },
        { role: 'assistant', content: `ranking 1: ${gold.file}`, name: 'ranking:0' },
        { role: 'assistant', content: `ranking 2: ${gold.file}`, name: 'ranking:1' },
      ]);

      const patches = stage('generate').output as Array<{ diff: string; tests: Array<{ content: string }>; metadata: { provenance: Record<string, unknown> } }>;
      expect(patches.map((patch) => patch.diff)).toEqual([gold.patch, otherDiff(gold.file)]);
      patches.forEach((patch, sample) => {
        expect(patch.tests[0]!.content).toBe(`print("test ${sample} revised")`);
        expect(patch.metadata.provenance).toMatchObject({
          file: `${instanceId}/04_editing_state_machines/${sample}.json`,
          originalIds: { instance_id: instanceId, sample_index: sample, state: 'done' },
          trajectory: `${instanceId}/03_testing_state_machines/${sample}.json`,
          verdictFile: `${instanceId}/06_sample_evaluation.json`,
        });
        expect(log('generate', sample)).toEqual([
          { role: 'system', content: 'fix the issue' },
          { role: 'user', content: `context of ${instanceId}` },
          { role: 'assistant', content: `edit ${sample}` },
        ]);
        expect(log('generate-tests', sample)).toEqual([
          { role: 'system', content: 'write a reproduction test' },
          { role: 'user', content: `issue of ${instanceId}` },
          { role: 'assistant', content: `test ${sample}` },
        ]);
        // 06_sample_evaluation: sample 0 resolved; 05: row 0 passes both tests, row 1 one of two.
        expect(reward('generate', sample, 'resolved')).toMatchObject({ value: sample === 0 ? 1 : 0, details: { source: 'labels' } });
        expect(reward('generate', sample, 'generated-test-pass-rate')!.value).toBe(sample === 0 ? 1 : 0.5);
        const similarity = reward('generate', sample, 'similarity')!.value!;
        if (sample === 0) expect(similarity).toBe(1);
        else expect(similarity).toBeLessThan(1);
      });
      // Usage of every sample, Anthropic-style (input excludes cache): editing 200+40, 300+60 (+100 read), testing 100+20 (+50 read, +10 written).
      expect(reward('generate', 0, 'tokens')!.value).toBe(2 * (200 + 40 + 300 + 100 + 60 + 100 + 50 + 10 + 20));
      expect(reward('generate', 0, 'cost-usd')).toMatchObject({ value: null, details: { reason: expect.stringContaining('not recorded') } });

      const chosen = index === 0 ? 1 : 0;
      expect((stage('select').output as { diff: string }).diff).toBe(patches[chosen]!.diff);
      expect(stage('select').metadata).toMatchObject({ chosen });
      expect(reward('select', 0, 'resolved')!.value).toBe(chosen === 0 ? 1 : 0);
      expect(reward('select', 0, 'oracle')!.value).toBe(1);
      expect(log('select', 0)).toEqual([
        { role: 'system', content: 'choose' },
        { role: 'assistant', content: `choose ${index === 0 ? 1 : 0}` },
      ]);
    }
  }, 300_000);

  it('imports a zip of it (with a folder prefix) to the same records, and a second import is a no-op', async () => {
    const archive = path.join(directory, 'trajectories.zip');
    writeZipOfFolder(store, archive, { prefix: 'release/trajectories/' });
    const first = await importStore(archive, ['--system', 'zipped']);
    expect(first.stderr).toBe('');
    const outcome = JSON.parse(first.stdout) as { runId: string; written: number };
    expect(outcome.written).toBe(2);
    const fromZip = await records(outcome.runId);
    const fromFolder = await records(folderRunId);
    const shape = (result: Awaited<ReturnType<typeof records>>) => ({
      stages: result.stages.map(({ instanceId, stage, sample, output }) => ({
        instanceId,
        stage,
        sample,
        output: JSON.stringify(output)
          .replace(/"source":"[^"]*"/g, '')
          .replace(/the candidate \w+ submitted/g, '')
          .replaceAll('release/trajectories/', ''),
      })),
      rewards: result.rewards.map(({ instanceId, stage, sample, name, value }) => ({ instanceId, stage, sample, name, value })),
      logs: result.logs.map(({ instanceId, stage, sample, messages }) => ({ instanceId, stage, sample, messages })),
    });
    expect(shape(fromZip)).toEqual(shape(fromFolder));
    expect((fromZip.stages[0]!.metadata.provenance as { source: string }).source).toBe(archive);

    const again = await importStore(archive, ['--system', 'zipped']);
    expect(JSON.parse(again.stdout)).toMatchObject({ runId: outcome.runId, written: 0, unchanged: 2 });
    expect((await records(outcome.runId)).exported).toBe(fromZip.exported);
  }, 300_000);

  it('a truncated zip or a file missing a field fails naming it, and nothing is stored', async () => {
    const archive = path.join(directory, 'trajectories.zip');
    const truncated = path.join(directory, 'truncated.zip');
    const bytes = fs.readFileSync(archive);
    fs.writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const storage = createSqliteSequenceStorage({ path: database, mustExist: true });
    const runsBefore = (await storage.queryRuns({ limit: 1000 })).items.length;
    await storage.close();
    const cut = await importStore(truncated);
    expect(cut.code).toBe(2);
    expect(cut.stderr).toContain(`${truncated}: is not a readable zip archive`);

    const broken = path.join(directory, 'broken-store');
    fs.cpSync(store, broken, { recursive: true });
    const file = path.join(broken, instanceIds[1]!, '04_editing_state_machines', '1.json');
    const editing = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    delete editing.test_files;
    fs.writeFileSync(file, JSON.stringify(editing));
    const missing = await importStore(broken);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`${broken}:${instanceIds[1]}/04_editing_state_machines/1.json: is not a CodeMonkeys EditingStateData`);
    expect(missing.stderr).toContain('test_files');

    const after = createSqliteSequenceStorage({ path: database, mustExist: true });
    expect((await after.queryRuns({ limit: 1000 })).items.length).toBe(runsBefore);
    await after.close();
  }, 300_000);
});
