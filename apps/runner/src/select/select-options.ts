import { z } from 'zod';

const positiveInteger = (what: string) =>
  z.coerce
    .number({ error: `${what} must be a number` })
    .int(`${what} must be a whole number`)
    .positive(`${what} must be positive`);

const repositoryMapping = z.string().regex(/^[\w.-]+\/[\w.-]+=.+$/, 'must look like owner/name=PATH_OR_URL, e.g. django/django=../clones/django');

/** The options of `codemonkeys select`, as commander hands them over, validated and converted. */
export const SelectOptionsSchema = z
  .object({
    predictions: z.array(z.string().min(1)).default([]),
    /** Stored runs whose generated candidates are pooled (their `generate` stage results). */
    runs: z.array(z.string().min(1)).default([]),
    /** Every run of these stored experiments. */
    experiments: z.array(z.string().min(1)).default([]),
    storage: z.string().min(1),
    selector: z.string().min(1).default('vote'),
    /** Plugin options: `--options JSON` merged with `--option key=value` (JSON values where they parse). */
    selectorOptions: z.record(z.string(), z.unknown()).default({}),
    /** `FILE` (one per --predictions file in order, or one for all) or `SOURCE=FILE`. */
    labels: z.array(z.string().min(1)).default([]),
    dataset: z.string().min(1).optional(),
    repository: z.array(repositoryMapping).default([]),
    sandbox: z.enum(['none', 'docker'], { error: '--sandbox must be none or docker' }).default('none'),
    cacheDirectory: z.string().min(1).optional(),
    /** With --sandbox docker: a JSON array of environment specs, searched before the built-in ones. */
    specFile: z.string().min(1).optional(),
    output: z.string().min(1).default('./selection'),
    runId: z
      .string()
      .regex(/^[\w.:-]+$/, '--run-id may hold letters, digits, ".", ":", "_" and "-"')
      .optional(),
    modelNameOrPath: z.string().min(1).optional(),
    concurrency: positiveInteger('--concurrency').default(4),
    /** A model endpoint for selectors that call one (selector-rank). */
    baseUrl: z.string().url('--base-url must be a URL').optional(),
    model: z.string().min(1).optional(),
    apiKeyEnv: z.string().min(1).optional(),
    json: z.boolean().default(false),
  })
  .superRefine((options, context) => {
    if (options.predictions.length + options.runs.length + options.experiments.length === 0)
      context.addIssue({ code: 'custom', path: ['predictions'], message: 'give candidates: --predictions FILE..., --run ID or --experiment ID (any mix)' });
    if (options.repository.length > 0 && !options.dataset)
      context.addIssue({ code: 'custom', path: ['repository'], message: '--repository needs --dataset (the instances whose repositories are checked out)' });
    if (options.sandbox === 'docker' && !options.dataset)
      context.addIssue({ code: 'custom', path: ['sandbox'], message: '--sandbox docker needs --dataset (the instances whose environments are built)' });
    if (options.specFile && options.sandbox !== 'docker') context.addIssue({ code: 'custom', path: ['specFile'], message: '--spec-file is for the sandbox: add --sandbox docker' });
    if ((options.baseUrl === undefined) !== (options.model === undefined))
      context.addIssue({ code: 'custom', path: ['baseUrl'], message: '--base-url and --model go together (the endpoint of a selector that calls a model)' });
  });
export type SelectOptions = z.output<typeof SelectOptionsSchema>;
