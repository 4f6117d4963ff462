import fs from 'node:fs/promises';
import path from 'node:path';
import { silentLogger, type SequenceStorage } from '@codemonkeys/protocol';
import type { DockerSandbox } from '@codemonkeys/sandbox-docker';
import { loadDataset, loadPredictions, type EvaluationEnvironment, type Prediction } from '@codemonkeys/swebench';
import {
  createStorageVerdictCache,
  formatScorecardMarkdown,
  formatValidityMarkdown,
  loadResolvedLabels,
  rewardPredictions,
  type PredictionsRewards,
  type ResolvedLabels,
  type RewardValidity,
  type Scorecard,
} from '@codemonkeys/rewards';
import { EvalOptionsSchema } from '../evaluation/eval-options';
import { openEvaluationSandboxes } from '../evaluation/evaluation-resources';
import { createEvaluationProgress } from '../evaluation/evaluation-progress';
import { openStorage } from '../storage/open-storage';
import type { RewardsOptions } from './rewards-options';
import { writeFileAtomically } from '../write-file-atomically';

/** One run of the offline scorecard: the predictions of one model in one file. */
export interface OfflineRun {
  runId: string;
  model: string;
  file: string;
  labels?: string;
  predictions: number;
  notInDataset: string[];
  labelDisagreements: { instanceId: string; label: boolean; sandbox: boolean }[];
  scorecard: Scorecard;
}

export interface OfflineRewardsOutcome {
  dataset: string;
  sandbox: boolean;
  runs: OfflineRun[];
  /** Validity over every run's candidates together, when there are several runs. */
  pooledValidity?: RewardValidity[];
}

interface RunSource {
  model: string;
  file: string;
  labelsFile?: string;
  labels?: ResolvedLabels;
}

/**
 * `codemonkeys rewards`: the generation rewards of predictions files against their dataset (static
 * rewards always, SWE-bench verdicts with --sandbox, outcomes from labels files), one scorecard per
 * (file, model), and the validity of each pseudo-reward.
 */
export async function runOfflineRewards(options: RewardsOptions, io: { signal: AbortSignal; log: (message: string) => void }): Promise<OfflineRewardsOutcome> {
  const instances = await loadDataset(options.dataset, options.instances.length > 0 ? { globs: options.instances } : {});
  const labelsFiles = options.labels.length === 1 ? options.predictions.map(() => options.labels[0]!) : options.labels;
  const loadedLabels = new Map<string, ResolvedLabels>();
  for (const file of new Set(labelsFiles)) loadedLabels.set(file, await loadResolvedLabels(file));

  // A run per (file, model); a model name found in two files is qualified by the file's name.
  const perFile: { file: string; predictions: Prediction[] }[] = [];
  for (const file of options.predictions) perFile.push({ file, predictions: await loadPredictions(file) });
  const filesOfModel = new Map<string, Set<string>>();
  for (const { file, predictions } of perFile)
    for (const prediction of predictions)
      (filesOfModel.get(prediction.model_name_or_path) ?? filesOfModel.set(prediction.model_name_or_path, new Set()).get(prediction.model_name_or_path)!).add(file);
  const sources = new Map<string, RunSource>();
  const predictions: Prediction[] = [];
  perFile.forEach(({ file, predictions: filePredictions }, index) => {
    const labelsFile = labelsFiles[index];
    for (const prediction of filePredictions) {
      const model = prediction.model_name_or_path;
      const runId = filesOfModel.get(model)!.size > 1 ? `${path.basename(file)}/${model}` : model;
      if (!sources.has(runId)) sources.set(runId, { model, file, ...(labelsFile ? { labelsFile, labels: loadedLabels.get(labelsFile)! } : {}) });
      predictions.push({ ...prediction, model_name_or_path: runId });
    }
  });

  let environment: EvaluationEnvironment<DockerSandbox> | undefined;
  let verdictStorage: SequenceStorage | undefined;
  if (options.sandbox) {
    const evalOptions = EvalOptionsSchema.parse({
      dataset: options.dataset,
      predictions: options.predictions,
      repository: options.repository,
      ...(options.specFile ? { specFile: options.specFile } : {}),
      ...(options.cacheDirectory ? { cacheDirectory: options.cacheDirectory } : {}),
      buildBaseImages: options.buildBaseImages,
    });
    environment = await openEvaluationSandboxes(evalOptions, 'rewards', instances, io.log);
    if (options.storage)
      verdictStorage = await openStorage(options.storage).catch(async (error: unknown) => {
        await environment?.close();
        throw error;
      });
  }
  const total = predictions.filter((prediction) => instances.some((instance) => instance.instanceId === prediction.instance_id)).length;
  const progress = createEvaluationProgress({ total, label: 'rewards', mode: options.progress });
  const counts = { resolved: 0, failed: 0 };
  const onAbort = (): void => void environment?.close();
  io.signal.addEventListener('abort', onAbort, { once: true });
  let outcome: PredictionsRewards;
  try {
    outcome = await rewardPredictions({
      instances,
      predictions,
      labels: (runId) => sources.get(runId)?.labels,
      runIdOf: (runId) => runId,
      validity: { samples: options.bootstrapSamples, seed: options.seed },
      concurrency: options.concurrency,
      ...(options.timeout ? { goldTestTimeoutMs: options.timeout * 1000 } : {}),
      ...(environment ? { sandboxes: environment.instanceSandboxes } : {}),
      ...(verdictStorage ? { verdictCache: createStorageVerdictCache(verdictStorage, { logger: { ...silentLogger, warn: io.log, error: io.log } }) } : {}),
      signal: io.signal,
      onProgress: ({ instanceId, model, rewards }) => {
        if (rewards.verdict?.resolved === 1) counts.resolved += 1;
        if (rewards.verdict?.infrastructureFailure) counts.failed += 1;
        const verdict =
          rewards.verdict?.resolved === undefined ? '' : rewards.verdict.resolved === null ? ' environment failure' : rewards.verdict.resolved ? ' resolved' : ' not resolved';
        progress.advance(`${model} ${instanceId}: similarity ${rewards.comparison.similarity.toFixed(3)}${verdict}`, counts);
      },
    });
  } finally {
    progress.stop();
    io.signal.removeEventListener('abort', onAbort);
    await environment?.close();
    await verdictStorage?.close();
  }
  return {
    dataset: options.dataset,
    sandbox: options.sandbox,
    runs: outcome.runs.map((run) => {
      const source = sources.get(run.runId)!;
      return {
        runId: run.runId,
        model: source.model,
        file: source.file,
        ...(source.labelsFile ? { labels: source.labelsFile } : {}),
        predictions: run.predictions,
        notInDataset: run.notInDataset,
        labelDisagreements: run.labelDisagreements,
        scorecard: run.scorecard,
      };
    }),
    ...(outcome.pooledValidity ? { pooledValidity: outcome.pooledValidity } : {}),
  };
}

/** The offline scorecards as Markdown: runs side by side, each run's validity, the pooled validity and notes. */
function formatOfflineRewardsMarkdown(outcome: OfflineRewardsOutcome): string {
  const parts = [
    '# Pseudo-rewards of predictions',
    '',
    `Dataset: \`${outcome.dataset}\`. Outcomes: ${outcome.sandbox ? 'SWE-bench evaluation in Docker' : 'labels files (runs without labels have no outcome)'}.`,
    '',
    formatScorecardMarkdown(outcome.runs.map((run) => run.scorecard)).trimEnd(),
  ];
  if (outcome.pooledValidity && outcome.pooledValidity.length > 0) {
    parts.push('', `### Validity over all ${outcome.runs.length} runs (instances resampled as clusters)`, '', formatValidityMarkdown(outcome.pooledValidity));
  }
  const notes: string[] = [];
  for (const run of outcome.runs) {
    if (run.notInDataset.length > 0)
      notes.push(
        `- ${run.runId}: ${run.notInDataset.length} prediction(s) for instances not in the dataset (left out): ${run.notInDataset.slice(0, 5).join(', ')}${run.notInDataset.length > 5 ? ', …' : ''}`,
      );
    if (run.labelDisagreements.length > 0) {
      notes.push(
        `- ${run.runId}: the sandbox disagrees with the labels on ${run.labelDisagreements.length} instance(s): ${run.labelDisagreements
          .slice(0, 5)
          .map((entry) => `${entry.instanceId} (label ${entry.label ? 'resolved' : 'not resolved'})`)
          .join(', ')}`,
      );
    }
  }
  if (notes.length > 0) parts.push('', '### Notes', '', ...notes);
  parts.push(
    '',
    'ROC-AUC: probability that a resolved candidate scores higher than an unresolved one (0.5 = chance; below 0.5 = lower is better). ' +
      'Intervals: 95% percentile bootstrap over instances.',
  );
  return `${parts.join('\n')}\n`;
}

/** Writes the outcome to a file (atomically) or returns it for stdout. */
export async function writeOfflineRewards(outcome: OfflineRewardsOutcome, format: 'md' | 'json', output: string | undefined): Promise<string | undefined> {
  const text = format === 'json' ? `${JSON.stringify(outcome, null, 2)}\n` : formatOfflineRewardsMarkdown(outcome);
  if (!output) return text;
  await fs.mkdir(path.dirname(path.resolve(output)), { recursive: true });
  await writeFileAtomically(output, text);
  return undefined;
}
