import { z } from 'zod';

const gitRevision = z.string().regex(/^[0-9a-f]{7,64}$/i, 'must be a git commit hash (7 to 64 hex characters)');
const repoName = z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'must be "owner/name"');

/** A SWE-bench-style instance, normalized (camelCase, test lists decoded). Holds gold data: never show it to plugins. */
export const InstanceSchema = z.object({
  instanceId: z.string().min(1),
  repo: repoName,
  baseCommit: gitRevision,
  /** The gold fix (unified diff). May be empty for datasets without a reference fix. */
  patch: z.string(),
  /** The diff that adds the evaluation tests. */
  testPatch: z.string(),
  problemStatement: z.string().min(1, 'must not be empty'),
  hintsText: z.string().default(''),
  createdAt: z.string().optional(),
  version: z.string().optional(),
  failToPass: z.array(z.string()),
  passToPass: z.array(z.string()),
  environmentSetupCommit: gitRevision.optional(),
  /** Any other fields of the source record (difficulty, ...), kept for reports. */
  extra: z.record(z.string(), z.unknown()).default({}),
});
export type Instance = z.output<typeof InstanceSchema>;

/** A test list as SWE-bench stores it: a JSON-encoded string, or already an array. */
const testList = z.union([z.array(z.string()), z.string()]).transform((value, context) => {
  if (Array.isArray(value)) return value;
  try {
    const decoded: unknown = JSON.parse(value);
    if (Array.isArray(decoded) && decoded.every((entry) => typeof entry === 'string')) return decoded as string[];
  } catch {
    // reported below
  }
  context.addIssue({ code: 'custom', message: 'must be a JSON-encoded list of test names, e.g. "[\\"test_a\\"]"' });
  return z.NEVER;
});

const knownRecordFields = new Set([
  'instance_id',
  'repo',
  'base_commit',
  'patch',
  'test_patch',
  'problem_statement',
  'hints_text',
  'created_at',
  'version',
  'FAIL_TO_PASS',
  'PASS_TO_PASS',
  'environment_setup_commit',
]);

/**
 * A record as published in the SWE-bench datasets (Hugging Face field names). Parsing it yields an
 * {@link Instance}. `version` may be a number in some copies; it becomes a string.
 */
export const SweBenchRecordSchema = z
  .looseObject({
    instance_id: z.string().min(1),
    repo: repoName,
    base_commit: gitRevision,
    patch: z.string(),
    test_patch: z.string(),
    problem_statement: z.string().min(1, 'must not be empty'),
    hints_text: z.string().nullish(),
    created_at: z.string().nullish(),
    version: z.union([z.string(), z.number()]).nullish(),
    FAIL_TO_PASS: testList,
    PASS_TO_PASS: testList,
    environment_setup_commit: gitRevision.nullish(),
  })
  .transform((record): Instance => {
    const extra: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(record)) if (!knownRecordFields.has(key)) extra[key] = value;
    return {
      instanceId: record.instance_id,
      repo: record.repo,
      baseCommit: record.base_commit,
      patch: record.patch,
      testPatch: record.test_patch,
      problemStatement: record.problem_statement,
      hintsText: record.hints_text ?? '',
      ...(record.created_at ? { createdAt: record.created_at } : {}),
      ...(record.version !== undefined && record.version !== null ? { version: String(record.version) } : {}),
      failToPass: record.FAIL_TO_PASS,
      passToPass: record.PASS_TO_PASS,
      ...(record.environment_setup_commit ? { environmentSetupCommit: record.environment_setup_commit } : {}),
      extra,
    };
  });
export type SweBenchRecord = z.input<typeof SweBenchRecordSchema>;

/** Converts a normalized instance back to the SWE-bench record shape (test lists JSON-encoded, as on Hugging Face). */
export function toSweBenchRecord(instance: Instance): Record<string, unknown> {
  return {
    ...instance.extra,
    repo: instance.repo,
    instance_id: instance.instanceId,
    base_commit: instance.baseCommit,
    patch: instance.patch,
    test_patch: instance.testPatch,
    problem_statement: instance.problemStatement,
    hints_text: instance.hintsText,
    created_at: instance.createdAt ?? '',
    version: instance.version ?? '',
    FAIL_TO_PASS: JSON.stringify(instance.failToPass),
    PASS_TO_PASS: JSON.stringify(instance.passToPass),
    environment_setup_commit: instance.environmentSetupCommit ?? '',
  };
}
