import { localizationOnlyMetadataKey } from './configured-pipeline';
import { PatchSchema, withCallLabels, type ErrorInfo, type FailureReason, type Patch } from '@codemonkeys/protocol';
import { stageNames } from '../experiment/experiment-plan';
import type { ExperimentRuntime, RuntimeRun } from './experiment-runtime';
import { IncompleteWorkError } from './incomplete-work';
import { isBudgetExceeded, isStopped, StopRequestedError, type RunControl, type StopReason } from './run-control';

/** The work state key of an instance's outcome within a run. */
export const instanceStateKey = 'instance';

export interface InstanceOutcome {
  runId: string;
  instanceId: string;
  /**
   * `done`: finished now; `reused`: finished by an earlier invocation; `failed`: the instance's own failure
   * (a result); `partial`: some work obtained no result for an infrastructure reason (`failureReason`:
   * endpoint, sandbox, budget), redone by the next invocation; `stopped`: left to resume (interrupt or budget).
   */
  status: 'done' | 'reused' | 'failed' | 'partial' | 'stopped';
  stopReason?: StopReason;
  failureReason?: FailureReason;
  patch?: Patch;
  error?: ErrorInfo;
  attempt: number;
  durationMs: number;
}

/** What an instance's work state says once it is done or has failed. */
export interface InstanceState {
  status: 'done' | 'failed' | 'partial';
  attempts: number;
  error?: ErrorInfo;
  /** Of a partial instance: why its work obtained no result. */
  failureReason?: FailureReason;
}

const errorInfo = (error: unknown): ErrorInfo => ({ name: (error as Error)?.name ?? 'Error', message: String((error as Error)?.message ?? error).slice(0, 4000) });

/** The stored chosen patch of an instance of a run, if its selection is done. */
export async function storedSelection(runtime: ExperimentRuntime, runId: string, instanceId: string): Promise<Patch | undefined> {
  const result = await runtime.environment.storage.getStageResult({ runId, instanceId, stage: stageNames.select, sample: 0 });
  return result?.status === 'ok' ? (result.output as Patch) : undefined;
}

/**
 * Runs one instance of one run to its chosen patch through core's Experiment protocol (in a call-label
 * scope of experiment, run and instance), or finds it done by an earlier invocation. Never throws for the
 * instance's own failures: they are recorded (a failed stage result, the instance's work state) and
 * returned, so that one failing instance never aborts the run.
 */
export async function processInstance(runtime: ExperimentRuntime, run: RuntimeRun, instanceId: string, control: RunControl, attempt = 1): Promise<InstanceOutcome> {
  const started = performance.now();
  const storage = runtime.environment.storage;
  const base = { runId: run.runId, instanceId, attempt };
  const state = await storage.getWorkState(run.runId, instanceId, instanceStateKey);
  const localizeOnly = (run.config as { stages?: unknown } | undefined)?.stages === 'localize';
  if ((state?.state as InstanceState | undefined)?.status === 'done') {
    const patch = localizeOnly ? { instanceId, diff: '', metadata: { [localizationOnlyMetadataKey]: true } } : await storedSelection(runtime, run.runId, instanceId);
    if (patch) return { ...base, status: 'reused', patch, durationMs: performance.now() - started };
  }
  if (control.stopReason) return { ...base, status: 'stopped', stopReason: control.stopReason, durationMs: 0 };

  const sandboxes = runtime.environment.resources.sandboxes;
  sandboxes?.acquire(instanceId);
  try {
    const patch = await withCallLabels({ experimentId: runtime.experimentId, runId: run.runId, instanceId }, async () => {
      const chosen = PatchSchema.parse(await runtime.experiment.run(instanceId));
      // A code experiment may compose its stages without a `select` stage: its answer is the selection
      // (a localization-only run has none: nothing to store).
      if (chosen.metadata[localizationOnlyMetadataKey] !== true && !(await storedSelection(runtime, run.runId, instanceId))) {
        const now = new Date().toISOString();
        await storage.putStageResults([
          {
            runId: run.runId,
            instanceId,
            stage: stageNames.select,
            sample: 0,
            status: 'ok',
            output: JSON.parse(JSON.stringify(chosen)),
            startedAt: now,
            finishedAt: now,
            durationMs: 0,
            metadata: { source: 'experiment.run' },
          },
        ]);
      }
      return chosen;
    });
    const done: InstanceState = { status: 'done', attempts: attempt };
    await storage.putWorkState({ runId: run.runId, instanceId, key: instanceStateKey, state: done, updatedAt: new Date().toISOString() });
    return { ...base, status: 'done', patch, durationMs: performance.now() - started };
  } catch (error) {
    if (isStopped(error, control) || isBudgetExceeded(error)) {
      const reason = StopRequestedError.isInstance(error) ? error.reason : isBudgetExceeded(error) ? 'budget' : 'interrupt';
      if (reason === 'budget') control.requestStop('budget');
      return { ...base, status: 'stopped', stopReason: reason, durationMs: performance.now() - started };
    }
    if (IncompleteWorkError.isInstance(error)) {
      const partial: InstanceState = { status: 'partial', attempts: attempt, error: errorInfo(error), failureReason: error.reason };
      await storage.putWorkState({ runId: run.runId, instanceId, key: instanceStateKey, state: partial, updatedAt: new Date().toISOString() }).catch(() => undefined);
      return { ...base, status: 'partial', failureReason: error.reason, error: errorInfo(error), durationMs: performance.now() - started };
    }
    const failed: InstanceState = { status: 'failed', attempts: attempt, error: errorInfo(error) };
    await storage.putWorkState({ runId: run.runId, instanceId, key: instanceStateKey, state: failed, updatedAt: new Date().toISOString() }).catch(() => undefined);
    return { ...base, status: 'failed', error: errorInfo(error), durationMs: performance.now() - started };
  } finally {
    await sandboxes?.release(instanceId).catch(() => undefined);
  }
}
