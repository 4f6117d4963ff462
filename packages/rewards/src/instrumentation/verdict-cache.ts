import { createHash } from 'node:crypto';
import { z } from 'zod';
import { silentLogger, type Logger, type SequenceStorage } from '@codemonkeys/protocol';
import { graderVersion, GradingErrorSchema, normalizeDiff, type EnvironmentSpec, type EvaluatedInstance } from '@codemonkeys/swebench';
import type { GoldTestVerdict } from '../generation/gold-test-verdict';

/**
 * Version of what a cached verdict means: bump it whenever evaluation or grading changes the verdict a
 * candidate gets (how patches are applied, how logs are parsed and graded, what counts as an
 * infrastructure failure). Entries of another version are never read.
 */
export const verdictCacheVersion = 1;

/**
 * Namespace of the verdict cache in the storage's response cache. Plugins' cache keys always start with
 * `plugin:<name>:` (`pluginCacheKey`), so no plugin can name, read or overwrite a verdict.
 */
export const verdictCacheKeyPrefix = 'rewards-verdict:';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** JSON with object keys sorted at every level, so equal values hash equally whatever their key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, entry]) => entry !== undefined)
      .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
    return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${canonicalJson(entry)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The identity of an environment as evaluation uses it: everything of the spec that goes into its image
 * (suite, packages, image and setup commands, or the official image template) and into a test run (test
 * command, selection, parser, pre-test commands, environment variables, time limit). Only the
 * documentation fields (`validation`, `notes`) are left out.
 */
export function environmentDigest(spec: EnvironmentSpec): string {
  const { validation: _validation, notes: _notes, ...identity } = spec;
  return sha256(canonicalJson(identity));
}

/**
 * The diff as far as its verdict goes: `normalizeDiff` (files sorted, context lines, `index` lines and
 * hunk headings dropped) with trailing whitespace dropped but indentation and blank lines kept, since
 * both can change what Python code does. A diff that normalizes to nothing (prose, headers without a
 * change) is keyed by its exact text instead: what `git apply` makes of it is not known from the text.
 */
export function verdictDiffHash(diff: string): string {
  let normalized: string;
  try {
    normalized = normalizeDiff(diff, { whitespace: 'trailing', ignoreWhitespaceOnlyChanges: false });
  } catch {
    normalized = '';
  }
  return normalized === '' ? `exact-${sha256(diff)}` : `normalized-${sha256(normalized)}`;
}

/** The gold test data a verdict is graded with: the test patch and the FAIL_TO_PASS / PASS_TO_PASS lists. */
export function verdictTestsHash(instance: Pick<EvaluatedInstance, 'testPatch' | 'failToPass' | 'passToPass'>): string {
  return sha256(canonicalJson({ testPatch: instance.testPatch, failToPass: instance.failToPass, passToPass: instance.passToPass }));
}

/** What a cached verdict is keyed by. */
export interface VerdictCacheKeyParts {
  instanceId: string;
  /** `environmentDigest` of the spec the evaluation runs with. */
  environmentDigest: string;
  /** `verdictDiffHash` of the candidate. */
  diffHash: string;
  /** `verdictTestsHash` of the instance. */
  testsHash: string;
  /** `verdictCacheVersion` × 1000 + swebench's `graderVersion`: a change of the cache's format or of the grading rules reads no older entry. */
  graderVersion: number;
}

export function verdictCacheKeyParts(instance: EvaluatedInstance, spec: EnvironmentSpec, diff: string): VerdictCacheKeyParts {
  return {
    instanceId: instance.instanceId,
    environmentDigest: environmentDigest(spec),
    diffHash: verdictDiffHash(diff),
    testsHash: verdictTestsHash(instance),
    graderVersion: verdictCacheVersion * 1000 + graderVersion,
  };
}

/** The storage key of a verdict (`rewards-verdict:v<version>:<sha-256 of the parts>`). */
export function verdictCacheKey(parts: VerdictCacheKeyParts): string {
  return `${verdictCacheKeyPrefix}v${parts.graderVersion}:${sha256(canonicalJson(parts))}`;
}

const DefiniteVerdictSchema = z.object({
  applied: z.number().nullable(),
  resolved: z.union([z.literal(0), z.literal(1)]),
  failToPass: z.number().nullable(),
  passToPass: z.number().nullable(),
  resolutionStatus: z.string().optional(),
  gradingError: GradingErrorSchema.optional(),
  failing: z.object({ failToPass: z.array(z.string()), passToPass: z.array(z.string()) }),
  durationMs: z.number(),
});

/** Where a cached verdict was computed. */
export const VerdictOriginSchema = z.object({
  /** The run whose rewards ran the evaluation. */
  runId: z.string(),
  /** When the verdict was stored. */
  createdAt: z.string(),
  /** sha-256 of the exact diff that was evaluated. */
  diffSha256: z.string(),
});
export type VerdictOrigin = z.output<typeof VerdictOriginSchema>;

export const CachedVerdictSchema = z.object({
  parts: z.object({ instanceId: z.string(), environmentDigest: z.string(), diffHash: z.string(), testsHash: z.string(), graderVersion: z.number() }),
  verdict: DefiniteVerdictSchema,
  origin: VerdictOriginSchema,
});
/** A definite verdict (resolved or not, never an infrastructure failure) and where it came from. */
export type CachedVerdict = z.output<typeof CachedVerdictSchema>;

/** True for a verdict worth keeping: the candidate was graded (no infrastructure failure, `resolved` known). */
export function isDefiniteVerdict(verdict: GoldTestVerdict): boolean {
  return verdict.infrastructureFailure === undefined && (verdict.resolved === 0 || verdict.resolved === 1);
}

/**
 * Verdicts shared by every run (and offline rewards) that uses the same cache: a candidate whose
 * normalized diff was graded before in the same environment with the same test data is not run again.
 */
export interface VerdictCache {
  /** The cached verdict under `key`, or undefined (also when the entry cannot be read: a miss, never an error). */
  get(key: string, parts: VerdictCacheKeyParts): Promise<CachedVerdict | undefined>;
  /** Keeps a definite verdict; an indefinite one (infrastructure failure, unknown) is refused with a TypeError. */
  put(key: string, entry: CachedVerdict): Promise<void>;
}

export interface StorageVerdictCacheOptions {
  /** Warnings about entries that cannot be read or written (the verdict is then computed, or not kept). */
  logger?: Logger;
}

/**
 * The verdict cache in a SequenceStorage's response cache (`getCacheEntry`/`putCacheEntries`) under
 * `rewards-verdict:`. Entries are validated on read; an entry that does not parse, or whose key parts
 * differ from the ones asked for, is a miss. A storage failure is a miss (reading) or a warning (writing):
 * the cache saves work, it never decides a verdict.
 */
export function createStorageVerdictCache(storage: Pick<SequenceStorage, 'getCacheEntry' | 'putCacheEntries'>, options: StorageVerdictCacheOptions = {}): VerdictCache {
  const logger = options.logger ?? silentLogger;
  return {
    async get(key, parts) {
      let stored: unknown;
      try {
        stored = (await storage.getCacheEntry(key))?.value;
      } catch (error) {
        logger.warn(`rewards: cannot read the verdict cache (${key}): ${(error as Error).message}; evaluating instead`);
        return undefined;
      }
      if (stored === undefined) return undefined;
      const parsed = CachedVerdictSchema.safeParse(stored);
      if (!parsed.success || canonicalJson(parsed.data.parts) !== canonicalJson(parts)) {
        logger.warn(`rewards: the verdict cache entry ${key} of ${parts.instanceId} is not a verdict of this version; evaluating instead`);
        return undefined;
      }
      return parsed.data;
    },
    async put(key, entry) {
      const parsed = CachedVerdictSchema.safeParse(entry);
      if (!parsed.success || (entry.verdict as Partial<GoldTestVerdict>).infrastructureFailure !== undefined)
        throw new TypeError(
          `Only definite verdicts are cached; ${entry.parts.instanceId} has none${parsed.success ? ' (an infrastructure failure)' : `: ${parsed.error.message}`}`,
        );
      try {
        await storage.putCacheEntries([{ key, value: parsed.data, createdAt: entry.origin.createdAt }]);
      } catch (error) {
        logger.warn(`rewards: cannot keep the verdict of ${entry.parts.instanceId} in the verdict cache: ${(error as Error).message}`);
      }
    },
  };
}
