import fs from 'node:fs';
import path from 'node:path';
import { DatasetError } from '@codemonkeys/protocol';
import { loadPredictions } from '@codemonkeys/swebench';
import { UsageError } from '../config/usage-error';
import { displayName } from './display-name';
import { pathSegmentOf, uniqueSegments } from './evaluation-layout';
import type { InstancesToEvaluate } from './instances-to-evaluate';

/**
 * The candidates of one model (`model_name_or_path`) in one source: instance id → patch (null or '' for
 * none). Each (source, model) is evaluated and reported on its own, whatever the other sets hold.
 */
export interface PredictionSet {
  model: string;
  /** Where they came from: a file (as given), or `gold`. */
  source: string;
  /** Its folder name in the run (and the run report's `<directory>.<run id>.json`): path-safe, unique in the run. */
  directory: string;
  /** How progress and summaries name it: the model, and the file when the model is in several sources. */
  label: string;
  /** The predictions for the selected instances. */
  patches: Map<string, string | null>;
  /** Instance ids of its predictions that the dataset does not have: reported, never evaluated. */
  notInDataset: string[];
  /** Predictions for instances of the dataset outside `--instances`. */
  outsideSelection: number;
}

const goldModelName = 'gold';

/** The file name without the predictions extension: what tells two sources apart in folder names. */
const sourceStem = (source: string): string => (source === goldModelName ? goldModelName : path.basename(source).replace(/\.(jsonl?|json)$/i, ''));

/** What makes two sources the same: the gold patches, or one file however its path is written. */
const identityOf = (source: string): string => (source === goldModelName ? goldModelName : path.resolve(source));

function loadSource(source: string): ReturnType<typeof loadPredictions> {
  // A quoted pattern reaches us as it is when the shell matched nothing: say so rather than "cannot be read".
  if (/[*?[]/.test(source) && !fs.existsSync(source)) {
    throw new DatasetError({ file: source, reason: 'matches no file (the shell expands patterns; unquoted, this one matched nothing). Check the folder and the pattern.' });
  }
  return loadPredictions(source);
}

/**
 * The prediction sets to evaluate, one per (source, model): each predictions file grouped by
 * `model_name_or_path` (a file may hold several models, and several files one model), or `gold`, the
 * dataset's own gold patches. A model found in one source gets the folder SWE-bench gives it (`org/model` →
 * `org__model`); one found in several gets `<file>--<model>`; every folder name is path-safe and unique.
 * Predictions for instances the dataset does not have are listed per set (`notInDataset`), and a file none
 * of whose predictions the dataset has is an error (the wrong dataset, or the wrong file). The same file
 * given twice, and a run in which no prediction is for a selected instance, are errors too.
 */
export async function loadPredictionSets(sources: readonly string[], instances: InstancesToEvaluate, dataset: string): Promise<PredictionSet[]> {
  const selected = new Set(instances.selected.map((instance) => instance.instanceId));
  const given = new Map<string, string>();
  const found: Array<Omit<PredictionSet, 'directory' | 'label'>> = [];
  for (const source of sources) {
    const identity = identityOf(source);
    if (given.has(identity))
      throw new UsageError(`--predictions ${source} is given twice${given.get(identity) === source ? '' : ` (as ${given.get(identity)})`}. Give each file once.`);
    given.set(identity, source);
    if (source === goldModelName) {
      found.push({
        model: goldModelName,
        source,
        patches: new Map(instances.selected.map((instance) => [instance.instanceId, instance.patch])),
        notInDataset: [],
        outsideSelection: 0,
      });
      continue;
    }
    const predictions = await loadSource(source);
    const ofFile = new Map<string, Omit<PredictionSet, 'directory' | 'label'>>();
    let inDataset = 0;
    for (const prediction of predictions) {
      let set = ofFile.get(prediction.model_name_or_path);
      if (!set) {
        set = { model: prediction.model_name_or_path, source, patches: new Map(), notInDataset: [], outsideSelection: 0 };
        ofFile.set(set.model, set);
      }
      if (!instances.datasetIds.has(prediction.instance_id)) set.notInDataset.push(prediction.instance_id);
      else {
        inDataset += 1;
        if (selected.has(prediction.instance_id)) set.patches.set(prediction.instance_id, prediction.model_patch);
        else set.outsideSelection += 1;
      }
    }
    if (inDataset === 0) {
      const ids = predictions.map((prediction) => prediction.instance_id);
      throw new DatasetError({
        file: source,
        reason:
          `none of its ${predictions.length} prediction(s) is for an instance of the dataset ${dataset} (${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''}). ` +
          'Check that the predictions and the dataset belong together.',
      });
    }
    found.push(...ofFile.values());
  }
  if (instances.selected.length > 0 && found.every((set) => set.patches.size === 0)) {
    throw new UsageError(`No prediction of ${sources.join(', ')} is for an instance that --instances selects. Check --instances, or the predictions files.`);
  }

  const sourcesOfModel = new Map<string, Set<string>>();
  for (const set of found) sourcesOfModel.set(set.model, (sourcesOfModel.get(set.model) ?? new Set()).add(set.source));
  const shared = (set: (typeof found)[number]): boolean => sourcesOfModel.get(set.model)!.size > 1;
  const directories = uniqueSegments(
    found,
    (set) => pathSegmentOf(shared(set) ? `${sourceStem(set.source)}--${set.model}` : set.model, { slashes: 'swe-bench' }),
    (set) => JSON.stringify([identityOf(set.source), set.model]),
  );
  return found.map((set) => ({ ...set, directory: directories.get(set)!, label: shared(set) ? `${displayName(set.model)} (${set.source})` : displayName(set.model) }));
}
