import { createHash } from 'node:crypto';
import path from 'node:path';
import { UsageError } from '../config/usage-error';

/**
 * Where an evaluation writes, as SWE-bench lays out its logs:
 *   <output>/<run id>/<model>/<instance id>/{report.json, patch.diff, eval.sh, test_output.txt, run_instance.log}
 *   <output>/<run id>/<model>/<instance id>/repetitions/<k>/...   `--repeat`: repetitions 2..N
 *   <output>/<run id>/<model>.<run id>.json        the run report (schema_version 2)
 * Every folder name made from the inputs (model names, source files, instance ids) is a plain file name
 * confined to the run folder; see `pathSegmentOf`.
 */
export interface EvaluationLayout {
  readonly runId: string;
  readonly runDirectory: string;
  /** The folder of one evaluation: a prediction set's folder (`PredictionSet.directory`), an instance, a repetition (1-based). */
  instanceDirectory(setDirectory: string, instanceId: string, repetition?: number): string;
  runReportFile(setDirectory: string): string;
  /** `--check-spec`: per-instance folders for the gold and base runs, and the summary. */
  checkDirectory(instanceId: string, which: 'gold' | 'base'): string;
  checkFile(instanceId: string): string;
  checkSummaryFile(): string;
}

/** Longest folder name taken from a name, in bytes (with the hash and `.<run id>.json` well under the 255 of file systems). */
const maxSegmentBytes = 80;
/** Longest run id (the run folder, and part of each run report's file name). */
export const maxRunIdLength = 100;
const plainSegment = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
/** Names the layout uses itself at the level of the model folders. */
const reservedSegments = new Set(['environment-check']);

const shortHash = (value: string): string => createHash('sha256').update(value).digest('hex').slice(0, 8);

/**
 * A name as one folder name that stays where it is put: a plain name (letters, digits, `.`, `_`, `-`, not
 * starting with a dot, at most 80 bytes) is kept as it is; anything else (`..`, `/`, NUL, spaces, non-ASCII,
 * very long names) becomes its plain characters plus a short hash of the original, so two names that differ
 * only in what was replaced still get two folders. With `slashes: 'swe-bench'`, `/` becomes `__` first,
 * as the SWE-bench harness names model folders (`org/model` → `org__model`).
 */
export function pathSegmentOf(name: string, options: { slashes?: 'swe-bench' } = {}): string {
  const converted = options.slashes === 'swe-bench' ? name.replaceAll('/', '__') : name;
  if (plainSegment.test(converted) && Buffer.byteLength(converted) <= maxSegmentBytes && !reservedSegments.has(converted.toLowerCase())) return converted;
  const readable =
    converted
      .normalize('NFKD')
      .replace(/[^A-Za-z0-9._-]+/g, '_')
      .replace(/^[._-]+/, '')
      .slice(0, maxSegmentBytes) || 'unnamed';
  return `${readable}-${shortHash(name)}`;
}

/**
 * Folder names for a set of keys, one each, from their preferred names: keys whose names collide (also
 * when they differ only in case, for case-insensitive file systems) get a short hash of the key appended.
 */
export function uniqueSegments<Key>(keys: readonly Key[], preferred: (key: Key) => string, identity: (key: Key) => string): Map<Key, string> {
  const names = new Map(keys.map((key) => [key, preferred(key)]));
  const holders = new Map<string, Key[]>();
  for (const [key, name] of names) holders.set(name.toLowerCase(), [...(holders.get(name.toLowerCase()) ?? []), key]);
  for (const group of holders.values()) {
    if (group.length > 1) for (const key of group) names.set(key, `${names.get(key)!}-${shortHash(identity(key))}`);
  }
  if (new Set([...names.values()].map((name) => name.toLowerCase())).size !== names.size) {
    throw new Error(`Two keys got the same folder name: ${[...names.values()].join(', ')}`);
  }
  return names;
}

/** `path` is `directory` or inside it (what every path built from the inputs must be). */
function confined(directory: string, file: string): string {
  const relative = path.relative(directory, file);
  if (relative.startsWith('..') || path.isAbsolute(relative)) throw new Error(`${file} is outside ${directory}: a folder name was not made path-safe`);
  return file;
}

/**
 * The layout of one run. `instanceIds` are the dataset's instances of the run: each gets one folder name
 * (`pathSegmentOf`, unique over the run).
 */
export function evaluationLayout(output: string, runId: string, instanceIds: readonly string[]): EvaluationLayout {
  if (!plainSegment.test(runId) || runId.length > maxRunIdLength) throw new UsageError(`The run id ${JSON.stringify(runId)} cannot be a folder name. ${runIdRule}`);
  const runDirectory = path.resolve(output, runId);
  const instanceFolders = uniqueSegments(
    [...new Set(instanceIds)],
    (instanceId) => pathSegmentOf(instanceId),
    (instanceId) => instanceId,
  );
  const instanceFolder = (instanceId: string): string => {
    const folder = instanceFolders.get(instanceId);
    if (!folder) throw new Error(`${instanceId} is not an instance of the run ${runId}`);
    return folder;
  };
  const setFolder = (setDirectory: string): string => {
    if (!plainSegment.test(setDirectory)) throw new Error(`${JSON.stringify(setDirectory)} is not a folder name made by pathSegmentOf`);
    return setDirectory;
  };
  const inRun = (...parts: string[]): string => confined(runDirectory, path.join(runDirectory, ...parts));
  return {
    runId,
    runDirectory,
    instanceDirectory: (setDirectory, instanceId, repetition = 1) =>
      inRun(setFolder(setDirectory), instanceFolder(instanceId), ...(repetition > 1 ? ['repetitions', String(repetition)] : [])),
    runReportFile: (setDirectory) => inRun(`${setFolder(setDirectory)}.${runId}.json`),
    checkDirectory: (instanceId, which) => inRun('environment-check', instanceFolder(instanceId), which),
    checkFile: (instanceId) => inRun('environment-check', instanceFolder(instanceId), 'check.json'),
    checkSummaryFile: () => inRun(`environment-check.${runId}.json`),
  };
}

export const runIdRule = `A run id holds letters, digits, ".", "_" and "-", starts with a letter, digit or "_", and has at most ${maxRunIdLength} characters.`;

/**
 * The run id when none is given: derived from what is evaluated (dataset, predictions, instance filter,
 * mode), so that running the same command again resumes the same run instead of starting over. The
 * number of repetitions is not part of it: `--repeat 3` after `--repeat 1` adds repetitions 2 and 3.
 */
export function defaultRunId(parts: { dataset: string; predictions: readonly string[]; instances: readonly string[]; checkSpec: boolean }): string {
  const key = JSON.stringify([
    path.resolve(parts.dataset),
    parts.predictions.map((file) => (file === 'gold' ? file : path.resolve(file))),
    [...parts.instances].sort(),
    parts.checkSpec,
  ]);
  const name = parts.checkSpec
    ? 'check-spec'
    : parts.predictions.length === 1
      ? parts.predictions[0] === 'gold'
        ? 'gold'
        : path.basename(parts.predictions[0]!).replace(/\.(jsonl?|json)$/i, '')
      : 'predictions';
  const readable =
    name
      .replace(/[^\w.-]/g, '_')
      .replace(/^[.-]+/, '')
      .slice(0, 60) || 'predictions';
  return `${readable}-${createHash('sha256').update(key).digest('hex').slice(0, 8)}`;
}
