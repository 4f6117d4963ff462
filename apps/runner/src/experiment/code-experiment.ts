import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CodemonkeysError,
  LocalizationResultSchema,
  PatchSchema,
  instantiatePlugin,
  parsePluginOptions,
  parseWithSchema,
  pluginContextV1Of,
  SchemaValidationError,
  type Instance,
  type Logger,
  type Patch,
  type PluginKind,
  type ResolvedPlugin,
  type SequenceStorage,
} from '@codemonkeys/protocol';
import { tsImport } from 'tsx/esm/api';
import type { z } from 'zod';
import { applyRunFlags, type RunFlags } from '../config/run-flags';
import { resolveConfigPaths } from '../config/load-experiment-config';
import { createCoreExperiment, type ExperimentRuntime, type RuntimeRun } from '../execution/experiment-runtime';
import { loadExperimentInstances, openExperimentResources } from '../execution/experiment-resources';
import { createInstanceEnvironment } from '../execution/instance-environment';
import type { OpenedExperiment } from '../execution/open-configured-experiment';
import { spentByRuns } from '../execution/open-configured-experiment';
import type { RunControl } from '../execution/run-control';
import { IncompleteWorkError, infrastructureFailuresOfPatches } from '../execution/incomplete-work';
import { silentStageObserver, type StageObserver, type StageRunner } from '../execution/stage-runner';
import { loadPlugin } from '../plugins/load-plugin';
import {
  CodeExperimentConfigSchema,
  isExperimentDefinition,
  type CodeExperimentConfig,
  type ExperimentContext,
  type ExperimentDefinition,
  type ExperimentPipeline,
} from './define-experiment';
import { experimentIdOf, runIdOf, stableHash, sweepPointLabel } from './experiment-identity';
import { stageNames } from './experiment-plan';

/** Module files `codemonkeys run` treats as code experiments. */
export function isCodeExperimentModule(file: string): boolean {
  return /\.(?:[cm]?ts|tsx|m?js|cjs)$/i.test(file);
}

/** A mistake in a code experiment module (not a definition, plugin flags given, ...). */
export class CodeExperimentError extends CodemonkeysError {
  static override readonly errorName: string = 'CodeExperimentError';
}

/** Imports a module through tsx (TypeScript and ESM alike) and returns its `defineExperiment(...)` export. */
export async function loadExperimentDefinition(file: string): Promise<ExperimentDefinition> {
  if (!fs.existsSync(file)) throw new CodeExperimentError(`No experiment module at ${file}.`);
  let module: { default?: unknown; experiment?: unknown };
  try {
    module = (await tsImport(pathToFileURL(file).href, import.meta.url)) as typeof module;
  } catch (error) {
    const code = (error as { code?: string }).code;
    // A .ts file outside an ESM package is loaded as CommonJS, which cannot import ESM-only packages such as this runner.
    const hint =
      code === 'ERR_PACKAGE_PATH_NOT_EXPORTED' || code === 'ERR_REQUIRE_ESM'
        ? ' The module was loaded as CommonJS: name it .mts, or add "type": "module" to the package.json of its project.'
        : '';
    throw new CodeExperimentError(`Importing the experiment module ${file} failed: ${(error as Error).message}.${hint}`, { cause: error });
  }
  // tsx may wrap a CommonJS-shaped namespace once more.
  const candidates = [module.default, module.experiment, (module.default as { default?: unknown } | undefined)?.default];
  const definition = candidates.find(isExperimentDefinition);
  if (!definition) {
    throw new CodeExperimentError(
      `${file} does not export an experiment: make its default export \`defineExperiment({ name, setup })\` (import { defineExperiment } from '@codemonkeys/runner').`,
    );
  }
  return definition;
}

interface StageScope {
  stages: StageRunner;
  instanceId: string;
  /** The candidates of the instance's last `generate` stage, for the selection rewards. */
  candidates?: Patch[];
}

interface CodeRun extends RuntimeRun {
  pipeline?: Promise<ExperimentPipeline>;
}

const fileSha256 = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

const stageOfKind: Record<PluginKind, string> = { localizer: stageNames.localize, generator: stageNames.generate, selector: stageNames.select };

export interface OpenCodeExperimentOptions {
  cwd: string;
  control: RunControl;
  logger: Logger;
  openStorage(url: string): Promise<SequenceStorage>;
  log?: (message: string) => void;
  /** The recorded settings of the experiment (a worker reproduces the run command's): used instead of the module's config and the flags. */
  settings?: Record<string, unknown>;
  /** The module's SHA-256 when the run was recorded: a worker refuses a module that changed since. */
  expectedSha256?: string;
}

/**
 * Loads a code experiment and makes it a runtime like a config's: settings from the module with the
 * flags over them, one run per entry of `hypers()`, each run's `setup` called before anything runs
 * (so its plugins are loaded, validated and recorded first), stages stored and rewarded by name.
 */
export async function openCodeExperiment(
  file: string,
  flags: RunFlags & { runId?: string },
  options: OpenCodeExperimentOptions,
): Promise<{ opened: OpenedExperiment; config: CodeExperimentConfig }> {
  const definition = await loadExperimentDefinition(file);
  if (flags.localizer.length > 0 || flags.generator || flags.selector || flags.vary.length > 0 || flags.set.length > 0) {
    throw new CodeExperimentError('A code experiment chooses its plugins and sweep in code: leave out --localizer, --generator, --selector, --vary and --set.');
  }
  const raw = options.settings ?? applyRunFlags({ name: definition.name, ...(definition.config ?? {}) } as Record<string, unknown>, flags, options.cwd);
  const parsed = CodeExperimentConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new SchemaValidationError({
      subject: `The settings of the experiment ${file} (with the flags given)`,
      error: parsed.error as z.ZodError,
      hint: 'Set them in defineExperiment({ config }) or with flags (--dataset, --model, --base-url, ...).',
    });
  }
  const config = resolveConfigPaths(parsed.data, path.dirname(file));
  const moduleSha256 = fileSha256(file);
  if (options.expectedSha256 && options.expectedSha256 !== moduleSha256) {
    throw new CodeExperimentError(
      `${file} changed since the run was recorded (its SHA-256 differs): run the experiment again with \`codemonkeys run\` (a new experiment id), or restore the module.`,
    );
  }
  const configHash = stableHash({
    module: moduleSha256,
    dataset: config.dataset.path,
    models: Object.fromEntries(
      Object.entries(config.models).map(([role, model]) => [
        role,
        { kind: model.kind, endpoint: model.name ?? model.baseUrl, model: model.model, embeddingModel: model.embeddingModel },
      ]),
    ),
    sandbox: config.sandbox,
    rewards: config.rewards,
  });
  const experimentId = experimentIdOf(config.name, configHash);
  const points = (await definition.hypers?.()) ?? [{}];
  if (!Array.isArray(points) || points.length === 0) throw new CodeExperimentError(`hypers() of ${file} must return a non-empty list of objects (one per run).`);
  if (flags.runId && points.length > 1) throw new CodeExperimentError(`--run-id names one run, but hypers() of ${file} gives ${points.length}; leave --run-id out.`);

  const runs: CodeRun[] = points.map((hypers, index) => {
    const overrides = JSON.parse(JSON.stringify(hypers)) as Record<string, unknown>;
    const runId = flags.runId ?? runIdOf(experimentId, overrides);
    return {
      runId,
      index,
      label: sweepPointLabel(overrides),
      overrides,
      hypers: overrides,
      rewards: config.rewards,
      configHash: stableHash({ configHash, overrides }),
      plugins: [],
      modelNameOrPath: config.modelNameOrPath ?? runId,
      config: { module: file, moduleSha256, hypers: overrides },
    };
  });

  const storage = await options.openStorage(config.storage);
  const instances = await loadExperimentInstances(config.dataset);
  const resources = await openExperimentResources({
    config,
    experimentId,
    storage,
    instances,
    logger: options.logger,
    spentBefore: await spentByRuns(
      storage,
      runs.map((run) => run.runId),
    ),
    ...(options.log ? { log: options.log } : {}),
  });
  const environment = createInstanceEnvironment({ experimentId, resources, signal: options.control.signal, logger: options.logger });
  const scope = new AsyncLocalStorage<StageScope>();
  let observer: StageObserver = silentStageObserver;

  const currentScope = (what: string): StageScope => {
    const current = scope.getStore();
    if (!current) throw new CodeExperimentError(`experiment.${what}() must be called inside run(instanceId) of the pipeline that setup() returned.`);
    return current;
  };
  const instanceOf = (instanceId: string): Instance => environment.instance(instanceId);

  const contextOf = (run: CodeRun): ExperimentContext => {
    const pluginCounts = new Map<string, number>();
    const base = environment.pluginContext(run, 'experiment', 'default');
    return {
      experimentId,
      runId: run.runId,
      hypers: run.hypers,
      storage,
      logger: options.logger,
      signal: options.control.signal,
      model: (role = 'default') => resources.models.forRole(role),
      task: (instanceId) => base.task(instanceId),
      workspace: (instanceId) => base.workspace(instanceId),
      sandbox: (instanceId) => base.sandbox(instanceId),
      async plugin(kind, name, pluginOptions = {}, settings = {}) {
        const role = settings.model ?? 'default';
        if (!(role in config.models))
          throw new CodeExperimentError(
            `The ${kind} "${name}" asks for the model "${role}", which the experiment's config does not define (defined: ${Object.keys(config.models).join(', ')}).`,
          );
        const loaded = await loadPlugin(name, kind, { cwd: options.cwd });
        const parsedOptions = JSON.parse(JSON.stringify(parsePluginOptions(loaded.definition, pluginOptions) ?? {})) as Record<string, unknown>;
        const count = pluginCounts.get(kind) ?? 0;
        pluginCounts.set(kind, count + 1);
        const record: ResolvedPlugin = {
          stage: count === 0 ? stageOfKind[kind] : `${stageOfKind[kind]}.${count}`,
          name: loaded.definition.meta.name,
          version: loaded.definition.meta.version,
          specificationVersion: loaded.definition.specificationVersion,
          options: parsedOptions,
        };
        run.plugins.push(record);
        // The experiment's code gets v1 instances; every plugin, v1 or v1.1, runs on the narrowed context of
        // its own (its cache and checkpoints, no storage handle, no rewards, no gold).
        const context = pluginContextV1Of(environment.pluginContext(run, loaded.definition.meta.name, role), { experimentId, runId: run.runId });
        return instantiatePlugin(loaded.definition, parsedOptions, context);
      },
      async stage<T>(name: string, fn: () => Promise<T>): Promise<T> {
        const current = currentScope('stage');
        const instance = instanceOf(current.instanceId);
        // A generation with candidates that obtained no result (endpoint, budget) is not stored as done:
        // the instance is partial and the same command redoes that work, as in a configured run.
        const guarded =
          name === stageNames.generate
            ? async (): Promise<T> => {
                const value = await fn();
                const candidates = Array.isArray(value) && Array.isArray(value[0]) ? (value[0] as unknown[]) : value;
                if (Array.isArray(candidates)) {
                  const failures = infrastructureFailuresOfPatches(candidates as { metadata?: Record<string, unknown> }[]);
                  if (failures.length > 0) throw new IncompleteWorkError(name, failures, candidates.length);
                }
                return value;
              }
            : fn;
        const output = await current.stages.stage(name, guarded);
        // The stages named after the pipeline's stages are rewarded; their outputs must have the stage's
        // shape (a mistake here is the experiment's, and is shown, never skipped with its rewards).
        if (name === stageNames.localize) {
          const result = parseWithSchema(LocalizationResultSchema, output, `The output of the stage "${name}" of ${file} for ${current.instanceId}`);
          await current.stages.rewards(name, () => environment.rewardLocalization(run, instance, name, result));
        } else if (name === stageNames.generate) {
          const candidates = Array.isArray(output) && Array.isArray(output[0]) ? output[0] : output;
          const patches = parseWithSchema(
            PatchSchema.array(),
            candidates,
            `The output of the stage "${name}" of ${file} for ${current.instanceId} (a Patch[] or [Patch[], Message[]])`,
          );
          current.candidates = patches;
          await current.stages.rewards(name, () => environment.rewardGeneration(run, instance, patches));
        } else if (name === stageNames.select) {
          const chosen = parseWithSchema(PatchSchema, output, `The output of the stage "${name}" of ${file} for ${current.instanceId}`);
          await current.stages.rewards(name, () => environment.rewardSelection(run, instance, current.candidates ?? [chosen], chosen));
        }
        return output;
      },
    };
  };

  const pipelineOf = (run: CodeRun): Promise<ExperimentPipeline> => {
    run.pipeline ??= (async () => {
      const pipeline = await definition.setup(contextOf(run));
      if (typeof pipeline?.run !== 'function') throw new CodeExperimentError(`setup() of ${file} must return { run(instanceId) }.`);
      return pipeline;
    })();
    return run.pipeline;
  };
  try {
    for (const run of runs) await pipelineOf(run);
  } catch (error) {
    await resources.close();
    throw error;
  }

  const experiment = createCoreExperiment({
    environment,
    runs,
    modelEndpoint: config.models.default!.baseUrl,
    control: options.control,
    observer: () => observer,
    pipelineOf: (run) => async (instanceId, stages) => {
      const pipeline = await pipelineOf(run as CodeRun);
      return scope.run({ stages, instanceId }, () => pipeline.run(instanceId));
    },
  });
  const runtime: ExperimentRuntime = {
    kind: 'code',
    experimentId,
    name: config.name,
    configHash,
    runs,
    experiment,
    environment,
    experimentRecord: () => {
      const seen = new Set<string>();
      const plugins = runs
        .flatMap((run) => run.plugins)
        .filter((plugin) => {
          const key = stableHash(plugin);
          if (seen.has(key)) return false;
          seen.add(key);
          return true;
        });
      return {
        id: experimentId,
        name: config.name,
        config: { ...(JSON.parse(JSON.stringify(config)) as Record<string, unknown>), codeExperiment: { module: file, sha256: moduleSha256 } },
        configHash,
        plugins,
        createdAt: new Date().toISOString(),
      };
    },
    setObserver(next) {
      observer = next;
    },
    close: () => resources.close(),
  };
  return { opened: { runtime, instances }, config };
}
