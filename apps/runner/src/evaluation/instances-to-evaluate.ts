import { DatasetError, type Instance } from '@codemonkeys/protocol';
import { filterInstances, loadDataset } from '@codemonkeys/swebench';
import { UsageError } from '../config/usage-error';

export interface InstancesToEvaluate {
  /** The dataset's instances that `--instances` selects (all of them without it), in dataset order. */
  selected: Instance[];
  /** Every instance id of the dataset (a prediction for any other instance is reported, not evaluated). */
  datasetIds: ReadonlySet<string>;
}

const isGlob = (selector: string): boolean => /[*?[]/.test(selector);

/**
 * The dataset, filtered by `--instances` (exact ids, or globs when a value has `*`, `?` or `[`; either
 * kind alone is a filter, together they mean "these ids plus these patterns"). An id that is not in the
 * dataset, a glob that matches none of its instances, and an empty dataset are usage errors (exit 2):
 * a typo must not shrink the run to nothing and report success.
 */
export async function loadInstancesToEvaluate(dataset: string, selectors: readonly string[]): Promise<InstancesToEvaluate> {
  const all = await loadDataset(dataset);
  if (all.length === 0) throw new DatasetError({ file: dataset, reason: 'holds no instances. Check the path, or the export that should have written it.' });
  const datasetIds = new Set(all.map((instance) => instance.instanceId));
  if (selectors.length === 0) return { selected: all, datasetIds };
  const globs = selectors.filter(isGlob);
  const ids = selectors.filter((selector) => !isGlob(selector));
  // filterInstances names the ids that are not in the dataset (NotFoundError, exit 2).
  const byId = new Set(ids.length > 0 ? filterInstances(all, { ids }).map((instance) => instance.instanceId) : []);
  const byGlob = new Set<string>();
  const unmatched: string[] = [];
  for (const glob of globs) {
    const matched = filterInstances(all, { globs: [glob] });
    if (matched.length === 0) unmatched.push(glob);
    for (const instance of matched) byGlob.add(instance.instanceId);
  }
  if (unmatched.length > 0) {
    throw new UsageError(
      `--instances ${unmatched.map((glob) => JSON.stringify(glob)).join(', ')} matched no instance of ${dataset} ` +
        `(${all.length} instance(s), e.g. ${all[0]!.instanceId}). Check the pattern, or the dataset.`,
    );
  }
  return { selected: all.filter((instance) => byId.has(instance.instanceId) || byGlob.has(instance.instanceId)), datasetIds };
}
