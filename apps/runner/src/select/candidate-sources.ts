import { createHash } from 'node:crypto';
import path from 'node:path';
import { NotFoundError, PatchSchema, readAllPages, type GeneratedTest, type RewardQuery, type RunQuery, type SequenceStorage, type StageResultQuery } from '@codemonkeys/protocol';
import { generationRewardNames, labelOf, loadResolvedLabels, type ResolvedLabels } from '@codemonkeys/rewards';
import { loadPredictions } from '@codemonkeys/swebench';
import { z } from 'zod';
import { UsageError } from '../config/usage-error';
import { stageNames } from '../experiment/experiment-plan';

/** Where a candidate came from: a row of a predictions file, or a sample of a stored run's generation. */
export type CandidateOrigin = { kind: 'predictions'; file: string; model: string } | { kind: 'run'; runId: string; sample: number };

/** One candidate patch of one source for one instance. */
export interface SourceCandidate {
  source: string;
  instanceId: string;
  diff: string;
  tests?: GeneratedTest[];
  origin: CandidateOrigin;
}

/** A set of candidates selected over: one model of a predictions file, or one stored run. */
export interface CandidateSource {
  /** Stable name: the model name (qualified by its file's name when two files hold it), or `run:<id>`. */
  name: string;
  kind: 'predictions' | 'run';
  /** The file or the run id. */
  from: string;
  candidates: SourceCandidate[];
  /** The resolved label of a candidate: true, false, or undefined when unknown. Read by the runner only, never by the selector. */
  labelOf?: (candidate: SourceCandidate) => boolean | undefined;
  /** Where the labels came from (a labels file, or the run's stored SWE-bench verdicts). */
  labelsFrom?: string;
}

/** Inputs that were not used as given, each with why: reported, never dropped silently. */
export interface SourceProblems {
  /** A file, run or experiment named twice, or two sources with the same candidates: read once. */
  duplicateSources: Array<{ source: string; reason: string }>;
  /** Sources that hold no candidate, or only empty ones. */
  emptySources: Array<{ source: string; reason: string }>;
}

export interface LoadedSources {
  sources: CandidateSource[];
  problems: SourceProblems;
}

export interface CandidateSourceInputs {
  predictions: readonly string[];
  runs: readonly string[];
  experiments: readonly string[];
  labels: readonly string[];
  /** Opened only when runs or experiments are named. */
  storage: () => Promise<SequenceStorage>;
  storageUrl: string;
}

const StoredPatchesSchema = z.array(PatchSchema);

/** The candidates of a stored run: the output of its `generate` stage on each instance, sample = position. */
async function runSource(storage: SequenceStorage, runId: string): Promise<CandidateSource> {
  const candidates: SourceCandidate[] = [];
  const name = `run:${runId}`;
  for await (const result of readAllPages((query: StageResultQuery) => storage.queryStageResults(query), { runId, stage: stageNames.generate, status: 'ok' })) {
    const parsed = StoredPatchesSchema.safeParse(result.output);
    if (!parsed.success) throw new UsageError(`The stored candidates of run ${runId} on ${result.instanceId} are not a list of patches; the run's storage is damaged.`);
    parsed.data.forEach((patch, sample) =>
      candidates.push({
        source: name,
        instanceId: result.instanceId,
        diff: patch.diff,
        ...(patch.tests && patch.tests.length > 0 ? { tests: patch.tests } : {}),
        origin: { kind: 'run', runId, sample },
      }),
    );
  }
  // The run's own SWE-bench verdicts of its candidates are its labels (1 resolved, 0 not, null unknown).
  const verdicts = new Map<string, number | null>();
  for await (const reward of readAllPages((query: RewardQuery) => storage.queryRewards(query), { runId, stage: stageNames.generate, name: generationRewardNames.resolved }))
    verdicts.set(JSON.stringify([reward.instanceId, reward.sample]), reward.value);
  return {
    name,
    kind: 'run',
    from: runId,
    candidates,
    ...(verdicts.size > 0
      ? {
          labelsFrom: `the SWE-bench verdicts stored with run ${runId}`,
          labelOf: (candidate: SourceCandidate) => {
            if (candidate.origin.kind !== 'run') return undefined;
            const value = verdicts.get(JSON.stringify([candidate.instanceId, candidate.origin.sample]));
            return value === undefined || value === null ? undefined : value === 1;
          },
        }
      : {}),
  };
}

/** Which labels file belongs to which source: `FILE` for all, one `FILE` per --predictions file in order, or `SOURCE=FILE`. */
function labelsAssignment(
  labels: readonly string[],
  predictionFiles: readonly string[],
  sourceNames: ReadonlySet<string>,
): { byFile: Map<string, string>; bySource: Map<string, string> } {
  const byFile = new Map<string, string>();
  const bySource = new Map<string, string>();
  const plain: string[] = [];
  for (const entry of labels) {
    const separator = entry.indexOf('=');
    const key = separator > 0 ? entry.slice(0, separator) : undefined;
    if (key !== undefined && (sourceNames.has(key) || predictionFiles.some((file) => path.resolve(file) === path.resolve(key)))) {
      if (sourceNames.has(key)) bySource.set(key, entry.slice(separator + 1));
      else byFile.set(path.resolve(key), entry.slice(separator + 1));
    } else plain.push(entry);
  }
  if (plain.length === 0) return { byFile, bySource };
  if (plain.length === 1) for (const file of predictionFiles) byFile.set(path.resolve(file), byFile.get(path.resolve(file)) ?? plain[0]!);
  else if (plain.length === predictionFiles.length) predictionFiles.forEach((file, index) => byFile.set(path.resolve(file), plain[index]!));
  else
    throw new UsageError(
      `--labels: give one labels file for all predictions files, one per --predictions file (${predictionFiles.length}) in the same order, or SOURCE=FILE; got ${plain.length} plain files. ` +
        `Sources: ${[...sourceNames].sort().join(', ')}.`,
    );
  return { byFile, bySource };
}

const contentHashOf = (source: CandidateSource): string =>
  createHash('sha256')
    .update(JSON.stringify(source.candidates.map((candidate) => [candidate.instanceId, candidate.diff]).sort()))
    .digest('hex');

/**
 * Reads every source of candidates: the models of each predictions file (JSONL, JSON list or SWE-agent's
 * object keyed by instance id), stored runs, and every run of stored experiments. Names are independent of
 * the order the inputs are given in; the same input twice, or two sources with the same candidates, are read
 * once and reported.
 */
export async function loadCandidateSources(inputs: CandidateSourceInputs): Promise<LoadedSources> {
  const problems: SourceProblems = { duplicateSources: [], emptySources: [] };
  const files: string[] = [];
  for (const file of inputs.predictions) {
    if (files.some((seen) => path.resolve(seen) === path.resolve(file)))
      problems.duplicateSources.push({ source: file, reason: 'the same predictions file given twice: read once' });
    else files.push(file);
  }
  const perFile = await Promise.all(files.map(async (file) => ({ file, predictions: await loadPredictions(file) })));
  const filesOfModel = new Map<string, Set<string>>();
  for (const { file, predictions } of perFile)
    for (const prediction of predictions)
      (filesOfModel.get(prediction.model_name_or_path) ?? filesOfModel.set(prediction.model_name_or_path, new Set()).get(prediction.model_name_or_path)!).add(file);
  const byName = new Map<string, CandidateSource & { file: string }>();
  for (const { file, predictions } of perFile) {
    for (const prediction of predictions) {
      const model = prediction.model_name_or_path;
      const name = filesOfModel.get(model)!.size > 1 ? `${path.basename(file)}/${model}` : model;
      let source = byName.get(name);
      if (!source) byName.set(name, (source = { name, kind: 'predictions', from: file, file, candidates: [] }));
      source.candidates.push({ source: name, instanceId: prediction.instance_id, diff: prediction.model_patch ?? '', origin: { kind: 'predictions', file, model } });
    }
  }

  const sources: CandidateSource[] = [...byName.values()];
  const runIds: string[] = [];
  if (inputs.runs.length > 0 || inputs.experiments.length > 0) {
    const storage = await inputs.storage();
    const addRun = (runId: string, via: string): void => {
      if (runIds.includes(runId)) problems.duplicateSources.push({ source: `run:${runId}`, reason: `named again (${via}): read once` });
      else runIds.push(runId);
    };
    for (const runId of inputs.runs) {
      if (!(await storage.getRun(runId)))
        throw new NotFoundError(`No run "${runId}" in ${inputs.storageUrl}. List the runs with \`codemonkeys runs --storage ${inputs.storageUrl}\`.`);
      addRun(runId, '--run');
    }
    for (const experimentId of [...new Set(inputs.experiments)]) {
      if (!(await storage.getExperiment(experimentId)))
        throw new NotFoundError(`No experiment "${experimentId}" in ${inputs.storageUrl}. List the runs with \`codemonkeys runs --storage ${inputs.storageUrl}\`.`);
      let found = 0;
      for await (const run of readAllPages((query: RunQuery) => storage.queryRuns(query), { experimentId, order: 'asc' })) {
        found += 1;
        addRun(run.id, `in experiment ${experimentId}`);
      }
      if (found === 0) problems.emptySources.push({ source: `experiment:${experimentId}`, reason: 'the experiment has no runs' });
    }
    for (const runId of runIds) sources.push(await runSource(storage, runId));
  }

  // Labels files of predictions sources.
  const names = new Set(sources.map((source) => source.name));
  const { byFile, bySource } = labelsAssignment(inputs.labels, files, names);
  const loaded = new Map<string, ResolvedLabels>();
  for (const file of new Set([...byFile.values(), ...bySource.values()])) loaded.set(file, await loadResolvedLabels(file));
  for (const source of sources) {
    const file = bySource.get(source.name) ?? (source.kind === 'predictions' ? byFile.get(path.resolve(source.from)) : undefined);
    if (!file) continue;
    const labels = loaded.get(file)!;
    source.labelsFrom = file;
    source.labelOf = (candidate) => labelOf(labels, candidate.instanceId);
  }

  // Two sources with the same candidates would vote twice: the first by name is kept.
  sources.sort((left, right) => (left.name < right.name ? -1 : left.name > right.name ? 1 : 0));
  const seenContent = new Map<string, string>();
  const kept: CandidateSource[] = [];
  for (const source of sources) {
    if (source.candidates.length === 0) {
      problems.emptySources.push({ source: source.name, reason: source.kind === 'run' ? `run ${source.from} has no generated candidates` : `${source.from} has no prediction` });
      continue;
    }
    const hash = contentHashOf(source);
    const same = seenContent.get(hash);
    if (same) {
      problems.duplicateSources.push({ source: source.name, reason: `the same candidates as ${same}: left out so that they are not counted twice` });
      continue;
    }
    seenContent.set(hash, source.name);
    if (source.candidates.every((candidate) => candidate.diff.trim() === ''))
      problems.emptySources.push({ source: source.name, reason: 'every candidate is an empty patch (kept: empty patches are candidates)' });
    kept.push(source);
  }
  return { sources: kept, problems };
}
