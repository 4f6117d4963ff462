import { z } from 'zod';
import { extractTestOutput } from './evaluation-log-markers';
import { gradeTests, resolutionStatus, ResolutionStatusSchema, TestsStatusSchema, type ResolutionStatus, type TestsStatus } from './grade-tests';
import { parseTestLog, type LogParserName } from './log-parsers';
import { TestStatusSchema, type TestStatusMap } from './test-status';

/**
 * Why an evaluation produced no verdict about the patch itself: the environment failed, not the
 * candidate. Reported apart from test failures so that a broken image is not read as a bad patch.
 * `test-patch`: the instance's test patch did not apply on top of the candidate (a dataset or
 * environment problem, or a candidate that edits the test files); SWE-bench's harness gives no
 * verdict then either.
 */
export const InfrastructureFailureKindSchema = z.enum(['build', 'reset', 'timeout', 'daemon', 'tests-errored', 'no-test-output', 'test-patch', 'other']);
export type InfrastructureFailureKind = z.output<typeof InfrastructureFailureKindSchema>;
export const InfrastructureFailureSchema = z.object({ kind: InfrastructureFailureKindSchema, message: z.string() });
export type InfrastructureFailure = z.output<typeof InfrastructureFailureSchema>;

/**
 * The version of the grading rules: bumped whenever a change can turn a verdict (caches of verdicts and
 * environment validations key on it). 2: the grader's own nonce markers, the exit-status cross-check,
 * pytest's completion guard and the reset of files that run the tests.
 */
export const graderVersion = 2;

/**
 * Why a log whose tests parse as passing is still not graded resolved: the test command exited with a
 * failure (or was killed) while every test the log shows passed (`exit-status-mismatch`: what fake
 * PASSED lines printed after the real results leave), or the pytest session never finished although
 * the log shows results (`runner-did-not-finish`: results printed before an early exit). A verdict
 * about the candidate (not resolved), not an infrastructure failure.
 */
export const GradingErrorSchema = z.object({ kind: z.enum(['exit-status-mismatch', 'runner-did-not-finish']), message: z.string() });
export type GradingError = z.output<typeof GradingErrorSchema>;

/** How the test command ran, as codemonkeys' grader recorded it outside the sandbox. */
export const TestRunRecordSchema = z.object({
  /** The test command's exit status; null when it was killed or its status is unknown. */
  exit_code: z.number().int().nullable(),
  /** The nonce of the log's marker lines (`test_output.txt`): regrading accepts only markers that carry it. */
  markers_nonce: z.string().optional(),
  /** Whether the pytest session finished (recorded by the grader's completion guard); absent for other runners. */
  session_finished: z.boolean().optional(),
  /** Files the candidate changed that run the tests (conftest.py, the runner script, …), put back to the base commit before the run. */
  runner_files_reset: z.array(z.string()).optional(),
});
export type TestRunRecord = z.output<typeof TestRunRecordSchema>;

/**
 * One instance's entry of SWE-bench's `report.json` (`{ [instance_id]: InstanceReport }`), with three
 * additions: `resolution_status`, `test_statuses` (every parsed test) and `infrastructure_failure`.
 */
export const InstanceReportSchema = z.object({
  patch_is_None: z.boolean(),
  patch_exists: z.boolean(),
  patch_successfully_applied: z.boolean(),
  resolved: z.boolean(),
  tests_status: TestsStatusSchema.optional(),
  resolution_status: ResolutionStatusSchema.optional(),
  test_statuses: z.record(z.string(), TestStatusSchema).optional(),
  infrastructure_failure: InfrastructureFailureSchema.optional(),
  grading_error: GradingErrorSchema.optional(),
  test_run: TestRunRecordSchema.optional(),
});
export type InstanceReport = z.output<typeof InstanceReportSchema>;
export const InstanceReportFileSchema = z.record(z.string(), InstanceReportSchema);

export interface GradeEvaluationOptions {
  instanceId: string;
  failToPass: readonly string[];
  passToPass: readonly string[];
  /** The candidate diff; null means "no patch" (SWE-bench's `patch_is_None`). */
  patch: string | null;
  logParser: LogParserName;
  /**
   * What the evaluation produced: the whole log with SWE-bench's markers (`log`), or its parts when
   * the caller ran the steps itself.
   */
  evaluation:
    | {
        kind: 'log';
        log: string;
        /** The nonce of the log's markers (codemonkeys' grader): only markers carrying it count, and the exit status they record is cross-checked. */
        nonce?: string;
        /** Files put back to the base commit before the run, for the record. */
        runnerFilesReset?: readonly string[];
        /** Whether the pytest session finished (the grader's completion guard); undefined when the runner has no guard. */
        sessionFinished?: boolean;
      }
    | { kind: 'not-applied'; output?: string }
    | {
        kind: 'infrastructure-failure';
        failure: InfrastructureFailure;
        /** The candidate had applied before the environment failed (a timeout of the tests, say): `patch_successfully_applied` says so. */
        applied?: boolean;
      }
    | { kind: 'test-output'; output: string; exitCode?: number | null };
}

export interface GradedEvaluation {
  report: InstanceReport;
  /** `{ [instanceId]: report }`, the content of SWE-bench's per-instance report.json. */
  reportFile: Record<string, InstanceReport>;
  testStatuses: TestStatusMap;
  testsStatus?: TestsStatus;
}

/**
 * Grades one evaluation as SWE-bench's `get_eval_report` does: no patch → not applied; a log with a
 * failure marker or without test output → not applied and not resolved (here also reported as
 * `infrastructure_failure` when the failure was the environment's: timeout, reset, errored tests);
 * otherwise the tests are parsed and graded, resolved iff every FAIL_TO_PASS and PASS_TO_PASS test
 * passes (missing tests fail).
 */
export function gradeEvaluation(options: GradeEvaluationOptions): GradedEvaluation {
  const report: InstanceReport = { patch_is_None: false, patch_exists: false, patch_successfully_applied: false, resolved: false };
  const finish = (testStatuses: TestStatusMap = {}, testsStatus?: TestsStatus): GradedEvaluation => ({
    report,
    reportFile: { [options.instanceId]: report },
    testStatuses,
    ...(testsStatus ? { testsStatus } : {}),
  });
  if (options.patch === null) {
    report.patch_is_None = true;
    return finish();
  }
  report.patch_exists = true;
  const evaluation = options.evaluation;
  if (evaluation.kind === 'not-applied') return finish();
  if (evaluation.kind === 'infrastructure-failure') {
    if (evaluation.applied) report.patch_successfully_applied = true;
    report.infrastructure_failure = evaluation.failure;
    return finish();
  }
  let output: string;
  let exitCode: number | null | undefined;
  if (evaluation.kind === 'log') {
    const extracted = extractTestOutput(evaluation.log, evaluation.nonce === undefined ? {} : { nonce: evaluation.nonce });
    if (!extracted.found) {
      const failures: Partial<Record<typeof extracted.reason, InfrastructureFailure>> = {
        'reset-failed': { kind: 'reset', message: 'resetting the repository before the test run failed' },
        'tests-errored': { kind: 'tests-errored', message: 'the test command errored before producing results' },
        'tests-timed-out': { kind: 'timeout', message: 'the test run timed out' },
        'no-test-output': { kind: 'no-test-output', message: 'the log has no test output between the start and end markers' },
      };
      const failure = failures[extracted.reason];
      if (failure) report.infrastructure_failure = failure;
      return finish();
    }
    output = extracted.output;
    exitCode = extracted.exitCode;
    if (exitCode !== undefined)
      report.test_run = {
        exit_code: exitCode,
        ...(evaluation.nonce === undefined ? {} : { markers_nonce: evaluation.nonce }),
        ...(evaluation.sessionFinished === undefined ? {} : { session_finished: evaluation.sessionFinished }),
        ...(evaluation.runnerFilesReset?.length ? { runner_files_reset: [...evaluation.runnerFilesReset] } : {}),
      };
  } else {
    output = evaluation.output;
    exitCode = evaluation.exitCode;
    if (exitCode !== undefined) report.test_run = { exit_code: exitCode };
  }
  report.patch_successfully_applied = true;
  const testStatuses = parseTestLog(options.logParser, output);
  const testsStatus = gradeTests(testStatuses, options);
  let status = resolutionStatus(testsStatus);
  report.tests_status = testsStatus;
  report.test_statuses = testStatuses;
  const mismatch =
    status === 'RESOLVED_FULL' && report.test_run?.session_finished === false
      ? ({
          kind: 'runner-did-not-finish',
          message: 'the log shows passing tests, but the pytest session never finished: results printed before the runner stopped are not graded',
        } as const)
      : exitCode === undefined
        ? undefined
        : exitStatusMismatch(status, exitCode, testStatuses);
  if (mismatch) {
    report.grading_error = mismatch;
    status = 'RESOLVED_NO';
  }
  report.resolved = status === 'RESOLVED_FULL';
  report.resolution_status = status;
  return finish(testStatuses, testsStatus);
}

/**
 * The cross-check of the parse with the test command's exit status: a log in which the expected tests
 * pass and no test fails, from a command that exited with a failure or was killed, is not a pass —
 * test runners exit non-zero only when something failed, so the failure is missing from the log, which
 * is what printed look-alike results (or a runner stopped before its summary) leave. Only a grade that
 * would resolve is checked: any other grade stays as it is, whatever the exit status.
 */
function exitStatusMismatch(status: ResolutionStatus, exitCode: number | null, statuses: TestStatusMap): GradingError | undefined {
  if (exitCode === 0 || status !== 'RESOLVED_FULL') return undefined;
  const failing = Object.values(statuses).some((value) => value === 'FAILED' || value === 'ERROR');
  if (failing) return undefined;
  return {
    kind: 'exit-status-mismatch',
    message: `every test in the log passed, but the test command ${exitCode === null ? 'was killed' : `exited with ${exitCode}`}: the log does not show what failed, so it is not graded resolved`,
  };
}
