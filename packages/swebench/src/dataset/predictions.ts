import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { DatasetError, formatZodError } from '@codemonkeys/protocol';
import { parseJsonLines } from './json-lines';

/** One prediction as SWE-bench's harness reads it (`predictions.jsonl`). */
export const PredictionSchema = z.looseObject({
  instance_id: z.string().min(1),
  model_name_or_path: z.string().min(1),
  /** The candidate diff; null (or absent) means the model produced no patch. */
  model_patch: z.string().nullable().default(null),
});
export type Prediction = z.output<typeof PredictionSchema>;

function parsePrediction(record: unknown, file: string, line: number | undefined, label: string): Prediction {
  const result = PredictionSchema.safeParse(record);
  if (result.success) return result.data;
  throw new DatasetError({
    file,
    ...(line !== undefined ? { line } : {}),
    reason: `${label} is not a SWE-bench prediction:\n${formatZodError(result.error)}\nEach prediction needs instance_id, model_name_or_path and model_patch (a diff, or null).`,
  });
}

/**
 * Loads SWE-bench predictions: JSONL (one prediction per line), a JSON array, or a JSON object keyed
 * by instance id (the harness accepts all three). A file may hold several models' predictions, so one
 * instance may appear once per `model_name_or_path`; the same (model, instance) twice is an error naming
 * both lines, because which of the two to evaluate would be a guess.
 */
export async function loadPredictions(file: string): Promise<Prediction[]> {
  let text: string;
  try {
    text = (await fs.readFile(file, 'utf8')).replace(/^\uFEFF/, '');
  } catch (error) {
    throw new DatasetError({ file, reason: `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}). Check the path.`, cause: error });
  }
  const trimmed = text.trimStart();
  let predictions: Prediction[];
  /** Where each prediction is, for error messages: line 3 (JSONL) or element 2 (JSON array). */
  let places: Array<{ label: string; line?: number }> = [];
  if (path.extname(file).toLowerCase() === '.json' || (!file.toLowerCase().endsWith('.jsonl') && (trimmed.startsWith('[') || /^\{\s*"[^"]*"\s*:\s*\{/.test(trimmed)))) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new DatasetError({ file, reason: `not valid JSON (${(error as Error).message}).`, cause: error });
    }
    if (Array.isArray(value)) {
      predictions = value.map((record, index) => parsePrediction(record, file, undefined, `element ${index}`));
      places = predictions.map((_, index) => ({ label: `element ${index}` }));
    } else if (typeof value === 'object' && value !== null) {
      predictions = Object.entries(value).map(([key, record]) =>
        parsePrediction(typeof record === 'object' && record !== null ? { instance_id: key, ...record } : record, file, undefined, `entry "${key}"`),
      );
    } else throw new DatasetError({ file, reason: 'a JSON predictions file must be an array of predictions or an object keyed by instance id.' });
  } else {
    const lines: number[] = [];
    predictions = parseJsonLines(text, file, (record, line) => {
      lines.push(line);
      return parsePrediction(record, file, line, 'line');
    });
    places = lines.map((line) => ({ label: `line ${line}`, line }));
  }
  // An empty file is a mistake (a failed export, the wrong path), never "no predictions": scoring it would
  // print an empty scorecard and exit as if all went well.
  if (predictions.length === 0) throw new DatasetError({ file, reason: 'holds no predictions (it is empty or blank). Check the path, or the run that should have written it.' });
  // An object keyed by instance id cannot repeat an instance; arrays and JSONL can.
  const seen = new Map<string, number>();
  predictions.forEach((prediction, index) => {
    const key = JSON.stringify([prediction.model_name_or_path, prediction.instance_id]);
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, index);
      return;
    }
    const place = (at: number): string => places[at]?.label ?? `entry ${at + 1}`;
    const line = places[index]?.line;
    throw new DatasetError({
      file,
      ...(line === undefined ? {} : { line }),
      reason:
        `the model ${JSON.stringify(prediction.model_name_or_path)} has two predictions for instance ${JSON.stringify(prediction.instance_id)} (${place(first)} and ${place(index)}). ` +
        'Keep one (different models may predict the same instance; the same model only once).',
    });
  });
  return predictions;
}

/** Predictions as JSONL text, one per line, in the order given. */
export function formatPredictionsJsonl(predictions: readonly Prediction[]): string {
  return predictions.map((prediction) => JSON.stringify(PredictionSchema.parse(prediction))).join('\n') + (predictions.length > 0 ? '\n' : '');
}

/** Writes predictions as JSONL (atomically: a temporary file renamed into place). */
export async function writePredictions(file: string, predictions: readonly Prediction[]): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await fs.mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await fs.writeFile(temporary, formatPredictionsJsonl(predictions));
  await fs.rename(temporary, file);
}
