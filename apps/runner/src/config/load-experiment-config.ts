import fs from 'node:fs';
import path from 'node:path';
import { parseWithSchema } from '@codemonkeys/protocol';
import { ExperimentConfigSchema, type ExperimentConfig } from './experiment-config';
import { UsageError } from './usage-error';

/**
 * Reads and validates an experiment config (JSON). Errors name the file and every invalid path.
 * Relative paths in the config (dataset, output, local repositories, sqlite storage, cache directory, spec
 * file) are relative to the file.
 */
export function loadExperimentConfig(file: string): ExperimentConfig {
  const absolute = path.resolve(file);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(absolute, 'utf8'));
  } catch (error) {
    throw new UsageError(`Experiment config ${file} cannot be read as JSON: ${(error as Error).message}`, { cause: error });
  }
  const config = parseWithSchema(ExperimentConfigSchema, raw, `Experiment config ${file}`, 'See the runner README for every field.');
  return resolveConfigPaths(config, path.dirname(absolute));
}

/** Makes the config's relative paths absolute against `base`. */
export function resolveConfigPaths<C extends Pick<ExperimentConfig, 'dataset' | 'output' | 'repositories' | 'storage' | 'cacheDirectory' | 'sandbox'>>(config: C, base: string): C {
  const resolveLocal = (value: string) => (/^[a-z]+:\/\//i.test(value) ? value : path.resolve(base, value));
  return {
    ...config,
    dataset: { ...config.dataset, path: path.resolve(base, config.dataset.path) },
    output: path.resolve(base, config.output),
    repositories: Object.fromEntries(Object.entries(config.repositories).map(([repo, location]) => [repo, resolveLocal(location)])),
    storage: config.storage.startsWith('sqlite:') && config.storage !== 'sqlite::memory:' ? `sqlite:${path.resolve(base, config.storage.slice('sqlite:'.length))}` : config.storage,
    ...(config.cacheDirectory ? { cacheDirectory: path.resolve(base, config.cacheDirectory) } : {}),
    sandbox: config.sandbox !== 'none' && config.sandbox.specFile ? { ...config.sandbox, specFile: path.resolve(base, config.sandbox.specFile) } : config.sandbox,
  };
}
