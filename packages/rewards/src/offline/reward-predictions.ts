import pMap from 'p-map';
import { createInMemorySequenceStorage, type Instance, type SequenceStorage, type TokenCounter } from '@codemonkeys/protocol';
import type { Prediction } from '@codemonkeys/swebench';
import { createRewarder, type CandidateRewards, type RewardSandboxes } from '../instrumentation/rewarder';
import type { VerdictCache } from '../instrumentation/verdict-cache';
import { buildScorecard, type Scorecard } from '../scorecard/scorecard';
import { readRewardRecords } from '../instrumentation/stage-cost';
import type { RewardValidity, ValidityOptions } from '../validity/reward-validity';
import { validityFromRecords } from '../validity/validity-from-records';
import type { RewardRecord } from '@codemonkeys/protocol';
import { labelOf, type ResolvedLabels } from './resolved-labels';

export interface RewardPredictionsOptions {
  /** The dataset: gold patches (and, for the sandbox, test patches and test lists). */
  instances: readonly Instance[];
  /** SWE-bench predictions; each `model_name_or_path` becomes one run. */
  predictions: readonly Prediction[];
  /**
   * Known outcomes (a labels file), for every model or per model. Without a sandbox they are the
   * `resolved` of each candidate; with one they are compared with its verdicts.
   */
  labels?: ResolvedLabels | ((model: string) => ResolvedLabels | undefined);
  /** Where the records go (default: in memory). */
  storage?: SequenceStorage;
  /** With sandboxes, every prediction is evaluated as SWE-bench does (gold tests). */
  sandboxes?: RewardSandboxes & { release?(instanceId: string): Promise<void> };
  /** With sandboxes: verdicts shared with other runs (`createStorageVerdictCache` of a run storage); reused ones are not run again. */
  verdictCache?: VerdictCache;
  /** Run id of a model's records (default `rewards:<model>`). */
  runIdOf?: (model: string) => string;
  /** Limit of one SWE-bench test run in the sandbox (default: the environment spec's). */
  goldTestTimeoutMs?: number;
  /** Instances evaluated at once with a sandbox (default 1; static rewards need no concurrency). */
  concurrency?: number;
  /** Validity options of the scorecards (false: no validity). */
  validity?: ValidityOptions | false;
  countTokens?: TokenCounter;
  /** After each prediction. */
  onProgress?: (progress: { done: number; total: number; instanceId: string; model: string; rewards: CandidateRewards }) => void;
  signal?: AbortSignal;
}

export interface PredictionsRun {
  runId: string;
  model: string;
  /** Predictions rewarded. */
  predictions: number;
  /** Predictions whose instance is not in the dataset (not rewarded). */
  notInDataset: string[];
  /** With a sandbox and labels: instances whose sandbox verdict differs from the label. */
  labelDisagreements: { instanceId: string; label: boolean; sandbox: boolean }[];
  scorecard: Scorecard;
}

export interface PredictionsRewards {
  runs: PredictionsRun[];
  /** Validity over the candidates of every run together (instances resampled as clusters); absent when turned off. */
  pooledValidity?: RewardValidity[];
  storage: SequenceStorage;
}

/**
 * Offline mode: the generation rewards of a predictions file against a dataset, without running any
 * model. Static rewards (similarity, line and file overlap, size) always; the SWE-bench verdict with a
 * sandbox, or the labels' outcome without one. Records are stored at stage `generate`, sample 0, one
 * run per model; a scorecard (with the validity of each pseudo-reward when outcomes are known) per run.
 */
export async function rewardPredictions(options: RewardPredictionsOptions): Promise<PredictionsRewards> {
  const storage = options.storage ?? createInMemorySequenceStorage();
  const rewarder = createRewarder({
    storage,
    ...(options.sandboxes ? { sandboxes: options.sandboxes } : {}),
    ...(options.verdictCache ? { verdictCache: options.verdictCache } : {}),
    ...(options.countTokens ? { countTokens: options.countTokens } : {}),
    ...(options.goldTestTimeoutMs !== undefined ? { goldTestTimeoutMs: options.goldTestTimeoutMs } : {}),
    generatedTests: false,
  });
  const instances = new Map(options.instances.map((instance) => [instance.instanceId, instance]));
  const runIdOf = options.runIdOf ?? ((model: string) => `rewards:${model}`);
  const byModel = new Map<string, Prediction[]>();
  for (const prediction of options.predictions) {
    const list = byModel.get(prediction.model_name_or_path) ?? [];
    list.push(prediction);
    byModel.set(prediction.model_name_or_path, list);
  }
  const total = options.predictions.filter((prediction) => instances.has(prediction.instance_id)).length;
  let done = 0;
  const runs: PredictionsRun[] = [];
  const allRecords: RewardRecord[] = [];
  for (const [model, predictions] of byModel) {
    const runId = runIdOf(model);
    const labels = typeof options.labels === 'function' ? options.labels(model) : options.labels;
    const notInDataset: string[] = [];
    const labelDisagreements: PredictionsRun['labelDisagreements'] = [];
    const rewardable = predictions.filter((prediction) => {
      if (instances.has(prediction.instance_id)) return true;
      notInDataset.push(prediction.instance_id);
      return false;
    });
    await pMap(
      rewardable,
      async (prediction) => {
        const instance = instances.get(prediction.instance_id)!;
        const label = labels ? labelOf(labels, instance.instanceId) : undefined;
        try {
          const outcome = await rewarder.rewardGeneration({
            runId,
            instance,
            candidates: [{ instanceId: instance.instanceId, diff: prediction.model_patch ?? '', metadata: { model } }],
            ...(options.sandboxes ? {} : { knownVerdicts: [label ?? null] }),
            ...(options.signal ? { signal: options.signal } : {}),
          });
          const rewards = outcome.candidates[0]!;
          const verdict = rewards.verdict?.resolved;
          if (options.sandboxes && label !== undefined && verdict !== undefined && verdict !== null && (verdict === 1) !== label) {
            labelDisagreements.push({ instanceId: instance.instanceId, label, sandbox: verdict === 1 });
          }
          done += 1;
          options.onProgress?.({ done, total, instanceId: instance.instanceId, model, rewards });
        } finally {
          await options.sandboxes?.release?.(instance.instanceId);
        }
      },
      { concurrency: options.sandboxes ? (options.concurrency ?? 1) : 1, ...(options.signal ? { signal: options.signal } : {}) },
    );
    const records = await readRewardRecords(storage, { runId });
    allRecords.push(...records);
    runs.push({
      runId,
      model,
      predictions: rewardable.length,
      notInDataset,
      labelDisagreements: labelDisagreements.sort((left, right) => left.instanceId.localeCompare(right.instanceId)),
      scorecard: buildScorecard(runId, records, { validity: options.validity === undefined ? true : options.validity }),
    });
  }
  const pooled = options.validity === false || runs.length < 2 ? undefined : validityFromRecords(allRecords, options.validity ?? {});
  return { runs, ...(pooled ? { pooledValidity: pooled } : {}), storage };
}
