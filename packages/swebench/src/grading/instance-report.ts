import { z } from 'zod';
import { extractTestOutput } from './evaluation-log-markers';
import { gradeTests, resolutionStatus, ResolutionStatusSchema, TestsStatusSchema, type TestsStatus } from './grade-tests';
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
    | { kind: 'log'; log: string }
    | { kind: 'not-applied'; output?: string }
    | { kind: 'infrastructure-failure'; failure: InfrastructureFailure }
    | { kind: 'test-output'; output: string };
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
    report.infrastructure_failure = evaluation.failure;
    return finish();
  }
  let output: string;
  if (evaluation.kind === 'log') {
    const extracted = extractTestOutput(evaluation.log);
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
  } else output = evaluation.output;
  report.patch_successfully_applied = true;
  const testStatuses = parseTestLog(options.logParser, output);
  const testsStatus = gradeTests(testStatuses, options);
  const status = resolutionStatus(testsStatus);
  report.resolved = status === 'RESOLVED_FULL';
  report.tests_status = testsStatus;
  report.resolution_status = status;
  report.test_statuses = testStatuses;
  return finish(testStatuses, testsStatus);
}
