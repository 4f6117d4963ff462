import path from 'node:path';
import { readAllPages, type Patch, type RunStatus, type SequenceStorage, type WorkStateQuery } from '@codemonkeys/protocol';
import { writePredictions } from '@codemonkeys/swebench';
import { stageNames } from '../experiment/experiment-plan';
import type { RunProgress } from '../progress/run-progress';
import { collectRunReport, type RunReport } from '../report/collect-run-report';
import { writeReportFiles, type ReportFiles } from '../report/write-report-files';
import type { ExperimentRuntime, RuntimeRun } from './experiment-runtime';
import { instanceStateKey, type InstanceOutcome, type InstanceState } from './process-instance';
import type { RunControl, StopReason } from './run-control';
import type { EnvironmentValidationSummary } from './environment-validation';
import { finishRunRecord, recordExperiment } from './run-records';
import { scheduleInstances, workItemsOf, type WorkItem } from './run-scheduler';

export interface RunInvocationOptions {
  runtime: ExperimentRuntime;
  storage: SequenceStorage;
  storageUrl: string;
  /** The selected instances, in dataset order. */
  instanceIds: readonly string[];
  concurrency: number;
  retries: number;
  retryDelayMs: number;
  /** Folder of predictions (one folder per run) and reports. */
  output: string;
  control: RunControl;
  progress: RunProgress;
  /** What gold validation said of the environments (kept in each run's record). */
  environments?: EnvironmentValidationSummary;
  /** Runs the items somewhere else (a queue) instead of here; resolves when they are all finished or the run stops. */
  dispatch?: (items: readonly WorkItem[]) => Promise<void>;
}

export interface RunInvocationRun {
  runId: string;
  label: string;
  status: RunStatus;
  done: number;
  failed: number;
  /** Instances with work that obtained no result (endpoint, sandbox, budget): redone by the same command. */
  partial: number;
  pending: number;
  predictions: string;
  modelNameOrPath: string;
}

export interface RunInvocationOutcome {
  experimentId: string;
  runs: RunInvocationRun[];
  stopReason?: StopReason;
  reports: RunReport[];
  reportFiles: ReportFiles;
}

/** Instance states of a run (`done`/`failed`) by instance id, from storage: whoever processed them. */
async function instanceStates(storage: SequenceStorage, runId: string): Promise<Map<string, InstanceState>> {
  const states = new Map<string, InstanceState>();
  for await (const state of readAllPages((query: WorkStateQuery) => storage.queryWorkStates(query), { runId })) {
    if (state.key === instanceStateKey) states.set(state.instanceId, state.state as InstanceState);
  }
  return states;
}

/** predictions.jsonl of a run: the chosen patch of every done instance, in dataset order (SWE-bench's format). */
export async function writeRunPredictions(storage: SequenceStorage, run: RuntimeRun, instanceIds: readonly string[], file: string): Promise<number> {
  const predictions = [];
  for (const instanceId of instanceIds) {
    const result = await storage.getStageResult({ runId: run.runId, instanceId, stage: stageNames.select, sample: 0 });
    if (result?.status !== 'ok') continue;
    predictions.push({ instance_id: instanceId, model_name_or_path: run.modelNameOrPath, model_patch: (result.output as Patch).diff });
  }
  await writePredictions(file, predictions);
  return predictions.length;
}

const outcomeDetail = (outcome: InstanceOutcome): string => {
  if (outcome.status === 'partial') return `partial (${outcome.failureReason}): ${outcome.error?.message.split('\n')[0]}`;
  if (outcome.status === 'failed') return `${outcome.error?.name}: ${outcome.error?.message.split('\n')[0]}${outcome.attempt > 1 ? ` (attempt ${outcome.attempt})` : ''}`;
  if (outcome.status === 'stopped') return outcome.stopReason === 'budget' ? 'budget spent' : 'interrupted';
  const lines = outcome.patch?.diff.split('\n').filter((line) => /^[+-](?![+-])/.test(line)).length ?? 0;
  return `${outcome.patch?.diff.trim() ? `${lines} changed lines` : 'empty patch'}, ${(outcome.durationMs / 1000).toFixed(1)} s${outcome.status === 'reused' ? ' (stored)' : ''}`;
};

/**
 * One invocation of `codemonkeys run`: records the experiment and its runs, works through every
 * (instance × run) here or through `dispatch` (a queue), then sets each run's status from what storage
 * says, writes each run's predictions.jsonl and the side-by-side reports.
 */
export async function runInvocation(options: RunInvocationOptions): Promise<RunInvocationOutcome> {
  const { runtime, storage, control, progress } = options;
  await recordExperiment(runtime, storage, {
    instanceIds: options.instanceIds,
    storageUrl: options.storageUrl,
    ...(options.environments ? { environments: options.environments } : {}),
  });
  const items = workItemsOf(runtime.runs, options.instanceIds);
  runtime.setObserver(progress);

  if (options.dispatch) {
    await options.dispatch(items);
  } else {
    await scheduleInstances({
      runtime,
      items,
      concurrency: options.concurrency,
      retries: options.retries,
      retryDelayMs: options.retryDelayMs,
      control,
      onOutcome(outcome, item, willRetry) {
        if (willRetry) {
          progress.log(`${item.run.label} ${item.instanceId}: attempt ${outcome.attempt} failed (${outcomeDetail(outcome)}); retrying`);
          return;
        }
        progress.itemFinished({ label: item.run.label, instanceId: item.instanceId, status: outcome.status, detail: outcomeDetail(outcome) });
      },
    });
  }
  progress.stop();
  await runtime.environment.resources.models.flush().catch(() => undefined);

  const runs: RunInvocationRun[] = [];
  for (const run of runtime.runs) {
    const states = await instanceStates(storage, run.runId);
    const done = options.instanceIds.filter((id) => states.get(id)?.status === 'done').length;
    const failed = options.instanceIds.filter((id) => states.get(id)?.status === 'failed').length;
    const partial = options.instanceIds.filter((id) => states.get(id)?.status === 'partial').length;
    const pending = options.instanceIds.length - done - failed - partial;
    // A partial instance is not a result: the run is not completed (the record's status is `failed`, its
    // summary counts the partial instances), and the same command redoes their missing work.
    const status: RunStatus = pending > 0 ? 'interrupted' : failed > 0 || partial > 0 ? 'failed' : 'completed';
    const stopped = control.stopReason;
    await finishRunRecord(storage, run.runId, status, {
      done,
      failed,
      partial,
      stopped: pending,
      total: options.instanceIds.length,
      ...(stopped && pending > 0 ? { stopReason: stopped } : {}),
    });
    const predictions = path.join(options.output, run.runId, 'predictions.jsonl');
    await writeRunPredictions(storage, run, options.instanceIds, predictions);
    runs.push({ runId: run.runId, label: run.label, status, done, failed, partial, pending, predictions, modelNameOrPath: run.modelNameOrPath });
  }
  const reports: RunReport[] = [];
  for (const run of runtime.runs) reports.push(await collectRunReport(storage, run.runId));
  const reportFiles = await writeReportFiles(reports, options.output, {
    title: `${runtime.name}: ${runtime.runs.length === 1 ? runtime.runs[0]!.runId : `${runtime.runs.length} runs`}`,
  });
  return { experimentId: runtime.experimentId, runs, ...(control.stopReason ? { stopReason: control.stopReason } : {}), reports, reportFiles };
}
