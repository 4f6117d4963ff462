import type { z } from 'zod';
import type { CandidateInput, Candidate } from '../../generator/v1_1/patch-generator';
import type { Task } from '../../instance/v1/task';
import type { LocalizationResult } from '../../localization/v1/localization-result';
import type { Logger } from '../../logger/logger';
import type { ModelClient } from '../../model/v1/model-client';
import type { Patch } from '../../patch/v1/patch';
import type { PluginInstanceByKindV1_1, PluginKind } from '../../plugin/define-plugin';
import type { InstanceSandbox } from '../../sandbox/v1/sandbox';
import type { Selection, SelectionInput } from '../../selector/v1_1/selector';
import type { Workspace } from '../../workspace/v1/workspace';

/**
 * How an experiment's instance pipeline stores and reuses its stages. Each stage runs at most once per
 * (run, instance) across invocations: a resumed run gets the stored output back, validated with the same
 * schema as a fresh one. `localize`, `generate` and `select` validate their outputs with the protocol's
 * schemas and are scored by the host's pseudo-rewards; `custom` stores anything JSON.
 */
export interface ExperimentStages {
  /** A localization (stage name `localize` unless given: e.g. `localize.embedding` before a fusion). */
  localize(run: () => Promise<LocalizationResult>, options?: { name?: string }): Promise<LocalizationResult>;
  /** Candidates, each with its conversation (stored per sample). */
  generate(run: () => Promise<CandidateInput[]>, options?: { name?: string }): Promise<Candidate[]>;
  /**
   * The selection among `candidates` (their patches are given to `run`): the host checks the index and
   * records the chosen candidate and the reason.
   */
  select(candidates: readonly (Candidate | Patch)[], run: (patches: Patch[]) => Promise<SelectionInput>, options?: { name?: string }): Promise<Selection>;
  /** Any other stage; `schema` validates fresh and stored outputs alike. */
  custom<T>(name: string, run: () => Promise<T>, schema?: z.ZodType<T>): Promise<T>;
}

/** What `setup` gets: one per run (point of the sweep). */
export interface ExperimentContext {
  /** This run's point of the sweep (an entry of `hypers()`). */
  readonly hypers: Readonly<Record<string, unknown>>;
  readonly logger: Logger;
  /** Aborted when the run is stopped at once (a second Ctrl-C). */
  readonly signal: AbortSignal;
  /**
   * A plugin by name (short name, package name or path), created with the host's context and recorded with
   * the run (`settings.model`: the model role it uses). Always a v1.1 instance: v1 plugins are adapted.
   */
  plugin<K extends PluginKind>(kind: K, name: string, options?: Record<string, unknown>, settings?: { model?: string }): Promise<PluginInstanceByKindV1_1[K]>;
  /** The model of a role (default: `default`); calls are labelled, cached, budgeted and recorded. */
  model(role?: string): ModelClient;
  task(instanceId: string): Promise<Task>;
  workspace(instanceId: string): Promise<Workspace>;
  sandbox(instanceId: string): InstanceSandbox | undefined;
}

/** What `setup` returns: the run's instance pipeline. */
export interface ExperimentPipeline {
  run(instanceId: string, stages: ExperimentStages): Promise<Selection>;
}

/**
 * The one experiment contract (protocol v1.1). A config file compiles to the same definition a code
 * experiment writes. The model endpoints and the storage are the experiment's environment, given by the
 * host; `config` holds the host's settings (dataset, models, sandbox, budgets), validated by the host.
 */
export interface ExperimentDefinition {
  readonly specificationVersion: 'v1.1';
  /** Starts the experiment and run ids (letters, digits, ".", "_", "-"). */
  readonly name: string;
  /** The host's settings (a config file's, without stages and sweep); flags of the host override them. */
  readonly config?: Readonly<Record<string, unknown>>;
  /** The sweep: each entry becomes a run (default one run with no hypers). */
  hypers?(): Promise<Record<string, unknown>[]> | Record<string, unknown>[];
  /** Called once per run before its first instance: create plugins here and return the pipeline. */
  setup(context: ExperimentContext): Promise<ExperimentPipeline> | ExperimentPipeline;
}

export type ExperimentDefinitionInput = Omit<ExperimentDefinition, 'specificationVersion'>;

const definitionMarker = Symbol.for('codemonkeys.experiment-definition');

/**
 * Declares an experiment: the default export of a module that `codemonkeys run ./my-experiment.ts` runs
 * with the same scheduling, storage, resume and reports as a config file.
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
 *       async run(instanceId, stages) {
 *         const localization = await stages.localize(() => localizer.run(instanceId));
 *         const candidates = await stages.generate(() => generator.run(localization, instanceId));
 *         return stages.select(candidates, (patches) => selector.run(patches, instanceId));
 *       },
 *     };
 *   },
 * });
 * ```
 */
export function defineExperiment(definition: ExperimentDefinitionInput): ExperimentDefinition {
  if (typeof definition?.setup !== 'function') throw new TypeError('defineExperiment() needs setup(experiment) returning { run(instanceId, stages) }.');
  if (typeof definition.name !== 'string' || definition.name.length === 0) throw new TypeError('defineExperiment() needs a name.');
  return Object.assign({ ...definition, specificationVersion: 'v1.1' as const }, { [definitionMarker]: true });
}

/** True for what `defineExperiment` returned (from any copy of protocol). */
export function isExperimentDefinition(value: unknown): value is ExperimentDefinition {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[definitionMarker] === true;
}
