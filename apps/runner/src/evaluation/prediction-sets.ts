import { DatasetError, type Instance } from '@codemonkeys/protocol';
import { loadPredictions } from '@codemonkeys/swebench';

/** The candidates of one model (`model_name_or_path`): instance id → patch (null or '' for none). */
export interface PredictionSet {
  model: string;
  /** Where they came from: a file, or `gold`. */
  source: string;
  patches: Map<string, string | null>;
}

export const goldModelName = 'gold';

/**
 * The prediction sets to evaluate: each predictions file grouped by `model_name_or_path` (a file may
 * hold several models), or `gold`, the dataset's own gold patches. Two sets with one model name are an
 * error, since their reports would land in one folder. Predictions for instances outside the (filtered)
 * dataset are left out and counted in `ignored`.
 */
export async function loadPredictionSets(sources: readonly string[], instances: readonly Instance[]): Promise<{ sets: PredictionSet[]; ignored: number }> {
  const known = new Set(instances.map((instance) => instance.instanceId));
  const sets = new Map<string, PredictionSet>();
  let ignored = 0;
  for (const source of sources) {
    const found = new Map<string, PredictionSet>();
    if (source === goldModelName) {
      found.set(goldModelName, { model: goldModelName, source, patches: new Map(instances.map((instance) => [instance.instanceId, instance.patch])) });
    } else {
      for (const prediction of await loadPredictions(source)) {
        if (!known.has(prediction.instance_id)) {
          ignored += 1;
          continue;
        }
        let set = found.get(prediction.model_name_or_path);
        if (!set) {
          set = { model: prediction.model_name_or_path, source, patches: new Map() };
          found.set(set.model, set);
        }
        set.patches.set(prediction.instance_id, prediction.model_patch);
      }
    }
    for (const set of found.values()) {
      const existing = sets.get(set.model);
      if (existing) {
        throw new DatasetError({ file: source, reason: `has predictions of the model "${set.model}", like ${existing.source}. Give each model's predictions once.` });
      }
      sets.set(set.model, set);
    }
  }
  return { sets: [...sets.values()], ignored };
}
