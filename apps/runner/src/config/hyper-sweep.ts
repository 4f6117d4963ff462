import { PluginConfigSchema, type ExperimentConfig, type PluginConfig } from './experiment-config';
import { UsageError } from './usage-error';

export const stageKeys = ['localizer', 'generator', 'selector'] as const;
export type StageKey = (typeof stageKeys)[number];

/** One point of the sweep: the overrides that define it and the config they produce. */
export interface SweepPoint {
  overrides: Record<string, unknown>;
  config: ExperimentConfig;
  /** Overrides that are not stage plugins/options: handed to plugins as `context.hypers`. */
  hypers: Record<string, unknown>;
}

/** Every combination of a grid, in a stable order (the last key varies fastest). */
export function expandGrid(grid: Record<string, readonly unknown[]>): Record<string, unknown>[] {
  let points: Record<string, unknown>[] = [{}];
  for (const [key, values] of Object.entries(grid)) points = points.flatMap((point) => values.map((value) => ({ ...point, [key]: value })));
  return points;
}

function withPlugin(current: ExperimentConfig[StageKey], change: (plugin: PluginConfig) => PluginConfig): ExperimentConfig[StageKey] {
  return Array.isArray(current) ? current.map(change) : change(current as PluginConfig);
}

/** Applies one set of overrides to a config (see HypersConfigSchema for the key rules). */
export function applyOverrides(config: ExperimentConfig, overrides: Record<string, unknown>): SweepPoint {
  let next: ExperimentConfig = { ...config };
  const hypers: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(overrides)) {
    const [stage, ...rest] = key.split('.');
    if (!stageKeys.includes(stage as StageKey)) {
      hypers[key] = value;
      continue;
    }
    const stageKey = stage as StageKey;
    if (rest.length === 0) {
      const parsed = PluginConfigSchema.safeParse(value);
      if (!parsed.success) throw new UsageError(`Override "${key}" must name a plugin (or { plugin, options }), got ${JSON.stringify(value)}.`);
      next = { ...next, [stageKey]: Array.isArray(value) ? value.map((entry) => PluginConfigSchema.parse(entry)) : parsed.data };
      continue;
    }
    const optionPath = rest;
    next = {
      ...next,
      [stageKey]: withPlugin(next[stageKey], (plugin) => ({ ...plugin, options: setPath(plugin.options, optionPath, value) })),
    };
  }
  return { overrides, config: next, hypers };
}

function setPath(target: Record<string, unknown>, keys: readonly string[], value: unknown): Record<string, unknown> {
  const [head, ...rest] = keys;
  if (head === undefined) return target;
  if (rest.length === 0) return { ...target, [head]: value };
  const child = target[head];
  return { ...target, [head]: setPath(child && typeof child === 'object' ? (child as Record<string, unknown>) : {}, rest, value) };
}

/** The runs of an experiment: one per point of its `hypers` sweep. */
export function sweepPoints(config: ExperimentConfig): SweepPoint[] {
  const overrideSets = Array.isArray(config.hypers) ? config.hypers : expandGrid(config.hypers.grid);
  return overrideSets.map((overrides) => applyOverrides(config, overrides));
}

/** Parses `--vary key=v1,v2` flags into a grid; values are JSON where they parse, strings otherwise. */
export function parseVaryFlags(flags: readonly string[]): Record<string, unknown[]> {
  const grid: Record<string, unknown[]> = {};
  for (const flag of flags) {
    const separator = flag.indexOf('=');
    if (separator <= 0) throw new UsageError(`--vary expects key=value1,value2 (e.g. generator.samples=5,10), got "${flag}".`);
    const key = flag.slice(0, separator);
    grid[key] = flag
      .slice(separator + 1)
      .split(',')
      .map((raw) => {
        try {
          return JSON.parse(raw) as unknown;
        } catch {
          return raw;
        }
      });
  }
  return grid;
}
