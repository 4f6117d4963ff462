import fs from 'node:fs/promises';
import { z } from 'zod';
import { DatasetError, formatZodError } from '@codemonkeys/protocol';

/**
 * Which instances a system resolved, from a labels file. `unresolved` lists the instances known not to
 * be resolved; when it is undefined every instance not in `resolved` counts as unresolved.
 */
export interface ResolvedLabels {
  resolved: ReadonlySet<string>;
  unresolved?: ReadonlySet<string>;
}

const idList = z.array(z.string().min(1));

/**
 * The label files understood: a `*.resolved.json` of the shared predictions (`resolved`,
 * `unresolved_with_patch`, `empty_patch`, `no_prediction`), a SWE-bench run report (`resolved_ids`,
 * `unresolved_ids`, `empty_patch_ids`; `error_ids` stay unknown), or a plain JSON array of resolved ids.
 */
const LabelsFileSchema = z.union([
  idList,
  z.looseObject({
    resolved: idList,
    unresolved_with_patch: idList.optional(),
    empty_patch: idList.optional(),
    no_prediction: idList.optional(),
  }),
  z.looseObject({
    resolved_ids: idList,
    unresolved_ids: idList.optional(),
    empty_patch_ids: idList.optional(),
  }),
]);

/** Labels from the parsed content of a labels file (see `loadResolvedLabels`). */
export function parseResolvedLabels(value: unknown, file: string): ResolvedLabels {
  const parsed = LabelsFileSchema.safeParse(value);
  if (!parsed.success) {
    throw new DatasetError({
      file,
      reason:
        `is not a labels file:\n${formatZodError(parsed.error)}\n` +
        'Give a JSON array of resolved instance ids, an object with `resolved` (and optionally `unresolved_with_patch`, `empty_patch`, `no_prediction`), ' +
        'or a SWE-bench run report with `resolved_ids`.',
    });
  }
  const data = parsed.data;
  if (Array.isArray(data)) return { resolved: new Set(data) };
  if ('resolved' in data && Array.isArray(data.resolved)) {
    const lists = [data.unresolved_with_patch, data.empty_patch, data.no_prediction].filter((list): list is string[] => list !== undefined);
    return { resolved: new Set(data.resolved as string[]), ...(lists.length > 0 ? { unresolved: new Set(lists.flat()) } : {}) };
  }
  const report = data as { resolved_ids: string[]; unresolved_ids?: string[]; empty_patch_ids?: string[] };
  const lists = [report.unresolved_ids, report.empty_patch_ids].filter((list): list is string[] => list !== undefined);
  return { resolved: new Set(report.resolved_ids), ...(lists.length > 0 ? { unresolved: new Set(lists.flat()) } : {}) };
}

/** Reads a labels file (JSON). Errors name the file and say which shapes are accepted. */
export async function loadResolvedLabels(file: string): Promise<ResolvedLabels> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    throw new DatasetError({ file, reason: `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}). Check the path.`, cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DatasetError({ file, reason: `is not JSON (${(error as Error).message}).`, cause: error });
  }
  return parseResolvedLabels(value, file);
}

/** The label of one instance: true resolved, false not, undefined unknown. */
export function labelOf(labels: ResolvedLabels, instanceId: string): boolean | undefined {
  if (labels.resolved.has(instanceId)) return true;
  if (!labels.unresolved || labels.unresolved.has(instanceId)) return false;
  return undefined;
}
