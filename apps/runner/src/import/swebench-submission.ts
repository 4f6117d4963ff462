import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { DatasetError } from '@codemonkeys/protocol';
import type { ImportedCandidate, ImportedInstance, ImportedRun, Provenance } from './imported-run';

/**
 * A submission folder of SWE-bench/experiments, `evaluation/<split>/<system>/`:
 * - `all_preds.jsonl`: one prediction a line, `instance_id`, `model_name_or_path`, `model_patch`;
 * - `results/results.json`: id lists by outcome (`resolved`, and the evaluated ones: `generated`,
 *   `applied`, `no_apply`, `with_logs`, `test_errored`, `test_timeout`, `no_generation`, ...), or else
 *   per-instance `logs/**\/report.json` (`{ "<instance_id>": { "resolved": true|false, ... } }`);
 * - `trajs/<instance_id>.*`: the agent's trajectory (its path is kept in the provenance; a SWE-agent
 *   `.traj` also gives the candidate's messages).
 */
export const submissionFiles = { predictions: 'all_preds.jsonl', results: path.join('results', 'results.json'), logs: 'logs', trajectories: 'trajs' } as const;

/** Lists of results.json that are infrastructure failures, not verdicts about the patch: unknown, never "not resolved". */
const infrastructureLists = new Set(['install_fail', 'reset_failed', 'error', 'errors', 'error_ids', 'no_logs']);

export interface SubmissionVerdicts {
  /** Instance id → verdict (true resolved, false not, null unknown) and the file it came from. */
  verdicts: Map<string, { verdict: boolean | null; file: string }>;
}

const isStringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === 'string');

async function readJson(file: string, display: string): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    throw new DatasetError({ file: display, reason: `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, cause: error });
  }
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new DatasetError({ file: display, reason: `is not valid JSON (${(error as Error).message})`, cause: error });
  }
}

async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(
    () => true,
    () => false,
  );
}

/** Verdicts of results/results.json: `resolved` true; any other list false, except infrastructure lists (unknown). */
export function verdictsOfResultsJson(value: unknown, file: string): Map<string, { verdict: boolean | null; file: string }> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new DatasetError({ file, reason: 'must be a JSON object of instance id lists (e.g. "resolved": [...])' });
  const lists = value as Record<string, unknown>;
  if (!isStringArray(lists.resolved)) throw new DatasetError({ file, reason: 'field "resolved" must be a list of instance ids' });
  const verdicts = new Map<string, { verdict: boolean | null; file: string }>();
  for (const [name, ids] of Object.entries(lists)) {
    if (name === 'resolved') continue;
    if (!Array.isArray(ids)) continue;
    if (!isStringArray(ids)) throw new DatasetError({ file, reason: `field "${name}" must be a list of instance ids` });
    for (const id of ids) {
      const verdict = infrastructureLists.has(name) ? null : false;
      const previous = verdicts.get(id);
      // An infrastructure failure anywhere leaves the verdict unknown.
      if (!previous || verdict === null) verdicts.set(id, { verdict, file });
    }
  }
  for (const id of lists.resolved) verdicts.set(id, { verdict: true, file });
  return verdicts;
}

async function* reportFiles(directory: string): AsyncGenerator<string> {
  const entries = await fs.readdir(directory, { withFileTypes: true });
  entries.sort((left, right) => left.name.localeCompare(right.name));
  for (const entry of entries) {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) yield* reportFiles(full);
    else if (entry.name === 'report.json') yield full;
  }
}

/** Verdicts of per-instance logs/**\/report.json files (SWE-bench harness reports). */
async function verdictsOfReports(root: string, directory: string): Promise<Map<string, { verdict: boolean | null; file: string }>> {
  const verdicts = new Map<string, { verdict: boolean | null; file: string }>();
  for await (const file of reportFiles(directory)) {
    const display = path.relative(root, file);
    const value = await readJson(file, display);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new DatasetError({ file: display, reason: 'must be an object keyed by instance id' });
    for (const [id, report] of Object.entries(value as Record<string, unknown>)) {
      const resolved = (report as { resolved?: unknown } | null)?.resolved;
      if (typeof resolved !== 'boolean') throw new DatasetError({ file: display, reason: `field "${id}.resolved" must be true or false` });
      verdicts.set(id, { verdict: resolved, file: display });
    }
  }
  return verdicts;
}

/** Trajectory files by instance id (`trajs/<instance_id>.<ext>` or `trajs/<instance_id>/...`). */
async function trajectoryFiles(root: string): Promise<Map<string, string>> {
  const directory = path.join(root, submissionFiles.trajectories);
  const found = new Map<string, string>();
  if (!(await exists(directory))) return found;
  for (const entry of (await fs.readdir(directory, { withFileTypes: true })).sort((left, right) => left.name.localeCompare(right.name))) {
    const id = entry.isDirectory() ? entry.name : entry.name.replace(/\.(traj|json|jsonl|md|txt|log)$/, '');
    if (!found.has(id)) found.set(id, path.join(submissionFiles.trajectories, entry.name));
  }
  return found;
}

interface PredictionLine {
  instanceId: string;
  model: string;
  patch: string;
  line: number;
}

/** all_preds.jsonl: every line validated, the field named when one is wrong. */
export function parseSubmissionPredictions(text: string, file: string): PredictionLine[] {
  const predictions: PredictionLine[] = [];
  const seen = new Map<string, number>();
  text
    .replace(/^\uFEFF/, '')
    .split('\n')
    .forEach((raw, index) => {
      const line = index + 1;
      if (raw.trim() === '') return;
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch (error) {
        throw new DatasetError({ file, line, reason: `is not valid JSON (${(error as Error).message})`, cause: error });
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new DatasetError({ file, line, reason: 'must be a JSON object' });
      const record = value as Record<string, unknown>;
      if (typeof record.instance_id !== 'string' || record.instance_id === '') throw new DatasetError({ file, line, reason: 'field "instance_id" must be a non-empty string' });
      if (record.model_patch !== null && record.model_patch !== undefined && typeof record.model_patch !== 'string')
        throw new DatasetError({ file, line, reason: 'field "model_patch" must be a string (or null: no patch)' });
      if (typeof record.model_name_or_path !== 'string') throw new DatasetError({ file, line, reason: 'field "model_name_or_path" must be a string' });
      const previous = seen.get(record.instance_id);
      if (previous !== undefined) throw new DatasetError({ file, line, reason: `instance "${record.instance_id}" is predicted twice (also on line ${previous})` });
      seen.set(record.instance_id, line);
      predictions.push({ instanceId: record.instance_id, model: record.model_name_or_path, patch: (record.model_patch as string | null | undefined) ?? '', line });
    });
  return predictions;
}

export type TrajectoryMessagesReader = (file: string, display: string) => Promise<ImportedCandidate['messages'] | undefined>;

/** Reads a submission folder; nothing is written. `system` defaults to the folder's name. */
export async function readSwebenchSubmission(source: string, options: { system?: string; trajectoryMessages?: TrajectoryMessagesReader } = {}): Promise<ImportedRun> {
  const root = path.resolve(source);
  const stat = await fs.stat(root).catch(() => undefined);
  if (!stat?.isDirectory()) throw new DatasetError({ file: source, reason: 'is not a folder: give the submission folder evaluation/<split>/<system>/ that holds all_preds.jsonl' });
  const predictionsFile = path.join(root, submissionFiles.predictions);
  let text: string;
  try {
    text = await fs.readFile(predictionsFile, 'utf8');
  } catch (error) {
    throw new DatasetError({
      file: path.join(source, submissionFiles.predictions),
      reason: `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); a submission folder holds its predictions there`,
      cause: error,
    });
  }
  const predictions = parseSubmissionPredictions(text, path.join(source, submissionFiles.predictions));
  const resultsFile = path.join(root, submissionFiles.results);
  let verdicts: Map<string, { verdict: boolean | null; file: string }>;
  let verdictDigest: string;
  if (await exists(resultsFile)) {
    const value = await readJson(resultsFile, path.join(source, submissionFiles.results));
    verdicts = verdictsOfResultsJson(value, submissionFiles.results);
    verdictDigest = JSON.stringify(value);
  } else if (await exists(path.join(root, submissionFiles.logs))) {
    verdicts = await verdictsOfReports(root, path.join(root, submissionFiles.logs));
    verdictDigest = JSON.stringify([...verdicts]);
  } else {
    throw new DatasetError({
      file: source,
      reason: `has neither ${submissionFiles.results} nor ${submissionFiles.logs}/**/report.json: the official verdicts are needed as labels`,
    });
  }
  const trajectories = await trajectoryFiles(root);
  const system = options.system ?? path.basename(root);
  const instances: ImportedInstance[] = [];
  for (const prediction of predictions) {
    const provenance: Provenance = {
      format: 'swebench-submission',
      source,
      file: submissionFiles.predictions,
      line: prediction.line,
      originalIds: { instance_id: prediction.instanceId, model_name_or_path: prediction.model },
    };
    const found = verdicts.get(prediction.instanceId);
    // An empty patch is SWE-bench's empty patch: not resolved, whatever the lists say.
    const verdict = prediction.patch.trim() === '' ? false : (found?.verdict ?? null);
    const trajectory = trajectories.get(prediction.instanceId);
    const messages = trajectory && options.trajectoryMessages ? ((await options.trajectoryMessages(path.join(root, trajectory), trajectory)) ?? []) : [];
    instances.push({
      instanceId: prediction.instanceId,
      candidates: [
        {
          diff: prediction.patch,
          verdict,
          messages,
          usage: null,
          costUsd: null,
          provenance: { ...provenance, ...(found ? { verdictFile: found.file } : {}), ...(trajectory ? { trajectory } : {}) },
        },
      ],
      chosen: 0,
      provenance,
    });
  }
  const digest = createHash('sha256')
    .update(text)
    .update('\0')
    .update(verdictDigest)
    .update('\0')
    .update(JSON.stringify([...trajectories]))
    .digest('hex');
  return { format: 'swebench-submission', source, system, digest, instances };
}
