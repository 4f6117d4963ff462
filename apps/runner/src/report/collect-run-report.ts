import { NotFoundError, readAllPages, type ResolvedPlugin, type RewardQuery, type RunSummary, type SequenceStorage, type StageResultQuery, type WorkStateQuery } from '@codemonkeys/protocol';
import { generationRewardNames, scorecardFromStorage, selectionRewardNames, type Scorecard } from '@codemonkeys/rewards';
import { stageNames } from '../experiment/experiment-plan';
import type { RunMetadata } from '../execution/run-records';
import { instanceStateKey, type InstanceState } from '../execution/process-instance';

/** Wall time of one stage over a run's instances. */
export interface StageTime {
  stage: string;
  count: number;
  failed: number;
  totalMs: number;
  meanMs: number;
}

/** One instance of a run, as the report lists it. */
export interface InstanceLine {
  instanceId: string;
  status: 'done' | 'failed' | 'pending';
  candidates: number | null;
  resolvedCandidates: number | null;
  /** Is the chosen patch resolved (null: unknown). */
  resolved: boolean | null;
  emptyPatch: boolean | null;
  error?: string;
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
  instances: { total: number; done: number; failed: number; pending: number };
  summary: RunSummary;
  stageTimes: StageTime[];
  /** Sum of the stage wall times of every instance, and the wall time of the whole run (first start to last finish). */
  wallTimeMs: number | null;
  scorecard: Scorecard;
  instanceLines: InstanceLine[];
}

const stageOrder = (stage: string): number => {
  const base = stage.split('.')[0]!;
  const index = [stageNames.localize, stageNames.generate, stageNames.select].indexOf(base as never);
  return (index === -1 ? 10 : index) * 100 + (stage.includes('.') ? Number(stage.split('.')[1]) + 1 : 0);
};

/** Reads a run's records and builds its report (scorecard from `@codemonkeys/rewards`, the rest from the runner's records). */
export async function collectRunReport(storage: SequenceStorage, runId: string, options: { storageUrl?: string } = {}): Promise<RunReport> {
  const run = await storage.getRun(runId);
  if (!run) throw new NotFoundError(`No run "${runId}" in ${options.storageUrl ?? `the ${storage.name} storage`}. List the runs with \`codemonkeys runs --storage ${options.storageUrl ?? '...'}\`.`);
  const experiment = await storage.getExperiment(run.experimentId);
  const metadata = run.metadata as Partial<RunMetadata>;

  const times = new Map<string, StageTime>();
  let firstStart: number | undefined;
  let lastFinish: number | undefined;
  const byInstance = new Map<string, { candidates?: number }>();
  for await (const result of readAllPages((query: StageResultQuery) => storage.queryStageResults(query), { runId })) {
    const time = times.get(result.stage) ?? { stage: result.stage, count: 0, failed: 0, totalMs: 0, meanMs: 0 };
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
    times.set(result.stage, time);
    if (result.stage === stageNames.generate && result.status === 'ok' && Array.isArray(result.output)) {
      byInstance.set(result.instanceId, { candidates: result.output.length });
    }
  }
  const stageTimes = [...times.values()].map((time) => ({ ...time, meanMs: time.count > 0 ? time.totalMs / time.count : 0 })).sort((a, b) => stageOrder(a.stage) - stageOrder(b.stage) || a.stage.localeCompare(b.stage));

  const states = new Map<string, InstanceState>();
  for await (const state of readAllPages((query: WorkStateQuery) => storage.queryWorkStates(query), { runId })) {
    if (state.key === instanceStateKey) states.set(state.instanceId, state.state as InstanceState);
  }
  const resolvedCandidates = new Map<string, number>();
  const chosenResolved = new Map<string, boolean | null>();
  for await (const reward of readAllPages((query: RewardQuery) => storage.queryRewards(query), { runId })) {
    if (reward.stage === stageNames.generate && reward.name === generationRewardNames.resolved && reward.value !== null) {
      resolvedCandidates.set(reward.instanceId, (resolvedCandidates.get(reward.instanceId) ?? 0) + (reward.value === 1 ? 1 : 0));
    }
    if (reward.stage === stageNames.select && reward.name === selectionRewardNames.resolved) chosenResolved.set(reward.instanceId, reward.value === null ? null : reward.value === 1);
  }
  const instanceIds = metadata.instanceIds ?? [...new Set([...states.keys(), ...byInstance.keys()])];
  const instanceLines: InstanceLine[] = [];
  for (const instanceId of instanceIds) {
    const state = states.get(instanceId);
    const selection = state?.status === 'done' ? await storage.getStageResult({ runId, instanceId, stage: stageNames.select, sample: 0 }) : undefined;
    const diff = (selection?.output as { diff?: string } | undefined)?.diff;
    instanceLines.push({
      instanceId,
      status: state?.status ?? 'pending',
      candidates: byInstance.get(instanceId)?.candidates ?? null,
      resolvedCandidates: resolvedCandidates.get(instanceId) ?? null,
      resolved: chosenResolved.get(instanceId) ?? null,
      emptyPatch: diff === undefined ? null : diff.trim() === '',
      ...(state?.status === 'failed' && state.error ? { error: `${state.error.name}: ${state.error.message.split('\n')[0]}` } : {}),
    });
  }
  const done = instanceLines.filter((line) => line.status === 'done').length;
  const failed = instanceLines.filter((line) => line.status === 'failed').length;

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
    instances: { total: instanceLines.length, done, failed, pending: instanceLines.length - done - failed },
    summary: await storage.summarizeRun(runId),
    stageTimes,
    wallTimeMs: firstStart !== undefined && lastFinish !== undefined ? lastFinish - firstStart : null,
    scorecard: await scorecardFromStorage(storage, runId),
    instanceLines,
  };
}
