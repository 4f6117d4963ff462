import { formatZodError, withCallLabels, type Logger, type SequenceStorage, type StageResultRecord } from '@codemonkeys/protocol';
import type { z } from 'zod';
import type { ModelBudget } from '@codemonkeys/llm';
import { IncompleteWorkError } from './incomplete-work';
import { StopRequestedError, isRelinquished, isStopped, type RunControl } from './run-control';

/** What the progress display hears about stages. */
export interface StageObserver {
  stageStarted(stage: string): void;
  /** `reused`: a stored result of an earlier invocation was used. */
  stageFinished(stage: string, status: 'ok' | 'failed' | 'reused' | 'stopped'): void;
}

export const silentStageObserver: StageObserver = { stageStarted() {}, stageFinished() {} };

export interface StageRunnerOptions {
  runId: string;
  instanceId: string;
  storage: SequenceStorage;
  /** Writes the model call records made so far (so that they are stored before the stage is). */
  flushModelCalls: () => Promise<void>;
  budget: ModelBudget;
  control: RunControl;
  observer: StageObserver;
  /** Where a stored output that fails its schema is reported (it is then redone). */
  logger?: Logger;
}

export interface StageOptions<T> {
  /** Metadata of the stage result (e.g. counts); the output itself is stored whole. */
  metadata?: (value: T) => Record<string, unknown>;
  /**
   * The schema of the output. A fresh output is stored as the schema parses it; a stored one is validated
   * the same way when it is read, and one that fails (a damaged or foreign store) is redone, not trusted.
   */
  schema?: z.ZodType<T>;
}

/** Runs the stages of one instance of one run, each at most once across invocations. */
export interface StageRunner {
  /**
   * Runs `fn` as stage `name` (in a call-label scope with that stage) unless a stored result says it
   * already ran: then the stored output is returned. The result is stored when `fn` resolves, after the
   * model call records it made; a failure is stored as a failed stage result and rethrown. The value
   * returned is the stored JSON either way, so a fresh and a resumed run continue from identical values.
   */
  stage<T>(name: string, fn: () => Promise<T>, options?: StageOptions<T>): Promise<T>;
  /** Runs the rewards of a stage once (a work state marks them done). */
  rewards(stage: string, fn: () => Promise<void>): Promise<void>;
  /** Throws StopRequestedError when the run is stopping (between stages). */
  checkpoint(): void;
}

const budgetSpent = (budget: ModelBudget): boolean => {
  try {
    budget.assertAvailable();
    return false;
  } catch {
    return true;
  }
};

const errorInfo = (error: unknown) => ({ name: (error as Error)?.name ?? 'Error', message: String((error as Error)?.message ?? error).slice(0, 4000) });

const rewardsKey = (stage: string) => `rewards:${stage}`;

export function createStageRunner(options: StageRunnerOptions): StageRunner {
  const { storage, control, observer } = options;
  const key = (stage: string) => ({ runId: options.runId, instanceId: options.instanceId, stage, sample: 0 });

  const checkpoint = (): void => {
    if (budgetSpent(options.budget)) control.requestStop('budget');
    if (control.stopReason) throw new StopRequestedError(control.stopReason);
    if (isRelinquished()) throw new StopRequestedError('interrupt');
  };

  return {
    checkpoint,
    async stage<T>(name: string, fn: () => Promise<T>, stageOptions: StageOptions<T> = {}): Promise<T> {
      const stored = await storage.getStageResult(key(name));
      if (stored?.status === 'ok') {
        const reused = stageOptions.schema ? stageOptions.schema.safeParse(stored.output) : { success: true as const, data: stored.output as T };
        if (reused.success) {
          observer.stageStarted(name);
          observer.stageFinished(name, 'reused');
          return reused.data;
        }
        options.logger?.warn(`The stored ${name} output of ${options.instanceId} (run ${options.runId}) does not match its schema; the stage is redone.`, {
          issues: formatZodError(reused.error),
        });
      }
      checkpoint();
      observer.stageStarted(name);
      const startedAt = new Date();
      let value: T;
      try {
        value = await withCallLabels({ stage: name }, fn);
      } catch (error) {
        if (isStopped(error, control)) {
          observer.stageFinished(name, 'stopped');
          throw error;
        }
        // Work that obtained no result while the budget ran out is the budget's stop (exit 3, continued by
        // the same command with a larger budget), not a partial instance.
        if (IncompleteWorkError.isInstance(error) && budgetSpent(options.budget)) {
          control.requestStop('budget');
          observer.stageFinished(name, 'stopped');
          throw new StopRequestedError('budget');
        }
        const finishedAt = new Date();
        await options.flushModelCalls().catch(() => undefined);
        const failed: StageResultRecord = {
          ...key(name),
          status: 'failed',
          output: null,
          error: errorInfo(error),
          startedAt: startedAt.toISOString(),
          finishedAt: finishedAt.toISOString(),
          durationMs: finishedAt.getTime() - startedAt.getTime(),
          metadata: {},
        };
        await storage.putStageResults([failed]);
        observer.stageFinished(name, 'failed');
        throw error;
      }
      // A budget spent while the stage ran may have turned some of its model calls into failed samples:
      // such a result is not kept, so that the same command with a larger budget redoes the stage (from
      // the response cache for every call that was answered).
      if (budgetSpent(options.budget)) {
        control.requestStop('budget');
        observer.stageFinished(name, 'stopped');
        throw new StopRequestedError('budget');
      }
      const finishedAt = new Date();
      const json = JSON.parse(JSON.stringify(value ?? null)) as unknown;
      const output = stageOptions.schema ? stageOptions.schema.parse(json) : (json as T);
      await options.flushModelCalls();
      await storage.putStageResults([
        {
          ...key(name),
          status: 'ok',
          output,
          startedAt: startedAt.toISOString(),
          finishedAt: finishedAt.toISOString(),
          durationMs: finishedAt.getTime() - startedAt.getTime(),
          metadata: stageOptions.metadata ? stageOptions.metadata(output) : {},
        },
      ]);
      observer.stageFinished(name, 'ok');
      return output;
    },
    async rewards(stage, fn) {
      const done = await storage.getWorkState(options.runId, options.instanceId, rewardsKey(stage));
      if (done) return;
      const name = `rewards:${stage}`;
      observer.stageStarted(name);
      const startedAt = new Date();
      try {
        await withCallLabels({ stage }, fn);
      } catch (error) {
        observer.stageFinished(name, isStopped(error, control) ? 'stopped' : 'failed');
        throw error;
      }
      const finishedAt = new Date();
      // The time of the reward computations (gold verdicts, generated-test runs, ...), shown by the reports.
      await storage.putWorkState({
        runId: options.runId,
        instanceId: options.instanceId,
        key: rewardsKey(stage),
        state: { done: true, startedAt: startedAt.toISOString(), durationMs: finishedAt.getTime() - startedAt.getTime() },
        updatedAt: finishedAt.toISOString(),
      });
      observer.stageFinished(name, 'ok');
    },
  };
}
