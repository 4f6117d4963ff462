import { evaluatePatch, type EvaluatedInstance, type GradingError, type InfrastructureFailure, type PatchEvaluation } from '@codemonkeys/swebench';
import type { InstanceSandbox } from '@codemonkeys/protocol';

/** The SWE-bench verdict of one candidate as rewards (DESIGN §4 "gold tests"). */
export interface GoldTestVerdict {
  /** 1 when the candidate applied, 0 when it did not (an empty candidate counts as not applied, as in SWE-bench); null when the environment failed before trying. */
  applied: number | null;
  /** 1 resolved, 0 not resolved; null on an infrastructure failure (no verdict about the candidate). */
  resolved: number | null;
  /** FAIL_TO_PASS tests that pass / FAIL_TO_PASS tests; null on an infrastructure failure, when the candidate did not apply, or when the list is empty. */
  failToPass: number | null;
  /** PASS_TO_PASS tests that pass / PASS_TO_PASS tests; null like failToPass. */
  passToPass: number | null;
  /** SWE-bench's resolution status (`RESOLVED_FULL`, `RESOLVED_PARTIAL`, `RESOLVED_NO`). */
  resolutionStatus?: string;
  infrastructureFailure?: InfrastructureFailure;
  /** Why a log whose tests passed was not graded resolved (the test command failed, or the pytest session never finished): a candidate that forges results. */
  gradingError?: GradingError;
  /** The failing tests, for the record (at most 20 of each kind). */
  failing: { failToPass: string[]; passToPass: string[] };
  durationMs: number;
}

const fraction = (passed: number, total: number): number | null => (total === 0 ? null : passed / total);

/** The verdict of an evaluation (`evaluatePatch`'s result) as rewards. */
export function goldTestVerdictOf(evaluation: PatchEvaluation): GoldTestVerdict {
  const failure = evaluation.infrastructureFailure;
  const applied = evaluation.application.applied === 'not-tried' ? (evaluation.report.patch_exists ? null : 0) : evaluation.application.applied ? 1 : 0;
  const status = evaluation.testsStatus;
  const ran = !failure && applied === 1 && status !== undefined;
  return {
    applied,
    resolved: failure ? null : evaluation.resolved ? 1 : 0,
    failToPass: ran ? fraction(status.FAIL_TO_PASS.success.length, status.FAIL_TO_PASS.success.length + status.FAIL_TO_PASS.failure.length) : null,
    passToPass: ran ? fraction(status.PASS_TO_PASS.success.length, status.PASS_TO_PASS.success.length + status.PASS_TO_PASS.failure.length) : null,
    ...(evaluation.report.resolution_status ? { resolutionStatus: evaluation.report.resolution_status } : {}),
    ...(failure ? { infrastructureFailure: failure } : {}),
    ...(evaluation.report.grading_error ? { gradingError: evaluation.report.grading_error } : {}),
    failing: { failToPass: status?.FAIL_TO_PASS.failure.slice(0, 20) ?? [], passToPass: status?.PASS_TO_PASS.failure.slice(0, 20) ?? [] },
    durationMs: Math.round(evaluation.durationMs),
  };
}

/**
 * Evaluates a candidate as SWE-bench does in the instance's sandbox and returns its verdict. A candidate
 * that changes nothing is SWE-bench's empty patch: not applied and not resolved, without running anything.
 */
export async function evaluateGoldTests(options: { instance: EvaluatedInstance; diff: string; instanceSandbox: InstanceSandbox; timeoutMs?: number }): Promise<GoldTestVerdict> {
  const patch = options.diff.trim() === '' ? null : options.diff;
  const evaluation = await evaluatePatch({
    instance: options.instance,
    patch,
    instanceSandbox: options.instanceSandbox,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  });
  return goldTestVerdictOf(evaluation);
}
