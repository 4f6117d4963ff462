import { createHash } from 'node:crypto';
import path from 'node:path';

/**
 * Where an evaluation writes, as SWE-bench lays out its logs:
 *   <output>/<run id>/<model>/<instance id>/{report.json, patch.diff, eval.sh, test_output.txt, run_instance.log}
 *   <output>/<run id>/<model>.<run id>.json        the run report (schema_version 2)
 * Model names are made path-safe as the harness does (`/` → `__`).
 */
export interface EvaluationLayout {
  readonly runId: string;
  readonly runDirectory: string;
  instanceDirectory(model: string, instanceId: string): string;
  runReportFile(model: string): string;
  /** `--check-spec`: per-instance folders for the gold and base runs, and the summary. */
  checkDirectory(instanceId: string, which: 'gold' | 'base'): string;
  checkFile(instanceId: string): string;
  checkSummaryFile(): string;
}

export const modelDirectoryName = (model: string): string => model.replaceAll('/', '__');

export function evaluationLayout(output: string, runId: string): EvaluationLayout {
  const runDirectory = path.resolve(output, runId);
  return {
    runId,
    runDirectory,
    instanceDirectory: (model, instanceId) => path.join(runDirectory, modelDirectoryName(model), instanceId),
    runReportFile: (model) => path.join(runDirectory, `${modelDirectoryName(model)}.${runId}.json`),
    checkDirectory: (instanceId, which) => path.join(runDirectory, 'environment-check', instanceId, which),
    checkFile: (instanceId) => path.join(runDirectory, 'environment-check', instanceId, 'check.json'),
    checkSummaryFile: () => path.join(runDirectory, `environment-check.${runId}.json`),
  };
}

/**
 * The run id when none is given: derived from what is evaluated (dataset, predictions, instance filter,
 * mode), so that running the same command again resumes the same run instead of starting over.
 */
export function defaultRunId(parts: { dataset: string; predictions: readonly string[]; instances: readonly string[]; checkSpec: boolean }): string {
  const key = JSON.stringify([
    path.resolve(parts.dataset),
    parts.predictions.map((file) => (file === 'gold' ? file : path.resolve(file))),
    [...parts.instances].sort(),
    parts.checkSpec,
  ]);
  const name = parts.checkSpec
    ? 'check-spec'
    : parts.predictions.length === 1
      ? parts.predictions[0] === 'gold'
        ? 'gold'
        : path.basename(parts.predictions[0]!).replace(/\.(jsonl?|json)$/i, '')
      : 'predictions';
  return `${name.replace(/[^\w.-]/g, '_')}-${createHash('sha256').update(key).digest('hex').slice(0, 8)}`;
}
