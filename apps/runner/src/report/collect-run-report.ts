import {
  NotFoundError,
  readAllPages,
  roundCostUsd,
  type ModelCallQuery,
  type ResolvedPlugin,
  type RewardQuery,
  type RunSummary,
  type SequenceStorage,
  type StageResultQuery,
  type WorkStateQuery,
} from '@codemonkeys/protocol';
import { generationRewardNames, localizationRewardNames, scorecardFromStorage, selectionRewardNames, type Scorecard } from '@codemonkeys/rewards';
import { stageNames } from '../experiment/experiment-plan';
import type { RunMetadata } from '../execution/run-records';
import { instanceStateKey } from '../execution/process-instance';
import { verdictCoverage, withUnknownVerdicts, type CandidateVerdict, type VerdictCoverage } from './verdict-coverage';

/** Wall time of one stage over a run's instances. */
export interface StageTime {
  stage: string;
  count: number;
  failed: number;
  totalMs: number;
  meanMs: number;
}

/** Time of the reward computations after one stage, as recorded beside the stage (`rewards:<stage>` work states). */
export interface RewardTime {
  stage: string;
  /** Instances whose reward time is recorded. */
  count: number;
  totalMs: number;
  meanMs: number;
}

/**
 * One instance of a run, as the report lists it. Every figure is null when it is not known (not
 * measured, not recorded, or not reached), never 0.
 */
export interface InstanceLine {
  instanceId: string;
  /** `partial`: some work obtained no result (endpoint, sandbox, budget); the same command redoes it. */
  status: 'done' | 'failed' | 'partial' | 'pending';
  /** Of a failed or partial instance: the failure taxonomy's reason when recorded (`endpoint-error`, `sandbox`, ...). */
  failureReason?: string;
  /** Of a failed or partial instance: the error's name and first line. */
  error?: string;
  candidates: number | null;
  /** Candidates with a SWE-bench verdict (empty patches are not resolved by definition and count). */
  candidatesWithVerdict: number | null;
  /** Resolved candidates; null when the run's candidate verdicts are not known (see `verdicts`). */
  resolvedCandidates: number | null;
  /** The stored sample number (from 0) of the chosen candidate; null when not known or not one of them. */
  chosenSample: number | null;
  /** Is the chosen patch one of the candidates (false: the selector wrote its own; null: not known). */
  chosenIsCandidate: boolean | null;
  /** Is the chosen patch resolved (null: unknown). */
  resolved: boolean | null;
  emptyPatch: boolean | null;
  /** Gold-line recall of the localization the generator saw (the fused one when several localizers ran). */
  goldLineRecall: number | null;
  /** Dollars of the instance's recorded model calls (null: no call recorded). */
  costUsd: number | null;
  /** Sum of the instance's stage wall times (rewards excluded). */
  stageTimeMs: number | null;
  /** Sum of the instance's reward computation times, when recorded. */
  rewardTimeMs: number | null;
}

/** Everything `codemonkeys report` shows of one run. */
export interface RunReport {
  runId: string;
  experimentId: string;
  experimentName: string;
  label: string;
  status: string;
  createdAt: string;
  finishedAt?: string;
  overrides: Record<string, unknown>;
  plugins: ResolvedPlugin[];
  /** `partial`: instances with work that obtained no result (not counted as done, failed or pending). */
  instances: { total: number; done: number; failed: number; partial: number; pending: number };
  summary: RunSummary;
  stageTimes: StageTime[];
  /** Reward computation times per stage, where recorded (empty when the runner recorded none). */
  rewardTimes: RewardTime[];
  /** Time of the SWE-bench verdicts of candidates run in a sandbox (part of the generation rewards); null without any. */
  goldVerdictTime: { verdicts: number; instances: number; totalMs: number } | null;
  /** Sum of the stage wall times of every instance, and the wall time of the whole run (first start to last finish). */
  wallTimeMs: number | null;
  /** From `@codemonkeys/rewards`, with the verdict figures that are not known set to null (see `verdicts`). */
  scorecard: Scorecard;
  /** How far the SWE-bench verdicts cover the candidates, and so which verdict figures are known. */
  verdicts: VerdictCoverage;
  instanceLines: InstanceLine[];
}

/** What an instance's work state may say (read defensively: older runs wrote less). */
interface StoredInstanceState {
  status?: InstanceLine['status'];
  error?: { name: string; message: string };
  failureReason?: string;
}

const candidateRewardNames = new Set<string>(Object.values(generationRewardNames));

/** The work state key of the rewards after a stage (see the stage runner). */
const rewardsStateKey = /^rewards:(.+)$/;

const stageOrder = (stage: string): number => {
  const base = stage.split('.')[0]!;
  const index = [stageNames.localize, stageNames.generate, stageNames.select].indexOf(base as never);
  return (index === -1 ? 10 : index) * 100 + (stage.includes('.') ? Number(stage.split('.')[1]) + 1 : 0);
};

interface InstanceFacts {
  candidates?: number;
  chosenDiff?: string;
  stageTimeMs?: number;
  rewardTimeMs?: number;
  costUsd?: number;
  recall: number[];
  /** Generation rewards by sample: resolved and empty. */
  samples: Map<number, CandidateVerdict>;
  chosenResolved?: number | null;
  chosenSample?: number | null;
  chosenIsCandidate?: boolean;
  verdictMs: number;
  verdicts: number;
}

/** Reads a run's records and builds its report (scorecard from `@codemonkeys/rewards`, the rest from the runner's records). */
export async function collectRunReport(storage: SequenceStorage, runId: string, options: { storageUrl?: string } = {}): Promise<RunReport> {
  const run = await storage.getRun(runId);
  if (!run)
    throw new NotFoundError(
      `No run "${runId}" in ${options.storageUrl ?? `the ${storage.name} storage`}. List the runs with \`codemonkeys runs --storage ${options.storageUrl ?? '...'}\`.`,
    );
  const experiment = await storage.getExperiment(run.experimentId);
  const metadata = run.metadata as Partial<RunMetadata>;
  const facts = new Map<string, InstanceFacts>();
  const factsOf = (instanceId: string): InstanceFacts => {
    let entry = facts.get(instanceId);
    if (!entry) facts.set(instanceId, (entry = { recall: [], samples: new Map(), verdictMs: 0, verdicts: 0 }));
    return entry;
  };

  const times = new Map<string, StageTime>();
  let firstStart: number | undefined;
  let lastFinish: number | undefined;
  for await (const result of readAllPages((query: StageResultQuery) => storage.queryStageResults(query), { runId })) {
    const time = times.get(result.stage) ?? { stage: result.stage, count: 0, failed: 0, totalMs: 0, meanMs: 0 };
    const instance = factsOf(result.instanceId);
    if (result.status === 'ok') {
      time.count += 1;
      time.totalMs += result.durationMs;
      // Stages reused from an earlier invocation keep their own times; the span covers every invocation.
      const start = Date.parse(result.startedAt);
      const finish = Date.parse(result.finishedAt);
      firstStart = firstStart === undefined ? start : Math.min(firstStart, start);
      lastFinish = lastFinish === undefined ? finish : Math.max(lastFinish, finish);
    } else if (result.status === 'failed') {
      time.failed += 1;
    }
    if (result.status !== 'skipped') instance.stageTimeMs = (instance.stageTimeMs ?? 0) + result.durationMs;
    times.set(result.stage, time);
    if (result.stage === stageNames.generate && result.status === 'ok' && Array.isArray(result.output)) instance.candidates = result.output.length;
    if (result.stage === stageNames.select && result.status === 'ok') {
      const diff = (result.output as { diff?: unknown } | null)?.diff;
      if (typeof diff === 'string') instance.chosenDiff = diff;
    }
  }
  const stageTimes = [...times.values()]
    .map((time) => ({ ...time, meanMs: time.count > 0 ? time.totalMs / time.count : 0 }))
    .sort((a, b) => stageOrder(a.stage) - stageOrder(b.stage) || a.stage.localeCompare(b.stage));

  const states = new Map<string, StoredInstanceState>();
  const rewardTimesByStage = new Map<string, RewardTime>();
  for await (const state of readAllPages((query: WorkStateQuery) => storage.queryWorkStates(query), { runId })) {
    if (state.key === instanceStateKey) states.set(state.instanceId, (state.state ?? {}) as StoredInstanceState);
    const rewardStage = rewardsStateKey.exec(state.key)?.[1];
    const durationMs = (state.state as { durationMs?: unknown } | null)?.durationMs;
    if (rewardStage && typeof durationMs === 'number' && Number.isFinite(durationMs)) {
      const time = rewardTimesByStage.get(rewardStage) ?? { stage: rewardStage, count: 0, totalMs: 0, meanMs: 0 };
      time.count += 1;
      time.totalMs += durationMs;
      rewardTimesByStage.set(rewardStage, time);
      const instance = factsOf(state.instanceId);
      instance.rewardTimeMs = (instance.rewardTimeMs ?? 0) + durationMs;
    }
  }
  const rewardTimes = [...rewardTimesByStage.values()]
    .map((time) => ({ ...time, meanMs: time.totalMs / time.count }))
    .sort((a, b) => stageOrder(a.stage) - stageOrder(b.stage) || a.stage.localeCompare(b.stage));

  for await (const reward of readAllPages((query: RewardQuery) => storage.queryRewards(query), { runId })) {
    const instance = factsOf(reward.instanceId);
    // A candidate is any sample with a candidate reward (the stage's cost records are not candidates).
    if (reward.stage === stageNames.generate && candidateRewardNames.has(reward.name)) {
      const isVerdict = reward.name === generationRewardNames.resolved;
      const sample = instance.samples.get(reward.sample) ?? { resolved: null, empty: null };
      if (isVerdict) sample.resolved = reward.value;
      if (reward.name === generationRewardNames.empty) sample.empty = reward.value;
      instance.samples.set(reward.sample, sample);
      const verdictMs = reward.details.durationMs;
      if (isVerdict && reward.value !== null && reward.details.source === 'sandbox' && typeof verdictMs === 'number') {
        instance.verdictMs += verdictMs;
        instance.verdicts += 1;
      }
    }
    if (reward.stage === stageNames.select && reward.name === selectionRewardNames.resolved) {
      instance.chosenResolved = reward.value;
      // The rewarder records chosenIndex (null: the chosen diff is none of the candidates); older records lack it.
      const chosenIndex = reward.details.chosenIndex;
      instance.chosenSample = typeof chosenIndex === 'number' ? chosenIndex : null;
      if (chosenIndex === null || typeof chosenIndex === 'number') instance.chosenIsCandidate = chosenIndex !== null;
    }
    if (reward.stage === stageNames.localize && reward.name === localizationRewardNames.goldLineRecall && reward.value !== null) instance.recall.push(reward.value);
  }

  // Cost per instance from the model calls it made (each call carries its instance label).
  for await (const call of readAllPages((query: ModelCallQuery) => storage.queryModelCalls(query), { runId })) {
    if (!call.instanceId) continue;
    const instance = factsOf(call.instanceId);
    instance.costUsd = (instance.costUsd ?? 0) + call.costUsd;
  }

  const allFacts = [...facts.values()];
  const verdicts = verdictCoverage(
    allFacts.flatMap((instance) => [...instance.samples.values()]),
    allFacts
      .filter((instance) => instance.chosenResolved !== undefined)
      .map((instance) => ({ resolved: instance.chosenResolved ?? null, empty: instance.chosenDiff === undefined ? null : instance.chosenDiff.trim() === '' })),
  );
  const verdictInstances = allFacts.filter((instance) => instance.verdicts > 0);

  const instanceIds = metadata.instanceIds ?? [...new Set([...states.keys(), ...facts.keys()])];
  const instanceLines: InstanceLine[] = [];
  for (const instanceId of instanceIds) {
    const state = states.get(instanceId);
    const instance = facts.get(instanceId);
    const samples = instance ? [...instance.samples.values()] : [];
    const withVerdict = samples.filter((sample) => sample.resolved !== null);
    const status = state?.status ?? 'pending';
    const troubled = status === 'failed' || status === 'partial';
    const recall = instance?.recall ?? [];
    instanceLines.push({
      instanceId,
      status,
      ...(troubled && typeof state?.failureReason === 'string' ? { failureReason: state.failureReason } : {}),
      ...(troubled && state?.error ? { error: `${state.error.name}: ${state.error.message.split('\n')[0]}` } : {}),
      candidates: instance?.candidates ?? null,
      candidatesWithVerdict: samples.length > 0 ? withVerdict.length : null,
      resolvedCandidates: verdicts.candidatesKnown && withVerdict.length > 0 ? withVerdict.filter((sample) => sample.resolved === 1).length : null,
      chosenSample: instance?.chosenSample ?? null,
      chosenIsCandidate: instance?.chosenIsCandidate ?? null,
      resolved: instance?.chosenResolved === undefined || instance.chosenResolved === null ? null : instance.chosenResolved === 1,
      emptyPatch: instance?.chosenDiff === undefined ? null : instance.chosenDiff.trim() === '',
      goldLineRecall: recall.length > 0 ? recall.reduce((sum, value) => sum + value, 0) / recall.length : null,
      costUsd: instance?.costUsd === undefined ? null : roundCostUsd(instance.costUsd),
      stageTimeMs: instance?.stageTimeMs ?? null,
      rewardTimeMs: instance?.rewardTimeMs ?? null,
    });
  }
  const done = instanceLines.filter((line) => line.status === 'done').length;
  const failed = instanceLines.filter((line) => line.status === 'failed').length;
  const partial = instanceLines.filter((line) => line.status === 'partial').length;

  return {
    runId,
    experimentId: run.experimentId,
    experimentName: experiment?.name ?? run.experimentId,
    label: metadata.label ?? run.id,
    status: run.status,
    createdAt: run.createdAt,
    ...(run.finishedAt ? { finishedAt: run.finishedAt } : {}),
    overrides: metadata.overrides ?? {},
    plugins: metadata.plugins ?? experiment?.plugins ?? [],
    instances: { total: instanceLines.length, done, failed, partial, pending: instanceLines.length - done - failed - partial },
    summary: await storage.summarizeRun(runId),
    stageTimes,
    rewardTimes,
    goldVerdictTime:
      verdictInstances.length === 0
        ? null
        : {
            verdicts: verdictInstances.reduce((sum, instance) => sum + instance.verdicts, 0),
            instances: verdictInstances.length,
            totalMs: verdictInstances.reduce((sum, instance) => sum + instance.verdictMs, 0),
          },
    wallTimeMs: firstStart !== undefined && lastFinish !== undefined ? lastFinish - firstStart : null,
    scorecard: withUnknownVerdicts(await scorecardFromStorage(storage, runId), verdicts),
    verdicts,
    instanceLines,
  };
}
