import { z } from 'zod';

const positiveInteger = (what: string) =>
  z.coerce
    .number({ error: `${what} must be a number` })
    .int(`${what} must be a whole number`)
    .positive(`${what} must be positive`);

const repositoryMapping = z.string().regex(/^[\w.-]+\/[\w.-]+=.+$/, 'must look like owner/name=PATH_OR_URL, e.g. django/django=../clones/django');

/** The options of `codemonkeys rewards` (offline mode), as commander hands them over, validated and converted. */
export const RewardsOptionsSchema = z
  .object({
    dataset: z.string({ error: '--dataset is required: the SWE-bench dataset the predictions are for (JSONL, JSON or parquet)' }).min(1),
    predictions: z.array(z.string().min(1)).min(1, '--predictions is required: a predictions file (instance_id, model_name_or_path, model_patch)'),
    /** One labels file for every predictions file, or one per predictions file (in the same order). */
    labels: z.array(z.string().min(1)).default([]),
    instances: z.array(z.string().min(1)).default([]),
    sandbox: z.boolean().default(false),
    format: z.enum(['md', 'json'], { error: '--format must be md or json' }).default('md'),
    output: z.string().min(1).optional(),
    bootstrapSamples: positiveInteger('--bootstrap-samples').default(2000),
    seed: z.coerce.number({ error: '--seed must be a number' }).int('--seed must be a whole number').default(1),
    concurrency: positiveInteger('--concurrency').default(1),
    repository: z.array(repositoryMapping).default([]),
    specFile: z.string().min(1).optional(),
    timeout: positiveInteger('--timeout').optional(),
    cacheDirectory: z.string().min(1).optional(),
    /** With --sandbox: the storage whose verdict cache is read and added to (shared with `codemonkeys run`). */
    storage: z.string().min(1).optional(),
    buildBaseImages: z.boolean().default(true),
    progress: z.enum(['auto', 'bar', 'lines'], { error: '--progress must be auto, bar or lines' }).default('auto'),
  })
  .superRefine((options, context) => {
    if (options.labels.length > 1 && options.labels.length !== options.predictions.length) {
      context.addIssue({
        code: 'custom',
        path: ['labels'],
        message: `give one --labels file for all predictions, or one per --predictions file (${options.predictions.length}), in the same order; got ${options.labels.length}`,
      });
    }
    if (!options.sandbox) {
      for (const [flag, value] of [
        ['--repository', options.repository.length > 0],
        ['--spec-file', options.specFile],
        ['--timeout', options.timeout],
        ['--storage', options.storage],
      ] as const) {
        if (value) context.addIssue({ code: 'custom', path: [flag.slice(2)], message: `${flag} is for the sandbox: add --sandbox to run the tests` });
      }
    }
  });
export type RewardsOptions = z.output<typeof RewardsOptionsSchema>;
