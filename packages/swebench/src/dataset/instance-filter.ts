import picomatch from 'picomatch';
import { z } from 'zod';
import { NotFoundError, parseWithSchema, type Instance } from '@codemonkeys/protocol';

/** Which instances of a dataset to keep. All given criteria must hold; the slice applies last. */
export const InstanceFilterSchema = z.object({
  /** Exact instance ids. Unknown ids are an error (a typo should not silently shrink a run). */
  ids: z.array(z.string().min(1)).optional(),
  /** Glob patterns over instance ids, e.g. `django__django-11*` (picomatch syntax). */
  globs: z.array(z.string().min(1)).optional(),
  /** Glob patterns that remove instance ids. */
  exclude: z.array(z.string().min(1)).optional(),
  /** Repositories (`owner/name`), exact. */
  repos: z.array(z.string().min(1)).optional(),
  /** A slice of the filtered list: `"0:50"`, `":10"`, `"-5:"`, or `{ start, end }` (end exclusive). */
  slice: z
    .union([
      z.string().regex(/^-?\d*:-?\d*$/, 'must look like "start:end", e.g. "0:50" or ":10"'),
      z.object({ start: z.number().int().optional(), end: z.number().int().optional() }),
    ])
    .optional(),
});
export type InstanceFilter = z.input<typeof InstanceFilterSchema>;

function sliceBounds(slice: NonNullable<z.output<typeof InstanceFilterSchema>['slice']>): { start?: number; end?: number } {
  if (typeof slice !== 'string') return slice;
  const [start, end] = slice.split(':');
  return { ...(start ? { start: Number(start) } : {}), ...(end ? { end: Number(end) } : {}) };
}

/** Keeps the instances that match every given criterion, in dataset order. */
export function filterInstances(instances: readonly Instance[], filter: InstanceFilter = {}): Instance[] {
  const options = parseWithSchema(InstanceFilterSchema.loose(), filter, 'Instance filter');
  let result = [...instances];
  if (options.ids) {
    const known = new Set(result.map((instance) => instance.instanceId));
    const missing = options.ids.filter((id) => !known.has(id));
    if (missing.length > 0) {
      throw new NotFoundError(
        `Instance ids not in the dataset: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ` (and ${missing.length - 10} more)` : ''}. Check the ids or the dataset file.`,
      );
    }
    const wanted = new Set(options.ids);
    result = result.filter((instance) => wanted.has(instance.instanceId));
  }
  if (options.globs) {
    const matches = picomatch(options.globs);
    result = result.filter((instance) => matches(instance.instanceId));
  }
  if (options.exclude) {
    const excluded = picomatch(options.exclude);
    result = result.filter((instance) => !excluded(instance.instanceId));
  }
  if (options.repos) {
    const repos = new Set(options.repos);
    result = result.filter((instance) => repos.has(instance.repo));
  }
  if (options.slice !== undefined) {
    const { start, end } = sliceBounds(options.slice);
    result = result.slice(start, end);
  }
  return result;
}
