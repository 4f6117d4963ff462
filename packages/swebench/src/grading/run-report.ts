import { z } from 'zod';
import type { InstanceReport } from './instance-report';

/** SWE-bench's run report (`<model>.<run_id>.json`, schema_version 2), plus `infrastructure_failure_ids`. */
export const RunReportSchema = z.object({
  total_instances: z.number().int(),
  submitted_instances: z.number().int(),
  completed_instances: z.number().int(),
  resolved_instances: z.number().int(),
  unresolved_instances: z.number().int(),
  empty_patch_instances: z.number().int(),
  error_instances: z.number().int(),
  unstopped_instances: z.number().int(),
  completed_ids: z.array(z.string()),
  incomplete_ids: z.array(z.string()),
  empty_patch_ids: z.array(z.string()),
  submitted_ids: z.array(z.string()),
  resolved_ids: z.array(z.string()),
  unresolved_ids: z.array(z.string()),
  error_ids: z.array(z.string()),
  unstopped_containers: z.array(z.string()),
  unremoved_images: z.array(z.string()),
  /** Instances whose evaluation failed for environment reasons (a subset of `error_ids`), with why. */
  infrastructure_failure_ids: z.array(z.string()),
  /** Instances whose patch did not apply (a subset of `error_ids`, as SWE-bench raises an evaluation error for them). */
  patch_apply_failed_ids: z.array(z.string()),
  /** Instances graded not resolved because the log and the test command's exit status disagree (a subset of `unresolved_ids`: see `grading_error` in their reports). */
  grading_error_ids: z.array(z.string()).default([]),
  schema_version: z.literal(2),
});
export type RunReport = z.output<typeof RunReportSchema>;

export interface RunReportOptions {
  /** Every instance id of the dataset that was evaluated against. */
  datasetInstanceIds: readonly string[];
  /** instance id → the submitted patch (null or '' = empty). */
  predictions: ReadonlyMap<string, string | null> | Readonly<Record<string, string | null>>;
  /** instance id → its report, for instances whose evaluation finished (report.json written). */
  reports: ReadonlyMap<string, InstanceReport> | Readonly<Record<string, InstanceReport>>;
  unstoppedContainers?: readonly string[];
  unremovedImages?: readonly string[];
}

const sorted = (values: Iterable<string>): string[] => [...values].sort();
const entries = <T>(value: ReadonlyMap<string, T> | Readonly<Record<string, T>>): Map<string, T> =>
  value instanceof Map ? new Map(value) : new Map(Object.entries(value as Record<string, T>));

/**
 * The run report as SWE-bench's `make_run_report` computes it: instances without a prediction are
 * incomplete, empty patches are counted apart (not run), an instance with a report is completed and
 * resolved or unresolved when its tests ran, and an error otherwise: no report, a patch that did
 * not apply (SWE-bench raises an evaluation error there), or an infrastructure failure (listed apart
 * in `infrastructure_failure_ids`: such a verdict says nothing about the patch).
 */
export function createRunReport(options: RunReportOptions): RunReport {
  const predictions = entries(options.predictions);
  const reports = entries(options.reports);
  const completed = new Set<string>();
  const resolved = new Set<string>();
  const unresolved = new Set<string>();
  const errors = new Set<string>();
  const infrastructure = new Set<string>();
  const notApplied = new Set<string>();
  const gradingErrors = new Set<string>();
  const incomplete = new Set<string>();
  const emptyPatch = new Set<string>();
  for (const instanceId of options.datasetInstanceIds) {
    if (!predictions.has(instanceId)) {
      incomplete.add(instanceId);
      continue;
    }
    const patch = predictions.get(instanceId);
    if (patch === null || patch === undefined || patch === '') {
      emptyPatch.add(instanceId);
      continue;
    }
    const report = reports.get(instanceId);
    if (report && report.patch_successfully_applied && !report.infrastructure_failure) {
      completed.add(instanceId);
      (report.resolved ? resolved : unresolved).add(instanceId);
      if (report.grading_error) gradingErrors.add(instanceId);
    } else {
      errors.add(instanceId);
      if (report?.infrastructure_failure) infrastructure.add(instanceId);
      else if (report) notApplied.add(instanceId);
    }
  }
  const unstoppedContainers = sorted(options.unstoppedContainers ?? []);
  return {
    total_instances: options.datasetInstanceIds.length,
    submitted_instances: predictions.size,
    completed_instances: completed.size,
    resolved_instances: resolved.size,
    unresolved_instances: unresolved.size,
    empty_patch_instances: emptyPatch.size,
    error_instances: errors.size,
    unstopped_instances: unstoppedContainers.length,
    completed_ids: sorted(completed),
    incomplete_ids: sorted(incomplete),
    empty_patch_ids: sorted(emptyPatch),
    submitted_ids: sorted(predictions.keys()),
    resolved_ids: sorted(resolved),
    unresolved_ids: sorted(unresolved),
    error_ids: sorted(errors),
    unstopped_containers: unstoppedContainers,
    unremoved_images: sorted(options.unremovedImages ?? []),
    infrastructure_failure_ids: sorted(infrastructure),
    patch_apply_failed_ids: sorted(notApplied),
    grading_error_ids: sorted(gradingErrors),
    schema_version: 2,
  };
}
