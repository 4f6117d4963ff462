import type { Instance } from '@codemonkeys/protocol';
import { loadDataset } from '@codemonkeys/swebench';

/** The dataset, filtered by `--instances` (exact ids, or globs when a value has `*`, `?` or `[`). */
export async function loadInstancesToEvaluate(dataset: string, selectors: readonly string[]): Promise<Instance[]> {
  const globs = selectors.filter((selector) => /[*?[]/.test(selector));
  const ids = selectors.filter((selector) => !globs.includes(selector));
  if (ids.length > 0 && globs.length > 0) {
    // Either kind alone is a filter; together they mean "these ids plus these patterns".
    const all = await loadDataset(dataset);
    const byId = new Set((await loadDataset(dataset, { ids })).map((instance) => instance.instanceId));
    const byGlob = new Set((await loadDataset(dataset, { globs })).map((instance) => instance.instanceId));
    return all.filter((instance) => byId.has(instance.instanceId) || byGlob.has(instance.instanceId));
  }
  return loadDataset(dataset, { ...(ids.length > 0 ? { ids } : {}), ...(globs.length > 0 ? { globs } : {}) });
}
