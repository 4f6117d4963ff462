import { CodemonkeysError, parsePluginOptions, type ExperimentRecord, type PluginDefinition, type PluginKind, type ResolvedPlugin } from '@codemonkeys/protocol';
import type { ExperimentConfig, PluginConfig } from '../config/experiment-config';
import { sweepPoints } from '../config/hyper-sweep';
import { loadPlugin, type LoadedPlugin } from '../plugins/load-plugin';
import { packageMeta } from '../package-meta';
import { experimentIdOf, resultDefiningConfig, runIdOf, stableHash, sweepPointLabel } from './experiment-identity';

/** The stage names under which results, rewards and model calls are stored. */
export const stageNames = { localize: 'localize', generate: 'generate', select: 'select' } as const;

/** A plugin of a run, loaded and with its options validated. */
export interface StagePlugin<K extends PluginKind = PluginKind> {
  /** `localize` (or `localize.0`, `localize.1`, ... for a fused list), `generate`, `select`. */
  stage: string;
  config: PluginConfig;
  definition: PluginDefinition<K>;
  source: LoadedPlugin['source'];
  /** The options after the plugin's schema (defaults filled in): exactly what the plugin was created with. */
  options: Record<string, unknown>;
  record: ResolvedPlugin;
}

export interface PlannedRun {
  runId: string;
  /** Position in the sweep. */
  index: number;
  label: string;
  overrides: Record<string, unknown>;
  /** Free hyper-parameters of the point (`context.hypers`). */
  hypers: Record<string, unknown>;
  config: ExperimentConfig;
  /** The run's reward settings (`config.rewards`). */
  rewards: ExperimentConfig['rewards'];
  /** Hash of what defines this run's results (see `resultDefiningConfig`) plus its free hypers. */
  configHash: string;
  localizers: StagePlugin<'localizer'>[];
  /** Absent in a localization-only run (`stages: localize`). */
  generator?: StagePlugin<'generator'>;
  selector?: StagePlugin<'selector'>;
}

/** The plugins a run uses, stage by stage. */
export const pluginsOfRun = (run: Pick<PlannedRun, 'localizers' | 'generator' | 'selector'>): StagePlugin[] => [
  ...run.localizers,
  ...(run.generator ? [run.generator] : []),
  ...(run.selector ? [run.selector] : []),
];

export interface ExperimentPlan {
  experimentId: string;
  configHash: string;
  config: ExperimentConfig;
  runs: PlannedRun[];
  /** Every plugin of every run (deduplicated), for the experiment record. */
  plugins: ResolvedPlugin[];
}

/** JSON-safe copy (zod output may hold undefined, which storage would drop anyway). */
const jsonCopy = <T>(value: T): T => JSON.parse(JSON.stringify(value ?? {})) as T;

async function resolveStagePlugin<K extends PluginKind>(
  kind: K,
  stage: string,
  config: PluginConfig,
  models: Record<string, unknown>,
  cwd: string,
  cache: Map<string, Promise<LoadedPlugin>>,
): Promise<StagePlugin<K>> {
  if (!(config.model in models)) {
    throw new CodemonkeysError(
      `The ${kind} "${config.plugin}" uses the model "${config.model}", which the config does not define. ` + `Add it under "models" (defined: ${Object.keys(models).join(', ')}).`,
    );
  }
  const key = `${kind}:${config.plugin}`;
  let loading = cache.get(key);
  if (!loading) {
    loading = loadPlugin(config.plugin, kind, { cwd });
    cache.set(key, loading);
  }
  const loaded = (await loading) as LoadedPlugin<K>;
  const options = jsonCopy(parsePluginOptions(loaded.definition, config.options)) as Record<string, unknown>;
  return {
    stage,
    config,
    definition: loaded.definition,
    source: loaded.source,
    options,
    record: {
      stage,
      name: loaded.definition.meta.name,
      version: loaded.definition.meta.version,
      specificationVersion: loaded.definition.specificationVersion,
      options,
    },
  };
}

/**
 * Resolves an experiment: its id and hash, and one run per point of its sweep with every plugin loaded
 * and its options validated, so that a typo fails before any model call. `runId` names the run of a
 * single-point experiment (`--run-id`).
 */
export async function planExperiment(config: ExperimentConfig, options: { cwd: string; runId?: string }): Promise<ExperimentPlan> {
  const configHash = stableHash({ runner: packageMeta.name, config: resultDefiningConfig(config) });
  const experimentId = experimentIdOf(config.name, configHash);
  const points = sweepPoints(config);
  if (options.runId && points.length > 1) throw new CodemonkeysError(`--run-id names one run, but the experiment sweeps ${points.length} points; leave --run-id out.`);
  const cache = new Map<string, Promise<LoadedPlugin>>();
  const runs: PlannedRun[] = [];
  for (const [index, point] of points.entries()) {
    const localizerConfigs = Array.isArray(point.config.localizer) ? point.config.localizer : [point.config.localizer];
    const localizers = await Promise.all(
      localizerConfigs.map((entry, position) =>
        resolveStagePlugin('localizer', localizerConfigs.length > 1 ? `${stageNames.localize}.${position}` : stageNames.localize, entry, point.config.models, options.cwd, cache),
      ),
    );
    const localizeOnly = point.config.stages === 'localize';
    if (!localizeOnly && (!point.config.generator || !point.config.selector))
      throw new CodemonkeysError(
        `${[!point.config.generator ? 'generator' : '', !point.config.selector ? 'selector' : ''].filter(Boolean).join(' and ')}: required to generate and select; ` +
          'give them (--generator, --selector), or run localization only with --stages localize.',
      );
    const generator = localizeOnly ? undefined : await resolveStagePlugin('generator', stageNames.generate, point.config.generator!, point.config.models, options.cwd, cache);
    const selector = localizeOnly ? undefined : await resolveStagePlugin('selector', stageNames.select, point.config.selector!, point.config.models, options.cwd, cache);
    if (point.config.fusion.weights && point.config.fusion.weights.length !== localizers.length) {
      throw new CodemonkeysError(`fusion.weights has ${point.config.fusion.weights.length} weights for ${localizers.length} localizers; give one weight per localizer.`);
    }
    runs.push({
      runId: options.runId ?? runIdOf(experimentId, point.overrides),
      index,
      label: sweepPointLabel(point.overrides),
      overrides: jsonCopy(point.overrides),
      hypers: jsonCopy(point.hypers),
      config: point.config,
      rewards: point.config.rewards,
      configHash: stableHash({ config: resultDefiningConfig(point.config), hypers: point.hypers }),
      localizers,
      ...(generator ? { generator } : {}),
      ...(selector ? { selector } : {}),
    });
  }
  const seen = new Set<string>();
  const plugins: ResolvedPlugin[] = [];
  for (const run of runs) {
    for (const plugin of pluginsOfRun(run)) {
      const key = stableHash(plugin.record);
      if (seen.has(key)) continue;
      seen.add(key);
      plugins.push(plugin.record);
    }
  }
  return { experimentId, configHash, config, runs, plugins };
}

/** The experiment record: the whole config (as given, paths resolved), its hash and every resolved plugin. */
export function experimentRecordOf(plan: ExperimentPlan, extra: Record<string, unknown> = {}): ExperimentRecord {
  return {
    id: plan.experimentId,
    name: plan.config.name,
    config: jsonCopy({ ...plan.config, ...extra }) as Record<string, unknown>,
    configHash: plan.configHash,
    plugins: plan.plugins,
    createdAt: new Date().toISOString(),
  };
}
