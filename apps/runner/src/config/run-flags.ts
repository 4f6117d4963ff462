import fs from 'node:fs';
import path from 'node:path';
import { SchemaValidationError } from '@codemonkeys/protocol';
import { z } from 'zod';
import { ExperimentConfigSchema, type ExperimentConfig } from './experiment-config';
import { applyOverrides, parseVaryFlags, stageKeys, type StageKey } from './hyper-sweep';
import { resolveConfigPaths } from './load-experiment-config';
import { UsageError } from './usage-error';
import { byteSize } from '../evaluation/eval-options';

/** The flags of `codemonkeys run` (and of `worker`'s shared ones) as commander hands them over. */
export interface RunFlags {
  dataset?: string;
  instances: string[];
  slice?: string;
  repo?: string;
  localizer: string[];
  generator?: string;
  selector?: string;
  set: string[];
  model?: string;
  baseUrl?: string;
  apiKeyEnv?: string;
  endpointName?: string;
  maxConcurrent?: string;
  storage?: string;
  output?: string;
  name?: string;
  vary: string[];
  concurrency?: string;
  containers?: string;
  cpu?: string;
  budgetTokens?: string;
  budgetUsd?: string;
  retries?: string;
  sandbox?: string;
  specFile?: string;
  environments?: string;
  registry?: string;
  maxImageDisk?: string;
  repository: string[];
  cacheDir?: string;
  rewards: boolean;
  /** commander's `--no-reuse-localizations` (undefined: the config decides). */
  reuseLocalizations?: boolean;
  /** `localize`: a localization-only run; `all` (default). */
  stages?: string;
  goldTests?: string;
  queue?: string;
}

const number = (flag: string, value: string | undefined, integer = true): number | undefined => {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || (integer && !Number.isInteger(parsed))) throw new UsageError(`${flag} must be ${integer ? 'a whole number' : 'a number'}, got "${value}".`);
  return parsed;
};

/** `a,b` and repeated flags alike, as one list. */
export const splitList = (values: readonly string[] | undefined): string[] =>
  (values ?? [])
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter(Boolean);

/** Values of `--set key=value`: JSON where it parses, a string otherwise. */
export function parseSetFlags(flags: readonly string[]): Record<string, unknown> {
  const overrides: Record<string, unknown> = {};
  for (const flag of flags) {
    const separator = flag.indexOf('=');
    if (separator <= 0) throw new UsageError(`--set expects key=value (e.g. generator.samples=8), got "${flag}".`);
    const raw = flag.slice(separator + 1);
    try {
      overrides[flag.slice(0, separator)] = JSON.parse(raw) as unknown;
    } catch {
      overrides[flag.slice(0, separator)] = raw;
    }
  }
  return overrides;
}

/** Reads a config file's JSON (not yet validated). */
export function readConfigFile(file: string): Record<string, unknown> {
  try {
    const value = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('the top level must be an object');
    return value as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`Experiment config ${file} cannot be read as JSON: ${(error as Error).message}`, { cause: error });
  }
}

const absolute = (cwd: string, value: string): string => path.resolve(cwd, value);

/**
 * Puts the flags over a config (the raw JSON of a config file, or `{}`), flag paths made absolute
 * against `cwd`. Flags win over the file; `--vary` replaces the file's sweep.
 */
export function applyRunFlags(raw: Record<string, unknown>, flags: RunFlags, cwd: string): Record<string, unknown> {
  const config: Record<string, unknown> = structuredClone(raw);
  const object = (key: string): Record<string, unknown> => {
    const current = config[key];
    const value =
      typeof current === 'object' && current !== null && !Array.isArray(current)
        ? { ...(current as Record<string, unknown>) }
        : typeof current === 'string' && key === 'dataset'
          ? { path: current }
          : {};
    config[key] = value;
    return value;
  };
  if (flags.name) config.name = flags.name;
  if (flags.dataset) object('dataset').path = absolute(cwd, flags.dataset);
  const instances = splitList(flags.instances);
  if (instances.length > 0) object('dataset').instances = instances;
  if (flags.slice) object('dataset').slice = flags.slice;
  if (flags.repo) object('dataset').repo = flags.repo;
  const localizers = splitList(flags.localizer);
  if (localizers.length > 0) config.localizer = localizers.length === 1 ? localizers[0] : localizers;
  if (flags.generator) config.generator = flags.generator;
  if (flags.selector) config.selector = flags.selector;
  if (flags.model || flags.baseUrl || flags.apiKeyEnv || flags.endpointName || flags.maxConcurrent) {
    const models = object('models');
    const current = (models.default && typeof models.default === 'object' ? models.default : {}) as Record<string, unknown>;
    models.default = {
      ...current,
      ...(flags.baseUrl ? { baseUrl: flags.baseUrl } : {}),
      ...(flags.model ? { model: flags.model } : {}),
      ...(flags.apiKeyEnv ? { apiKeyEnv: flags.apiKeyEnv } : {}),
      ...(flags.endpointName ? { name: flags.endpointName } : {}),
      ...(flags.maxConcurrent ? { maxConcurrent: number('--max-concurrent', flags.maxConcurrent) } : {}),
    };
  }
  if (flags.storage)
    config.storage =
      flags.storage.startsWith('sqlite:') && !flags.storage.startsWith('sqlite::memory:')
        ? `sqlite:${absolute(cwd, flags.storage.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, ''))}`
        : flags.storage;
  if (flags.output) config.output = absolute(cwd, flags.output);
  const vary = flags.vary.length > 0 ? parseVaryFlags(flags.vary) : undefined;
  if (vary) config.hypers = { grid: vary };
  if (flags.concurrency || flags.containers || flags.cpu) {
    const concurrency = object('concurrency');
    if (flags.concurrency) concurrency.instances = number('--concurrency', flags.concurrency);
    if (flags.containers) concurrency.containers = number('--containers', flags.containers);
    if (flags.cpu) concurrency.cpu = number('--cpu', flags.cpu);
  }
  if (flags.budgetTokens || flags.budgetUsd) {
    const budgets = object('budgets');
    if (flags.budgetTokens) budgets.maxTokens = number('--budget-tokens', flags.budgetTokens);
    if (flags.budgetUsd) budgets.maxCostUsd = number('--budget-usd', flags.budgetUsd, false);
  }
  if (flags.retries) config.retries = number('--retries', flags.retries);
  if (flags.reuseLocalizations === false) config.reuseLocalizations = false;
  if (flags.stages) {
    if (flags.stages !== 'localize' && flags.stages !== 'all') throw new UsageError(`--stages must be localize (a localization-only run) or all, got "${flags.stages}".`);
    config.stages = flags.stages;
  }
  if (flags.sandbox === 'none') config.sandbox = 'none';
  else if (flags.sandbox && flags.sandbox !== 'docker') throw new UsageError(`--sandbox must be docker or none, got "${flags.sandbox}".`);
  if (flags.specFile || flags.environments || flags.registry || flags.maxImageDisk || flags.sandbox === 'docker') {
    if (config.sandbox === 'none' && flags.environments && flags.environments !== 'unchecked')
      throw new UsageError(`--environments ${flags.environments} validates environments in Docker; with --sandbox none use --environments unchecked or leave it out.`);
    if (config.sandbox !== 'none') {
      const sandbox = config.sandbox === undefined ? {} : { ...(config.sandbox as Record<string, unknown>) };
      if (flags.specFile) sandbox.specFile = absolute(cwd, flags.specFile);
      if (flags.environments) sandbox.environments = flags.environments;
      if (flags.registry) sandbox.registry = flags.registry;
      if (flags.maxImageDisk) {
        const size = byteSize('--max-image-disk').safeParse(flags.maxImageDisk);
        if (!size.success) throw new UsageError(size.error.issues[0]!.message);
        sandbox.maxImageDiskBytes = size.data;
      }
      config.sandbox = sandbox;
    }
  }
  if (flags.repository.length > 0) {
    const repositories = object('repositories');
    for (const mapping of flags.repository) {
      const separator = mapping.indexOf('=');
      if (separator <= 0) throw new UsageError(`--repository expects owner/name=PATH_OR_URL (e.g. django/django=../clones/django), got "${mapping}".`);
      const location = mapping.slice(separator + 1);
      repositories[mapping.slice(0, separator)] = /^[a-z]+:\/\//i.test(location) ? location : absolute(cwd, location);
    }
  }
  if (flags.cacheDir) config.cacheDirectory = absolute(cwd, flags.cacheDir);
  if (!flags.rewards) object('rewards').enabled = false;
  if (flags.goldTests) object('rewards').goldTests = flags.goldTests;
  if (flags.queue) config.queue = flags.queue;
  return config;
}

/** Applies `--set` overrides: stage keys change the config, other keys become hypers of every run. */
export function applySetFlags(config: ExperimentConfig, sets: Record<string, unknown>): ExperimentConfig {
  const stageOverrides = Object.fromEntries(Object.entries(sets).filter(([key]) => stageKeys.includes(key.split('.')[0] as StageKey)));
  const freeHypers = Object.fromEntries(Object.entries(sets).filter(([key]) => !stageKeys.includes(key.split('.')[0] as StageKey)));
  let next = Object.keys(stageOverrides).length > 0 ? applyOverrides(config, stageOverrides).config : config;
  if (Object.keys(freeHypers).length > 0) {
    next = {
      ...next,
      hypers: Array.isArray(next.hypers)
        ? next.hypers.map((point) => ({ ...point, ...freeHypers }))
        : { grid: { ...next.hypers.grid, ...Object.fromEntries(Object.entries(freeHypers).map(([key, value]) => [key, [value as string | number | boolean | null]])) } },
    };
  }
  return next;
}

/**
 * The experiment config of `codemonkeys run`: a config file (or none) with the flags over it, validated
 * (every problem listed with its path), relative paths of the file resolved against the file.
 */
export function resolveRunConfig(file: string | undefined, flags: RunFlags, cwd: string): ExperimentConfig {
  const raw = file ? readConfigFile(path.resolve(cwd, file)) : {};
  const merged = applyRunFlags(raw, flags, cwd);
  const result = ExperimentConfigSchema.safeParse(merged);
  if (!result.success) {
    throw new SchemaValidationError({
      subject: file ? `Experiment config ${file} (with the flags given)` : 'The experiment given by flags',
      error: result.error as z.ZodError,
      hint: file
        ? 'Fix the file or the flags; see the runner README for every field.'
        : 'Give a config file, or at least --dataset, --model and --base-url, --localizer, --generator and --selector.',
    });
  }
  const base = file ? path.dirname(path.resolve(cwd, file)) : cwd;
  return applySetFlags(resolveConfigPaths(result.data, base), parseSetFlags(flags.set));
}
