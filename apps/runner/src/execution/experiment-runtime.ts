import { CodemonkeysError, currentCallLabels, type ExperimentRecord, type Experiment, type Patch, type ResolvedPlugin } from '@codemonkeys/protocol';
import type { InstanceEnvironment, RunScope } from './instance-environment';
import type { RunControl } from './run-control';
import { createStageRunner, type StageObserver, type StageRunner } from './stage-runner';

/** A run as the scheduler, the records and the reports see it. */
export interface RuntimeRun extends RunScope {
  /** Position in the sweep (the order of `experiment.hypers()`). */
  index: number;
  label: string;
  /** The sweep point's overrides (what `hypers()` returns for it). */
  overrides: Record<string, unknown>;
  configHash: string;
  /** Resolved plugins (name, version, protocol version, options); code experiments add theirs as they create them. */
  plugins: ResolvedPlugin[];
  /** `model_name_or_path` of the run's predictions. */
  modelNameOrPath: string;
  /** The run's configuration as recorded (JSON). */
  config: Record<string, unknown>;
}

/** A loaded experiment, config or code, ready to run instances in this process. */
export interface ExperimentRuntime {
  readonly kind: 'config' | 'code';
  readonly experimentId: string;
  readonly name: string;
  readonly configHash: string;
  readonly runs: readonly RuntimeRun[];
  /** Core's Experiment protocol: `hypers()` gives the runs, `run(instanceId)` a patch within a run's label scope. */
  readonly experiment: Experiment;
  readonly environment: InstanceEnvironment;
  /** The experiment record to store (config, hash, plugins). */
  experimentRecord(): ExperimentRecord;
  /** Where the progress display hears about stages. */
  setObserver(observer: StageObserver): void;
  close(): Promise<void>;
}

/** Runs one instance of one run; `stages` checkpoints its stages. */
export type InstancePipeline = (instanceId: string, stages: StageRunner) => Promise<Patch>;

export interface CoreExperimentOptions {
  environment: InstanceEnvironment;
  runs: readonly RuntimeRun[];
  modelEndpoint: string;
  control: RunControl;
  observer: () => StageObserver;
  /** The pipeline of a run (created once per run). */
  pipelineOf(run: RuntimeRun): InstancePipeline;
}

/**
 * Core's Experiment over the runner's runs: `hypers()` lists each run's sweep point (in run order), and
 * `run(instanceId)` runs the pipeline of the run named by the current call labels (the scheduler opens a
 * scope per run and instance), with a stage runner that stores and reuses stage results.
 */
export function createCoreExperiment(options: CoreExperimentOptions): Experiment {
  const pipelines = new Map<string, InstancePipeline>();
  const byId = new Map(options.runs.map((run) => [run.runId, run]));
  const { environment } = options;
  return {
    specificationVersion: 'v1',
    modelEndpoint: options.modelEndpoint,
    sequenceStorage: environment.storage,
    async hypers() {
      return options.runs.map((run) => ({ ...run.overrides }));
    },
    async run(instanceId) {
      const { runId } = currentCallLabels();
      const run = runId ? byId.get(runId) : undefined;
      if (!run)
        throw new CodemonkeysError(
          `Experiment.run("${instanceId}") was called outside the scope of one of its runs (${runId ? `unknown run "${runId}"` : 'no run id in the call labels'}). Call it inside withCallLabels({ runId }).`,
        );
      let pipeline = pipelines.get(run.runId);
      if (!pipeline) {
        pipeline = options.pipelineOf(run);
        pipelines.set(run.runId, pipeline);
      }
      const stages = createStageRunner({
        runId: run.runId,
        instanceId,
        storage: environment.storage,
        flushModelCalls: () => environment.resources.models.flush(),
        budget: environment.resources.models.budget,
        control: options.control,
        observer: options.observer(),
        logger: environment.resources.logger,
      });
      return pipeline(instanceId, stages);
    },
  };
}
