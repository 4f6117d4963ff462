import { createHash } from 'node:crypto';
import { LocalizationResultSchema, type Instance, type LocalizationResult, type Logger, type SequenceStorage } from '@codemonkeys/protocol';
import { z } from 'zod';
import { endpointIdentity, stableHash } from '../experiment/experiment-identity';
import type { PlannedRun, StagePlugin } from '../experiment/experiment-plan';

/** Bump when what a stored localization means changes: older entries are not reused. */
const localizationReuseVersion = 1;

/** Where the localization came from when it was reused: the run that computed it, and when. */
export interface ReusedFrom {
  runId: string;
  createdAt: string;
}

const StoredLocalizationSchema = z.object({
  version: z.literal(localizationReuseVersion),
  result: LocalizationResultSchema,
  origin: z.object({ runId: z.string(), createdAt: z.string() }),
});

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * What decides a localizer's output for an instance: the plugin (name, version, protocol version, options
 * after its schema), the model endpoints it may call (its role and the default, with their embedding
 * models), the run's free hyper-parameters, and the instance (repository, base commit, issue text and
 * hints). Two runs that agree on all of it get the same localization. Under `runner-localization:`, a
 * namespace no plugin cache key (`plugin:<name>:`) reaches.
 */
export function localizationReuseKey(run: PlannedRun, plugin: StagePlugin<'localizer'>, instance: Instance): string {
  const roles = [...new Set([plugin.config.model ?? 'default', 'default'])].sort();
  return `runner-localization:v${localizationReuseVersion}:${stableHash({
    plugin: { name: plugin.record.name, version: plugin.record.version, specificationVersion: plugin.record.specificationVersion, options: plugin.options },
    models: Object.fromEntries(roles.map((role) => [role, run.config.models[role] ? endpointIdentity(run.config.models[role]) : null])),
    hypers: run.hypers,
    instance: {
      instanceId: instance.instanceId,
      repo: instance.repo,
      baseCommit: instance.baseCommit,
      problemStatement: sha256(instance.problemStatement),
      hintsText: sha256(instance.hintsText ?? ''),
    },
  })}`;
}

/** A localization another run stored under `key`, or undefined (none, another version, or damaged: then the localizer runs). */
export async function reusableLocalization(
  storage: Pick<SequenceStorage, 'getCacheEntry'>,
  key: string,
  logger: Logger,
): Promise<{ result: LocalizationResult; reusedFrom: ReusedFrom } | undefined> {
  const stored = await storage.getCacheEntry(key).catch((error: unknown) => {
    logger.warn(`cannot read the stored localization ${key}: ${(error as Error).message}; localizing instead`);
    return undefined;
  });
  if (stored === undefined) return undefined;
  const parsed = StoredLocalizationSchema.safeParse(stored.value);
  if (!parsed.success) {
    logger.warn(`the stored localization ${key} is not one of this version; localizing instead`);
    return undefined;
  }
  return { result: parsed.data.result, reusedFrom: parsed.data.origin };
}

/** Keeps a localization for later runs (a failure to write is a warning: the run has its own stage result). */
export async function keepLocalization(
  storage: Pick<SequenceStorage, 'putCacheEntries'>,
  key: string,
  result: LocalizationResult,
  origin: { runId: string; instanceId: string },
  logger: Logger,
): Promise<void> {
  const createdAt = new Date().toISOString();
  await storage
    .putCacheEntries([{ key, value: { version: localizationReuseVersion, result, origin: { runId: origin.runId, createdAt } }, createdAt }])
    .catch((error: unknown) => logger.warn(`cannot keep the localization of ${origin.instanceId} for later runs: ${(error as Error).message}`));
}
