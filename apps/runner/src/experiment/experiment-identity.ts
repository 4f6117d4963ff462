import { createHash } from 'node:crypto';
import { stringify } from 'safe-stable-stringify';
import type { ExperimentConfig, ModelEndpointConfig, PluginConfig } from '../config/experiment-config';

/** SHA-256 (hex) of a value's JSON with sorted keys: the same value hashes the same in every process. */
export function stableHash(value: unknown): string {
  return createHash('sha256')
    .update(stringify(value) ?? 'undefined')
    .digest('hex');
}

/** What identifies a model endpoint in hashes: a named endpoint is the same wherever it listens. */
export const endpointIdentity = (model: ModelEndpointConfig) => ({
  kind: model.kind,
  // A named endpoint is the same endpoint wherever it listens (the loopback server of the demo moves ports).
  endpoint: model.name ?? model.baseUrl,
  model: model.model,
  embeddingModel: model.embeddingModel,
});

const pluginIdentity = (plugin: PluginConfig) => ({ plugin: plugin.plugin, options: plugin.options, model: plugin.model });

/**
 * The part of a config that decides what a run produces for an instance: the dataset file, the models,
 * the plugins with their options, fusion, sandbox and rewards settings. Left out: which instances, where
 * things are stored, concurrency, budgets, retries, the queue and the sweep (each run hashes its own point),
 * so that adding instances, raising concurrency or moving the output resumes the same runs.
 */
export function resultDefiningConfig(config: ExperimentConfig): Record<string, unknown> {
  return {
    dataset: config.dataset.path,
    models: Object.fromEntries(Object.entries(config.models).map(([role, model]) => [role, endpointIdentity(model)])),
    localizer: Array.isArray(config.localizer) ? config.localizer.map(pluginIdentity) : pluginIdentity(config.localizer),
    fusion: Array.isArray(config.localizer) && config.localizer.length > 1 ? config.fusion : undefined,
    generator: config.stages === 'localize' || !config.generator ? undefined : pluginIdentity(config.generator),
    selector: config.stages === 'localize' || !config.selector ? undefined : pluginIdentity(config.selector),
    // Absent for full runs, so their hashes (and run ids) are what they were before `stages` existed.
    stages: config.stages === 'localize' ? 'localize' : undefined,
    sandbox:
      config.sandbox === 'none'
        ? 'none'
        : {
            limits: config.sandbox.limits,
            commandTimeoutMs: config.sandbox.commandTimeoutMs,
            specFile: config.sandbox.specFile,
            specKind: config.sandbox.specKind,
            isolation: config.sandbox.isolation,
          },
    rewards: config.rewards,
  };
}

const slug = (text: string): string =>
  text
    .replace(/[^\w.-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48) || 'experiment';

/** `<name>-<first 10 hex digits of the config hash>`: the same config gives the same experiment, run after run. */
export function experimentIdOf(name: string, configHash: string): string {
  return `${slug(name)}-${configHash.slice(0, 10)}`;
}

/** A run of an experiment: the experiment id and a hash of the sweep point that defines it. */
export function runIdOf(experimentId: string, overrides: Record<string, unknown>): string {
  return `${experimentId}-${stableHash(overrides).slice(0, 8)}`;
}

/** A short human label of a sweep point: `generator.samples=5 localizer=embedding`, or `base`. */
export function sweepPointLabel(overrides: Record<string, unknown>): string {
  const entries = Object.entries(overrides);
  if (entries.length === 0) return 'base';
  return entries.map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`).join(' ');
}
