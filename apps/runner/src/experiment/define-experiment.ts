import type { InstanceSandbox, Logger, ModelClient, Patch, PluginInstanceByKind, PluginKind, SequenceStorage, Task, Workspace } from '@codemonkeys/protocol';
import { ExperimentConfigSchema } from '../config/experiment-config';
import type { z } from 'zod';

/**
 * The settings of a code experiment: those of a config file except the stages (the code chooses its
 * plugins) and the sweep (`hypers()` gives it). Flags of `codemonkeys run` override them.
 */
export const CodeExperimentConfigSchema = ExperimentConfigSchema.omit({ localizer: true, generator: true, selector: true, fusion: true, hypers: true });
export type CodeExperimentConfig = z.output<typeof CodeExperimentConfigSchema>;
export type CodeExperimentConfigInput = z.input<typeof CodeExperimentConfigSchema>;

/** What a code experiment's `setup` gets: one per run (point of its sweep), with that run's hypers. */
export interface ExperimentContext {
  readonly experimentId: string;
  readonly runId: string;
  /** This run's point of the sweep (an entry of `hypers()`). */
  readonly hypers: Readonly<Record<string, unknown>>;
  /** The experiment's storage: `storage.writer(instanceId).logMessages(messages)` logs a transcript under the current stage. */
  readonly storage: SequenceStorage;
  readonly logger: Logger;
  /** Aborted when the run is stopped at once (a second Ctrl-C). */
  readonly signal: AbortSignal;
  /** The model of a role of `config.models` (default: `default`); calls are labelled, cached and recorded. */
  model(role?: string): ModelClient;
  /**
   * A plugin by name (short name, package name or path, resolved as in a config file), created with the
   * runner's context (`settings.model`: the model role it uses). It is recorded with the run.
   */
  plugin<K extends PluginKind>(kind: K, name: string, options?: Record<string, unknown>, settings?: { model?: string }): Promise<PluginInstanceByKind[K]>;
  /**
   * Runs `fn` as a stored stage of the current instance: once per (run, instance, stage) across
   * invocations, a resumed run gets the stored output back. The stages named `localize`, `generate`
   * (a Patch[] or [Patch[], Message[]]) and `select` get the pseudo-rewards of their stage.
   */
  stage<T>(name: string, fn: () => Promise<T>): Promise<T>;
  task(instanceId: string): Promise<Task>;
  workspace(instanceId: string): Promise<Workspace>;
  sandbox(instanceId: string): InstanceSandbox | undefined;
}

/** What `setup` returns: the run's instance pipeline. */
export interface ExperimentPipeline {
  run(instanceId: string): Promise<Patch>;
}

export interface ExperimentDefinition {
  /** Starts the experiment and run ids (letters, digits, ".", "_", "-"). */
  name: string;
  /** Settings like a config file's, without stages and sweep; flags override them. */
  config?: Partial<CodeExperimentConfigInput>;
  /** The sweep: each entry becomes a run (default one run with no hypers). */
  hypers?(): Promise<Record<string, unknown>[]> | Record<string, unknown>[];
  /** Called once per run before its first instance: create plugins here and return the pipeline. */
  setup(context: ExperimentContext): Promise<ExperimentPipeline> | ExperimentPipeline;
}

const definitionMarker = Symbol.for('codemonkeys.experiment-definition');

/**
 * Declares a code experiment: the default export of a module that `codemonkeys run ./my-experiment.ts`
 * runs with the same scheduling, storage, resume and reports as a config file.
 *
 * ```ts
 * export default defineExperiment({
 *   name: 'hybrid-by-hand',
 *   config: { dataset: './swe-bench-lite.jsonl', models: { default: { baseUrl: 'http://127.0.0.1:8000/v1', model: 'qwen' } } },
 *   hypers: () => [{ samples: 4 }, { samples: 8 }],
 *   async setup(experiment) {
 *     const localizer = await experiment.plugin('localizer', 'embedding');
 *     const generator = await experiment.plugin('generator', 'llm', { samples: experiment.hypers.samples });
 *     const selector = await experiment.plugin('selector', 'vote');
 *     return {
 *       async run(instanceId) {
 *         const localization = await experiment.stage('localize', () => localizer.run(instanceId));
 *         const [patches, messages] = await experiment.stage('generate', () => generator.run(localization, instanceId));
 *         await experiment.storage.writer(instanceId).logMessages(messages);
 *         return experiment.stage('select', () => selector.run(patches, instanceId));
 *       },
 *     };
 *   },
 * });
 * ```
 */
export function defineExperiment<D extends ExperimentDefinition>(definition: D): D {
  if (typeof definition?.setup !== 'function') throw new TypeError('defineExperiment() needs setup(experiment) returning { run(instanceId) }.');
  return Object.assign({ ...definition }, { [definitionMarker]: true }) as D;
}

/** True for what `defineExperiment` returned (from any copy of the runner). */
export function isExperimentDefinition(value: unknown): value is ExperimentDefinition {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[definitionMarker] === true;
}
