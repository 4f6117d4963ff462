import os from 'node:os';
import { z } from 'zod';
import { maxRunIdLength, runIdRule } from './evaluation-layout';

const maxRepeat = 100;

const repositoryMapping = z.string().regex(/^[\w.-]+\/[\w.-]+=.+$/, 'must look like owner/name=PATH_OR_URL, e.g. django/django=../clones/django');

const sizeUnits: Record<string, number> = { '': 1, B: 1, K: 1024, KB: 1024, M: 1024 ** 2, MB: 1024 ** 2, G: 1024 ** 3, GB: 1024 ** 3, T: 1024 ** 4, TB: 1024 ** 4 };

/** A size with an optional binary unit (`50G`, `512M`, `2TB`, bytes without one) as bytes. */
export const byteSize = (what: string) =>
  z
    .string()
    .regex(/^\s*\d+(\.\d+)?\s*([KMGT]B?|B)?\s*$/i, `${what} must be a size such as 50G, 512M or a number of bytes`)
    .transform((text, context) => {
      const match = /^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$/.exec(text)!;
      const bytes = Math.round(Number(match[1]) * sizeUnits[match[2]!.toUpperCase()]!);
      if (bytes <= 0) context.addIssue({ code: 'custom', message: `${what} must be more than 0 bytes` });
      return bytes;
    });

const positiveInteger = (what: string) =>
  z.coerce
    .number({ error: `${what} must be a number` })
    .int(`${what} must be a whole number`)
    .positive(`${what} must be positive`);

/** The options of `codemonkeys eval`, as commander hands them over (strings), validated and converted. */
export const EvalOptionsSchema = z
  .object({
    dataset: z.string({ error: '--dataset is required: a SWE-bench dataset file (JSONL, JSON or parquet)' }).min(1),
    /** Predictions files (SWE-bench format), or `gold` for the dataset's own gold patches. */
    predictions: z.array(z.string().min(1)).default([]),
    checkSpec: z.boolean().default(false),
    /** A folder of saved evaluations (this tool's or SWE-bench's logs) to grade again without containers. */
    regrade: z.string().min(1).optional(),
    /** Instance ids or globs (`django__django-11*`); comma-separated values are split. */
    instances: z.array(z.string().min(1)).default([]),
    /** Containers running at once (default: one per core); `--concurrency` is its older name. */
    containers: positiveInteger('--containers').optional(),
    concurrency: positiveInteger('--concurrency').optional(),
    /** Evaluations of each prediction; verdicts that change between them are reported as flaky. */
    repeat: positiveInteger('--repeat').max(maxRepeat, `--repeat is at most ${maxRepeat}`).default(1),
    output: z.string().min(1).default('evaluation'),
    runId: z
      .string()
      .regex(/^[A-Za-z0-9_][\w.-]*$/, `--run-id: ${runIdRule}`)
      .max(maxRunIdLength, `--run-id: ${runIdRule}`)
      .optional(),
    repository: z.array(repositoryMapping).default([]),
    specFile: z.string().min(1).optional(),
    specKind: z.enum(['debian', 'swebench-image']).default('debian'),
    /** Seconds; overrides the specs' test time limits. */
    timeout: positiveInteger('--timeout').optional(),
    cacheDirectory: z.string().min(1).optional(),
    memoryGb: z.coerce.number().positive('--memory-gb must be positive').optional(),
    cpus: z.coerce.number().positive('--cpus must be positive').optional(),
    /** `auto`: a fresh single-use container when each instance is evaluated once, else reuse (one reset between evaluations). */
    isolation: z.enum(['auto', 'reuse', 'fresh']).default('auto'),
    /** A registry mirror official instance images are pulled from (`host[:port][/path]`). */
    registry: z.string().min(1).optional(),
    /** Disk budget of environment images; least recently used ones are removed past it. */
    maxImageDisk: byteSize('--max-image-disk').optional(),
    buildBaseImages: z.boolean().default(true),
    json: z.boolean().default(false),
    progress: z.enum(['auto', 'bar', 'lines']).default('auto'),
  })
  .superRefine((options, context) => {
    if (options.checkSpec && options.predictions.length > 0) {
      context.addIssue({ code: 'custom', path: ['predictions'], message: '--check-spec evaluates the gold patches and the base commit itself; leave --predictions out' });
    }
    if (options.regrade !== undefined && (options.checkSpec || options.predictions.length > 0 || options.repeat > 1)) {
      context.addIssue({ code: 'custom', path: ['regrade'], message: '--regrade grades saved logs again: leave out --predictions, --check-spec and --repeat' });
    }
    if (!options.checkSpec && options.regrade === undefined && options.predictions.length === 0) {
      context.addIssue({ code: 'custom', path: ['predictions'], message: '--predictions is required: a predictions file, or "gold" (or use --check-spec)' });
    }
    if (options.containers !== undefined && options.concurrency !== undefined && options.containers !== options.concurrency) {
      context.addIssue({ code: 'custom', path: ['containers'], message: '--concurrency is the older name of --containers; give one of them' });
    }
    if (options.checkSpec && options.repeat > 1) context.addIssue({ code: 'custom', path: ['repeat'], message: '--repeat evaluates predictions; leave it out with --check-spec' });
  })
  .transform(({ concurrency, containers, ...options }) => ({ ...options, containers: containers ?? concurrency ?? Math.max(1, os.availableParallelism()) }));
export type EvalOptions = z.output<typeof EvalOptionsSchema>;

/** `a,b` and repeated flags alike, as one list. */
export function splitList(values: readonly string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter(Boolean);
}

/** `owner/name=PATH_OR_URL` mappings as `repositorySources`. */
export function repositorySourcesOf(mappings: readonly string[]): Record<string, string> {
  const sources: Record<string, string> = {};
  for (const mapping of mappings) {
    const separator = mapping.indexOf('=');
    sources[mapping.slice(0, separator)] = mapping.slice(separator + 1);
  }
  return sources;
}
