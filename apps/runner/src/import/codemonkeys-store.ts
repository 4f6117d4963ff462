import { createHash } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import { DatasetError, formatZodError, type CodePointer, type Message, type Usage } from '@codemonkeys/protocol';
import type { ImportedCandidate, ImportedInstance, ImportedRun, Provenance } from './imported-run';
import { openSourceTree, type SourceTree } from './source-tree';

/**
 * A CodeMonkeys trajectory store (ScalingIntelligence/codemonkeys, `codemonkeys/trajectory_data`):
 * `<store>/<instance_id>/` holding
 * - `01_relevance_decisions/<file path>.json`: RelevanceDecision `{ message, status: relevant|not_relevant|parse_error, summary? }`
 * - `02_ranking.json`: ProblemContext `{ model_rankings: [{ message, ranking: [path] }], ranked_files: [{ tokens, path }], prompt_caching_usages }`
 * - `03_testing_state_machines/<i>.json`: TestingStateData (StateData + `scripts`, `outputs`)
 * - `04_editing_state_machines/<i>.json`: EditingStateData (StateData + `test_files`, `patches`, `search_replaces`, outputs, ...)
 * - `05_generated_test_execution.json`: GeneratedTestExecutionResults (`test_outputs_per_edit` rows = `patch_data`, columns = `test_data`)
 * - `06_sample_evaluation.json`: SampleEvaluation `{ patch_to_results: { <patch>: { resolved, report, ... } } }`
 * - selection: `08_selection_state_machine/0.json` (SelectionStateMachineData), else
 *   `10_selection_state_machine_with_ensembled_solutions/0.json`, else `07_model_selection/0.json` (SelectionData):
 *   `candidates: [{ sample_index, patch }]`, `selected_patch` (null: the first candidate).
 * StateData: `state`, `sample_index`, `state_history`, `messages` (`{ role, content }`), `prompt_caching_usages`
 * (the provider's usage objects), `state_counter`, `attempt_counter`, `attempt_history`.
 * The store may be a folder or a zip of it (any folder prefix inside the archive).
 */
export const storeKeys = {
  relevance: '01_relevance_decisions',
  ranking: '02_ranking.json',
  testing: '03_testing_state_machines',
  editing: '04_editing_state_machines',
  testExecution: '05_generated_test_execution.json',
  sampleEvaluation: '06_sample_evaluation.json',
  modelSelection: '07_model_selection',
  selectionStateMachine: '08_selection_state_machine',
  solutionEnsemble: '09_solution_ensemble.json',
  selectionWithEnsemble: '10_selection_state_machine_with_ensembled_solutions',
} as const;

const knownKeys = new Set<string>(Object.values(storeKeys));

const StoreMessageSchema = z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() });
const UsageObjectSchema = z.record(z.string(), z.unknown());
const StateDataSchema = z.object({
  state: z.string(),
  sample_index: z.number().int().min(0),
  state_history: z.array(z.string()).default([]),
  messages: z.array(StoreMessageSchema).default([]),
  prompt_caching_usages: z.array(UsageObjectSchema).default([]),
  state_counter: z.number().int().default(0),
  attempt_counter: z.number().int().default(0),
  attempt_history: z.array(z.string()).default([]),
});
const ExecutionOutputSchema = z.object({ stdout: z.string().nullable(), exit_code: z.number().int(), timed_out: z.boolean().default(false) });
const TestingStateDataSchema = StateDataSchema.extend({ scripts: z.array(z.string()).default([]), outputs: z.array(ExecutionOutputSchema).default([]) });
const EditingStateDataSchema = StateDataSchema.extend({
  test_files: z.array(z.string()),
  original_codebase_outputs: z.array(ExecutionOutputSchema),
  initial_test_file: z.string().default(''),
  search_replaces: z.array(z.string()).default([]),
  patches: z.array(z.string()).default([]),
  edited_codebase_outputs: z.array(ExecutionOutputSchema).default([]),
});
const RelevanceDecisionSchema = z.object({ message: z.string(), status: z.enum(['parse_error', 'not_relevant', 'relevant']), summary: z.string().nullable().optional() });
const ProblemContextSchema = z.object({
  model_rankings: z.array(z.object({ message: z.string(), ranking: z.array(z.string()) })),
  ranked_files: z.array(z.object({ tokens: z.number().int().min(0), path: z.string().min(1) })),
  prompt_caching_usages: z.array(UsageObjectSchema).default([]),
});
const PatchInfoSchema = z.object({ sample_index: z.number().int().min(0), patch: z.string() });
const GeneratedTestExecutionSchema = z.object({
  test_outputs_per_edit: z.array(z.array(ExecutionOutputSchema)),
  test_outputs_on_empty_diff: z.array(ExecutionOutputSchema),
  patch_data: z.array(PatchInfoSchema),
  test_data: z.array(z.object({ sample_index: z.number().int().min(0), test: z.string() })),
  costs: z.array(z.number()).default([]),
});
const SampleEvaluationSchema = z.object({ patch_to_results: z.record(z.string(), z.object({ resolved: z.boolean() })) });
const SelectionDataSchema = StateDataSchema.extend({ candidates: z.array(PatchInfoSchema), selected_patch: z.number().int().min(0).nullable().default(null) });

/** Sums provider usage objects (Anthropic `input_tokens` / `output_tokens` / cache fields, or OpenAI `prompt_tokens` / `completion_tokens`); null when none is recognizable. */
function usageOf(usages: ReadonlyArray<Record<string, unknown>>): Usage | null {
  let known = false;
  const total: Usage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
  const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.round(value) : 0);
  for (const usage of usages) {
    const input = usage.input_tokens ?? usage.prompt_tokens;
    const output = usage.output_tokens ?? usage.completion_tokens;
    if (typeof input !== 'number' && typeof output !== 'number') continue;
    known = true;
    const cacheRead = count(usage.cache_read_input_tokens);
    const cacheWrite = count(usage.cache_creation_input_tokens);
    // Anthropic's input_tokens exclude cache reads and writes; the protocol's inputTokens include them.
    total.inputTokens += count(input) + (usage.input_tokens !== undefined ? cacheRead + cacheWrite : 0);
    total.outputTokens += count(output);
    total.cacheReadTokens += cacheRead;
    total.cacheWriteTokens += cacheWrite;
  }
  return known ? total : null;
}

const addUsage = (left: Usage | null, right: Usage | null): Usage | null =>
  left === null
    ? right
    : right === null
      ? left
      : {
          inputTokens: left.inputTokens + right.inputTokens,
          outputTokens: left.outputTokens + right.outputTokens,
          cacheReadTokens: left.cacheReadTokens + right.cacheReadTokens,
          cacheWriteTokens: left.cacheWriteTokens + right.cacheWriteTokens,
        };

const messagesOf = (messages: ReadonlyArray<{ role: Message['role']; content: string }>): Message[] =>
  messages.map((message) => ({ role: message.role, content: message.content }));

interface InstanceFiles {
  instanceId: string;
  /** Path prefix of the instance folder inside the tree (`<prefix>/<instance_id>`). */
  folder: string;
  files: Map<string, string>;
}

/** Groups the tree's files by instance folder: the folder whose children are the store's keys. */
function instanceFolders(tree: SourceTree): InstanceFiles[] {
  const byFolder = new Map<string, InstanceFiles>();
  for (const file of tree.files) {
    const segments = file.split('/');
    const keyIndex = segments.findIndex((segment, index) => index > 0 && knownKeys.has(segment));
    if (keyIndex < 1) continue;
    const folder = segments.slice(0, keyIndex).join('/');
    const entry = byFolder.get(folder) ?? { instanceId: segments[keyIndex - 1]!, folder, files: new Map<string, string>() };
    entry.files.set(segments.slice(keyIndex).join('/'), file);
    byFolder.set(folder, entry);
  }
  const instances = [...byFolder.values()].sort((left, right) => left.instanceId.localeCompare(right.instanceId));
  const seen = new Map<string, string>();
  for (const instance of instances) {
    const previous = seen.get(instance.instanceId);
    if (previous) throw new DatasetError({ file: path.join(tree.source, instance.folder), reason: `instance "${instance.instanceId}" is also stored in ${previous}` });
    seen.set(instance.instanceId, instance.folder);
  }
  return instances;
}

async function parseFile<T>(tree: SourceTree, file: string, schema: z.ZodType<T>, what: string, hash: ReturnType<typeof createHash>): Promise<T> {
  const text = await tree.read(file);
  hash.update(file).update('\0').update(text).update('\0');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DatasetError({ file: `${tree.source}:${file}`, reason: `is not valid JSON (${(error as Error).message})`, cause: error });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new DatasetError({ file: `${tree.source}:${file}`, reason: `is not a CodeMonkeys ${what}:\n${formatZodError(parsed.error)}` });
  return parsed.data;
}

const sampleFiles = (instance: InstanceFiles, key: string): Array<{ sample: number; file: string }> =>
  [...instance.files]
    .map(([relative, file]) => ({ match: new RegExp(`^${key}/(\\d+)\\.json$`).exec(relative), file }))
    .filter((entry) => entry.match)
    .map((entry) => ({ sample: Number(entry.match![1]), file: entry.file }))
    .sort((left, right) => left.sample - right.sample);

async function readInstance(tree: SourceTree, instance: InstanceFiles, hash: ReturnType<typeof createHash>): Promise<ImportedInstance> {
  const provenanceOf = (file: string, originalIds: Record<string, string | number> = {}): Provenance => ({
    format: 'codemonkeys-trajectory-store',
    source: tree.source,
    file,
    originalIds: { instance_id: instance.instanceId, ...originalIds },
  });
  const relevant: string[] = [];
  const relevanceStatus: Record<string, string> = {};
  const localizationMessages: Message[] = [];
  const relevancePrefix = `${storeKeys.relevance}/`;
  for (const [relative, file] of [...instance.files].sort(([left], [right]) => left.localeCompare(right))) {
    if (!relative.startsWith(relevancePrefix) || !relative.endsWith('.json')) continue;
    const codebasePath = relative.slice(relevancePrefix.length, -'.json'.length);
    const decision = await parseFile(tree, file, RelevanceDecisionSchema, 'RelevanceDecision', hash);
    relevanceStatus[codebasePath] = decision.status;
    if (decision.status === 'relevant') relevant.push(codebasePath);
    localizationMessages.push({ role: 'assistant', content: decision.message, name: `relevance:${codebasePath}` });
  }
  let localization: ImportedInstance['localization'];
  const rankingFile = instance.files.get(storeKeys.ranking);
  if (rankingFile) {
    const ranking = await parseFile(tree, rankingFile, ProblemContextSchema, 'ProblemContext (02_ranking.json)', hash);
    ranking.model_rankings.forEach((entry, index) => localizationMessages.push({ role: 'assistant', content: entry.message, name: `ranking:${index}` }));
    // Whole files in ranked order (to the end of each file: renderers clamp); their lengths are not in the store.
    const pointers: CodePointer[] = ranking.ranked_files.map((file, index) => ({
      path: file.path,
      startLine: 1,
      endLine: Number.MAX_SAFE_INTEGER,
      kind: 'file',
      score: ranking.ranked_files.length - index,
    }));
    localization = {
      result: {
        content: pointers,
        metadata: {
          rankedFiles: ranking.ranked_files,
          rankings: ranking.model_rankings.map((entry) => entry.ranking),
          relevance: relevanceStatus,
          usage: usageOf(ranking.prompt_caching_usages),
        },
      },
      provenance: provenanceOf(rankingFile),
      messages: localizationMessages,
      sizesKnown: false,
    };
  } else if (relevant.length > 0) {
    localization = {
      result: {
        content: relevant.sort().map((file) => ({ path: file, startLine: 1, endLine: Number.MAX_SAFE_INTEGER, kind: 'file' as const })),
        metadata: { relevance: relevanceStatus },
      },
      provenance: provenanceOf(`${instance.folder}/${storeKeys.relevance}`),
      messages: localizationMessages,
      sizesKnown: false,
    };
  }

  const evaluationFile = instance.files.get(storeKeys.sampleEvaluation);
  const evaluation = evaluationFile ? await parseFile(tree, evaluationFile, SampleEvaluationSchema, 'SampleEvaluation', hash) : undefined;
  const verdictOf = (patch: string): boolean | null => (patch.trim() === '' ? false : (evaluation?.patch_to_results[patch]?.resolved ?? null));
  const executionFile = instance.files.get(storeKeys.testExecution);
  const execution = executionFile ? await parseFile(tree, executionFile, GeneratedTestExecutionSchema, 'GeneratedTestExecutionResults', hash) : undefined;
  if (execution && execution.test_outputs_per_edit.length !== execution.patch_data.length)
    throw new DatasetError({
      file: `${tree.source}:${executionFile}`,
      reason: `field "test_outputs_per_edit" has ${execution.test_outputs_per_edit.length} rows for ${execution.patch_data.length} patch_data entries`,
    });
  const passRateOf = (patch: string) => {
    if (!execution) return undefined;
    const row = execution.patch_data.findIndex((entry) => entry.patch === patch);
    if (row === -1) return undefined;
    const outputs = execution.test_outputs_per_edit[row]!;
    return {
      name: 'generated-test-pass-rate',
      value: outputs.length === 0 ? null : outputs.filter((output) => output.exit_code === 0 && !output.timed_out).length / outputs.length,
      details: {
        source: `${storeKeys.testExecution} (the store's own matrix of generated tests: exit 0 = passes)`,
        tests: outputs.length,
        exitCodes: outputs.map((output) => output.exit_code),
        file: executionFile,
      },
    };
  };

  const testing = new Map<number, { data: z.output<typeof TestingStateDataSchema>; file: string }>();
  for (const { sample, file } of sampleFiles(instance, storeKeys.testing))
    testing.set(sample, { data: await parseFile(tree, file, TestingStateDataSchema, 'TestingStateData', hash), file });
  const candidates: ImportedCandidate[] = [];
  for (const { sample, file } of sampleFiles(instance, storeKeys.editing)) {
    const editing = await parseFile(tree, file, EditingStateDataSchema, 'EditingStateData', hash);
    const tests = testing.get(sample);
    const patch = editing.patches.at(-1) ?? '';
    const test = editing.test_files.at(-1) ?? (editing.initial_test_file || undefined);
    const passRate = passRateOf(patch);
    candidates.push({
      diff: patch,
      verdict: verdictOf(patch),
      messages: messagesOf(editing.messages),
      testMessages: tests ? messagesOf(tests.data.messages) : [],
      usage: addUsage(usageOf(editing.prompt_caching_usages), tests ? usageOf(tests.data.prompt_caching_usages) : null),
      costUsd: null,
      ...(test
        ? { tests: [{ path: 'reproduce_script.py', content: test, command: 'python reproduce_script.py', metadata: { source: 'CodeMonkeys testing state machine' } }] }
        : {}),
      ...(passRate ? { extraRewards: [passRate] } : {}),
      provenance: {
        ...provenanceOf(file, { sample_index: editing.sample_index, state: editing.state }),
        ...(tests ? { trajectory: tests.file } : {}),
        ...(evaluationFile ? { verdictFile: evaluationFile } : {}),
      },
    });
  }

  let chosen: number | null = null;
  let selection: ImportedInstance['selection'];
  for (const key of [storeKeys.selectionStateMachine, storeKeys.selectionWithEnsemble, storeKeys.modelSelection]) {
    const file = instance.files.get(`${key}/0.json`);
    if (!file) continue;
    const data = await parseFile(tree, file, SelectionDataSchema, 'SelectionData', hash);
    const index = data.selected_patch ?? 0;
    const picked = data.candidates[index];
    if (!picked) throw new DatasetError({ file: `${tree.source}:${file}`, reason: `field "selected_patch" is ${index} but there are ${data.candidates.length} candidates` });
    chosen = candidates.findIndex((candidate) => candidate.diff === picked.patch);
    if (chosen === -1) {
      // A patch the selection saw that no editing sample ended with (e.g. an intermediate edit): a candidate of its own.
      candidates.push({
        diff: picked.patch,
        verdict: verdictOf(picked.patch),
        messages: [],
        usage: null,
        costUsd: null,
        provenance: provenanceOf(file, { sample_index: picked.sample_index, selected_patch: index }),
      });
      chosen = candidates.length - 1;
    }
    selection = { messages: messagesOf(data.messages), provenance: provenanceOf(file, { selected_patch: index }) };
    break;
  }
  if (candidates.length === 0) throw new DatasetError({ file: path.join(tree.source, instance.folder), reason: `has no ${storeKeys.editing}/<i>.json: no candidate to import` });
  return {
    instanceId: instance.instanceId,
    ...(localization ? { localization } : {}),
    candidates,
    chosen,
    ...(selection ? { selection } : {}),
    provenance: provenanceOf(instance.folder),
  };
}

/** Reads a CodeMonkeys trajectory store (folder or zip); every file is validated before anything is written. */
export async function readCodemonkeysStore(source: string, options: { system?: string } = {}): Promise<ImportedRun> {
  const tree = await openSourceTree(source);
  try {
    const folders = instanceFolders(tree);
    if (folders.length === 0)
      throw new DatasetError({ file: source, reason: `is not a CodeMonkeys trajectory store: no <instance_id>/${storeKeys.editing}/ or ${storeKeys.ranking} inside` });
    const hash = createHash('sha256');
    const instances: ImportedInstance[] = [];
    for (const folder of folders) instances.push(await readInstance(tree, folder, hash));
    const system = options.system ?? path.basename(source).replace(/\.zip$/i, '');
    return { format: 'codemonkeys-trajectory-store', source, system, digest: hash.digest('hex'), instances };
  } finally {
    await tree.close();
  }
}
