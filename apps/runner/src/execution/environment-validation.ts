import { createHash } from 'node:crypto';
import pLimit from 'p-limit';
import { z } from 'zod';
import type { Instance } from '@codemonkeys/protocol';
import { checkInstanceEnvironment, graderVersion } from '@codemonkeys/swebench';
import type { EnvironmentsMode } from '../config/experiment-config';
import { stableHash } from '../experiment/experiment-identity';
import type { ExperimentResources } from './experiment-resources';

/** What gold validation said of one instance's environment. */
export interface EnvironmentValidation {
  instanceId: string;
  /** `reproduced`: gold resolves, the base commit does not; `unvalidated`: it could not be checked (no sandbox, no spec, the environment failed). */
  status: 'reproduced' | 'not-reproduced' | 'unvalidated';
  problems: string[];
  /** Taken from the storage (validated by an earlier run or command) rather than checked now. */
  stored: boolean;
}

export interface EnvironmentValidationSummary {
  mode: EnvironmentsMode;
  reproduced: number;
  notReproduced: Array<{ instanceId: string; problems: string[] }>;
  unvalidated: Array<{ instanceId: string; problems: string[] }>;
  /** Instances left out of the run (`validated` mode). */
  excluded: string[];
  /** Validations read from the storage / run now. */
  stored: number;
  checked: number;
}

/** Bump when what a validation means changes (the grader, the check): older stored validations are not reused. */
const validationVersion = 1;

const StoredValidationSchema = z.object({
  version: z.literal(validationVersion),
  instanceId: z.string(),
  status: z.enum(['reproduced', 'not-reproduced']),
  problems: z.array(z.string()),
  validatedAt: z.string(),
});

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * The storage key of an instance's validation: the environment spec as resolved, the instance's base
 * commit, gold and test patches and test lists. Under `environment-validation:`, a namespace plugin
 * cache keys (`plugin:<name>:`) can never reach: the gold data stays with the runner.
 */
function validationKey(instance: Instance, spec: unknown): string {
  return `environment-validation:v${validationVersion}:${stableHash({
    instanceId: instance.instanceId,
    baseCommit: instance.baseCommit,
    spec,
    patch: sha256(instance.patch),
    testPatch: sha256(instance.testPatch),
    failToPass: instance.failToPass,
    passToPass: instance.passToPass,
    graderVersion,
  })}`;
}

/**
 * Gold validation of the instances' environments before any model call (SWE-bench's check: the gold
 * patch resolves, the base commit does not), once per storage: a validation found in the storage is
 * reused, one made now is stored (infrastructure failures are not: they are tried again next time).
 */
export async function validateEnvironments(options: {
  resources: ExperimentResources;
  instances: readonly Instance[];
  mode: EnvironmentsMode;
  concurrency: number;
  log: (message: string) => void;
}): Promise<{ validations: Map<string, EnvironmentValidation>; summary: EnvironmentValidationSummary }> {
  const { resources, mode } = options;
  const validations = new Map<string, EnvironmentValidation>();
  if (mode !== 'unchecked') {
    const sandboxes = resources.sandboxes;
    const limit = pLimit(Math.max(1, options.concurrency));
    await Promise.all(
      options.instances.map((instance) =>
        limit(async () => {
          const validation = sandboxes ? await validateOne(resources, instance) : unvalidated(instance, 'no sandbox (--sandbox none): gold validation needs Docker');
          validations.set(instance.instanceId, validation);
          if (!validation.stored) options.log(`environment of ${instance.instanceId}: ${validation.status}`);
        }),
      ),
    );
  }
  const all = [...validations.values()];
  const notReproduced = all.filter((entry) => entry.status === 'not-reproduced').map(({ instanceId, problems }) => ({ instanceId, problems }));
  const unvalidatedEntries = all.filter((entry) => entry.status === 'unvalidated').map(({ instanceId, problems }) => ({ instanceId, problems }));
  const summary: EnvironmentValidationSummary = {
    mode,
    reproduced: all.filter((entry) => entry.status === 'reproduced').length,
    notReproduced,
    unvalidated: unvalidatedEntries,
    excluded: mode === 'validated' ? [...notReproduced, ...unvalidatedEntries].map((entry) => entry.instanceId) : [],
    stored: all.filter((entry) => entry.stored).length,
    checked: all.filter((entry) => !entry.stored).length,
  };
  return { validations, summary };
}

const unvalidated = (instance: Instance, problem: string): EnvironmentValidation => ({
  instanceId: instance.instanceId,
  status: 'unvalidated',
  problems: [problem],
  stored: false,
});

async function validateOne(resources: ExperimentResources, instance: Instance): Promise<EnvironmentValidation> {
  const sandboxes = resources.sandboxes!;
  let spec: unknown;
  try {
    spec = sandboxes.provider.specFor(instance);
  } catch (error) {
    return unvalidated(instance, error instanceof Error ? error.message : String(error));
  }
  const key = validationKey(instance, spec);
  const stored = StoredValidationSchema.safeParse((await resources.storage.getCacheEntry(key))?.value);
  if (stored.success && stored.data.instanceId === instance.instanceId)
    return { instanceId: instance.instanceId, status: stored.data.status, problems: stored.data.problems, stored: true };
  sandboxes.acquire(instance.instanceId);
  try {
    const check = await checkInstanceEnvironment({ instance, instanceSandbox: sandboxes.sandboxFor(instance) });
    if (check.status === 'infrastructure-failure') return { instanceId: instance.instanceId, status: 'unvalidated', problems: check.problems, stored: false };
    const validatedAt = new Date().toISOString();
    await resources.storage.putCacheEntries([
      { key, value: { version: validationVersion, instanceId: instance.instanceId, status: check.status, problems: check.problems, validatedAt }, createdAt: validatedAt },
    ]);
    return { instanceId: instance.instanceId, status: check.status, problems: check.problems, stored: false };
  } finally {
    await sandboxes.release(instance.instanceId);
  }
}

/** The lines printed before a run starts: what was validated, and every instance that is not reproduced or not validated. */
export function describeEnvironmentValidation(summary: EnvironmentValidationSummary): string[] {
  if (summary.mode === 'unchecked') return ['environments: not validated (--environments unchecked)'];
  const lines = [
    `environments: ${summary.reproduced} reproduced, ${summary.notReproduced.length} not reproduced, ${summary.unvalidated.length} not validated ` +
      `(${summary.checked} checked now, ${summary.stored} from the storage)`,
  ];
  const action = summary.mode === 'validated' ? 'left out of the run' : 'run anyway, flagged (--environments validated leaves them out)';
  for (const entry of summary.notReproduced) lines.push(`  not reproduced, ${action}: ${entry.instanceId}: ${entry.problems.join('; ')}`);
  for (const entry of summary.unvalidated) lines.push(`  not validated, ${action}: ${entry.instanceId}: ${entry.problems.join('; ')}`);
  return lines;
}
