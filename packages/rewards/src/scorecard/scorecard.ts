import { roundCostUsd, type RewardRecord, type SequenceStorage } from '@codemonkeys/protocol';
import { median } from 'simple-statistics';
import { readRewardRecords } from '../instrumentation/stage-cost';
import { defaultRewardStages, generationRewardNames, localizationRewardNames, selectionRewardNames, stageCostRewardNames, type RewardStages } from '../reward-names';
import { normalizedSelectionScore } from '../selection/selection-rewards';
import { validityFromRecords } from '../validity/validity-from-records';
import type { RewardValidity, ValidityOptions } from '../validity/reward-validity';

/** One reward aggregated over the records of a stage. */
export interface MetricSummary {
  /** Records with a value. */
  count: number;
  /** Records whose value is null (could not be computed; the reason is in their details). */
  missing: number;
  mean: number | null;
  median: number | null;
  sum: number;
}

export interface StageScorecard {
  /** The stage name of the records. */
  stage: string;
  /** Instances with at least one record of this stage. */
  instances: number;
  /** Distinct (instance, sample) pairs: candidates for generation. */
  samples: number;
  /** Every reward name recorded for this stage. */
  metrics: Record<string, MetricSummary>;
}

/**
 * The figures a report shows first, each defined over the records of one run:
 * - localization: means over localization samples;
 * - generation: means over candidates (resolved = candidates resolved / candidates with a verdict),
 *   `anyResolved` = instances with at least one resolved candidate / instances with verdicts (the oracle);
 * - selection: means over instances, `selectionNormalized` = (Σ resolved − Σ random) / (Σ oracle − Σ random);
 * - cost and time: sums over every stage's `tokens`, `cost-usd` and `duration-ms` records.
 */
export interface ScorecardHeadline {
  goldLineRecall: number | null;
  fileRecallAll: number | null;
  fileRecallAny: number | null;
  contextTokens: number | null;
  contextLines: number | null;
  compressionLines: number | null;
  compressionTokens: number | null;
  relevantOverContext: number | null;
  candidateResolved: number | null;
  anyResolved: number | null;
  applied: number | null;
  similarity: number | null;
  lineOverlap: number | null;
  fileOverlap: number | null;
  patchLines: number | null;
  /** Candidates that change nothing / candidates. */
  empty: number | null;
  generatedTestValidity: number | null;
  generatedTestCoverage: number | null;
  /**
   * Candidate verdicts this run computed in the sandbox, and verdicts it reused from the verdict cache
   * (computed by an earlier run, or by another of its candidates with the same normalized diff). Both
   * null when no candidate verdict came from a sandbox (no sandbox, labels only).
   */
  verdictsComputed: number | null;
  verdictsReused: number | null;
  /** Instances whose localization was another run's (reused from the storage, nothing spent on it here). */
  localizationsReused: number;
  selectionResolved: number | null;
  selectionRandom: number | null;
  selectionOracle: number | null;
  selectionNormalized: number | null;
  /** Sums over every stage. */
  tokens: number;
  costUsd: number;
  /** Sum of the stages' wall times (ms) per stage, and over all. */
  durationMs: Record<string, number>;
}

export interface Scorecard {
  schemaVersion: 1;
  runId: string;
  /** Instances with any reward record. */
  instances: number;
  stages: { localization: StageScorecard; generation: StageScorecard; selection: StageScorecard };
  headline: ScorecardHeadline;
  /** How well each generation pseudo-reward predicts `resolved` over the run's candidates (absent when turned off). */
  validity?: RewardValidity[];
}

export interface ScorecardOptions {
  stages?: Partial<RewardStages>;
  /** Compute validity (ROC-AUC and point-biserial with bootstrap intervals); default true. */
  validity?: boolean | ValidityOptions;
}

function summarize(values: readonly (number | null)[]): MetricSummary {
  const present = values.filter((value): value is number => value !== null);
  const sum = present.reduce((total, value) => total + value, 0);
  return {
    count: present.length,
    missing: values.length - present.length,
    mean: present.length === 0 ? null : sum / present.length,
    median: present.length === 0 ? null : median(present),
    sum,
  };
}

function stageScorecard(stage: string, records: readonly RewardRecord[]): StageScorecard {
  const byName = new Map<string, (number | null)[]>();
  const instances = new Set<string>();
  const samples = new Set<string>();
  for (const record of records) {
    instances.add(record.instanceId);
    samples.add(`${record.instanceId}\u0000${record.sample}`);
    const values = byName.get(record.name) ?? [];
    values.push(record.value);
    byName.set(record.name, values);
  }
  const metrics: Record<string, MetricSummary> = {};
  for (const name of [...byName.keys()].sort()) metrics[name] = summarize(byName.get(name)!);
  return { stage, instances: instances.size, samples: samples.size, metrics };
}

/** Instances with at least one resolved candidate / instances with at least one candidate verdict. */
function anyResolvedRate(records: readonly RewardRecord[]): number | null {
  const byInstance = new Map<string, boolean>();
  for (const record of records) {
    if (record.name !== generationRewardNames.resolved || record.value === null) continue;
    byInstance.set(record.instanceId, (byInstance.get(record.instanceId) ?? false) || record.value === 1);
  }
  if (byInstance.size === 0) return null;
  return [...byInstance.values()].filter(Boolean).length / byInstance.size;
}

/** Definite candidate verdicts by where they came from (see `ScorecardHeadline.verdictsComputed`). */
function verdictSources(records: readonly RewardRecord[]): { computed: number | null; reused: number | null } {
  let computed = 0;
  let reused = 0;
  let fromSandbox = false;
  for (const record of records) {
    if (record.name !== generationRewardNames.resolved) continue;
    const source = record.details.source;
    if (source !== 'sandbox' && source !== 'cache') continue;
    fromSandbox = true;
    if (record.value === null) continue;
    if (source === 'sandbox') computed += 1;
    else reused += 1;
  }
  return fromSandbox ? { computed, reused } : { computed: null, reused: null };
}

function selectionByInstance(records: readonly RewardRecord[]): { resolved: number | null; random: number | null; oracle: number | null }[] {
  const byInstance = new Map<string, { resolved: number | null; random: number | null; oracle: number | null }>();
  for (const record of records) {
    const entry = byInstance.get(record.instanceId) ?? { resolved: null, random: null, oracle: null };
    if (record.name === selectionRewardNames.resolved) entry.resolved = record.value;
    if (record.name === selectionRewardNames.random) entry.random = record.value;
    if (record.name === selectionRewardNames.oracle) entry.oracle = record.value;
    byInstance.set(record.instanceId, entry);
  }
  return [...byInstance.values()];
}

/** A run's scorecard from its reward records (all stages). */
export function buildScorecard(runId: string, records: readonly RewardRecord[], options: ScorecardOptions = {}): Scorecard {
  const stages = { ...defaultRewardStages, ...options.stages };
  const ofRun = records.filter((record) => record.runId === runId);
  const of = (stage: string): RewardRecord[] => ofRun.filter((record) => record.stage === stage);
  const localization = stageScorecard(stages.localization, of(stages.localization));
  const generationRecords = of(stages.generation);
  const generation = stageScorecard(stages.generation, generationRecords);
  const selectionRecords = of(stages.selection);
  const selection = stageScorecard(stages.selection, selectionRecords);
  const mean = (stage: StageScorecard, name: string): number | null => stage.metrics[name]?.mean ?? null;
  const verdicts = verdictSources(generationRecords);

  let tokens = 0;
  let costUsd = 0;
  const durationMs: Record<string, number> = {};
  let totalDuration = 0;
  for (const stage of [localization, generation, selection]) {
    tokens += stage.metrics[stageCostRewardNames.tokens]?.sum ?? 0;
    costUsd += stage.metrics[stageCostRewardNames.costUsd]?.sum ?? 0;
    const duration = stage.metrics[stageCostRewardNames.durationMs]?.sum;
    if (duration !== undefined) {
      durationMs[stage.stage] = duration;
      totalDuration += duration;
    }
  }
  durationMs.total = totalDuration;

  const validityOptions = options.validity === false ? undefined : options.validity === true || options.validity === undefined ? {} : options.validity;
  return {
    schemaVersion: 1,
    runId,
    instances: new Set(ofRun.map((record) => record.instanceId)).size,
    stages: { localization, generation, selection },
    headline: {
      goldLineRecall: mean(localization, localizationRewardNames.goldLineRecall),
      fileRecallAll: mean(localization, localizationRewardNames.fileRecallAll),
      fileRecallAny: mean(localization, localizationRewardNames.fileRecallAny),
      contextTokens: mean(localization, localizationRewardNames.contextTokens),
      contextLines: mean(localization, localizationRewardNames.contextLines),
      compressionLines: mean(localization, localizationRewardNames.compressionLines),
      compressionTokens: mean(localization, localizationRewardNames.compressionTokens),
      relevantOverContext: mean(localization, localizationRewardNames.relevantOverContext),
      candidateResolved: mean(generation, generationRewardNames.resolved),
      anyResolved: anyResolvedRate(generationRecords),
      applied: mean(generation, generationRewardNames.applied),
      similarity: mean(generation, generationRewardNames.similarity),
      lineOverlap: mean(generation, generationRewardNames.lineOverlap),
      fileOverlap: mean(generation, generationRewardNames.fileOverlap),
      patchLines: mean(generation, generationRewardNames.patchLines),
      empty: mean(generation, generationRewardNames.empty),
      generatedTestValidity: mean(generation, generationRewardNames.generatedTestValidity),
      generatedTestCoverage: mean(generation, generationRewardNames.generatedTestCoverage),
      verdictsComputed: verdicts.computed,
      verdictsReused: verdicts.reused,
      localizationsReused: new Set(
        of(stages.localization)
          .filter((record) => record.name === stageCostRewardNames.tokens && record.details.reusedFrom !== undefined)
          .map((record) => record.instanceId),
      ).size,
      selectionResolved: mean(selection, selectionRewardNames.resolved),
      selectionRandom: mean(selection, selectionRewardNames.random),
      selectionOracle: mean(selection, selectionRewardNames.oracle),
      selectionNormalized: normalizedSelectionScore(selectionByInstance(selectionRecords)),
      tokens,
      costUsd: roundCostUsd(costUsd),
      durationMs,
    },
    ...(validityOptions ? { validity: validityFromRecords(generationRecords, validityOptions) } : {}),
  };
}

/** A run's scorecard from the reward records in storage: what `codemonkeys report` shows per run. */
export async function scorecardFromStorage(storage: Pick<SequenceStorage, 'queryRewards'>, runId: string, options: ScorecardOptions = {}): Promise<Scorecard> {
  return buildScorecard(runId, await readRewardRecords(storage, { runId }), options);
}
