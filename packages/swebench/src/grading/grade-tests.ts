import { z } from 'zod';
import type { TestStatusMap } from './test-status';

/** success/failure lists per category, as in SWE-bench's `tests_status`. */
export const TestOutcomeListsSchema = z.object({ success: z.array(z.string()), failure: z.array(z.string()) });
export const TestsStatusSchema = z.object({
  FAIL_TO_PASS: TestOutcomeListsSchema,
  PASS_TO_PASS: TestOutcomeListsSchema,
  FAIL_TO_FAIL: TestOutcomeListsSchema,
  PASS_TO_FAIL: TestOutcomeListsSchema,
});
export type TestsStatus = z.output<typeof TestsStatusSchema>;

export const ResolutionStatusSchema = z.enum(['RESOLVED_FULL', 'RESOLVED_PARTIAL', 'RESOLVED_NO']);
export type ResolutionStatus = z.output<typeof ResolutionStatusSchema>;

/** PASSED and XFAIL count as passing. */
export const testPassed = (test: string, statuses: TestStatusMap): boolean => {
  const status = Object.hasOwn(statuses, test) ? statuses[test] : undefined;
  return status === 'PASSED' || status === 'XFAIL';
};
/** Missing, FAILED and ERROR count as failing; SKIPPED is neither (as in SWE-bench). */
export const testFailed = (test: string, statuses: TestStatusMap): boolean => {
  const status = Object.hasOwn(statuses, test) ? statuses[test] : undefined;
  return status === undefined || status === 'FAILED' || status === 'ERROR';
};

/** Sorts the expected tests into success and failure lists (SWE-bench's `get_eval_tests_report`). */
export function gradeTests(statuses: TestStatusMap, expected: { failToPass: readonly string[]; passToPass: readonly string[] }): TestsStatus {
  const sort = (tests: readonly string[]) => {
    const lists = { success: [] as string[], failure: [] as string[] };
    for (const test of tests) {
      if (testPassed(test, statuses)) lists.success.push(test);
      else if (testFailed(test, statuses)) lists.failure.push(test);
    }
    return lists;
  };
  return {
    FAIL_TO_PASS: sort(expected.failToPass),
    PASS_TO_PASS: sort(expected.passToPass),
    FAIL_TO_FAIL: { success: [], failure: [] },
    PASS_TO_FAIL: { success: [], failure: [] },
  };
}

const ratio = (lists: { success: string[]; failure: string[] }): number => {
  const total = lists.success.length + lists.failure.length;
  return total === 0 ? 1 : lists.success.length / total;
};

/**
 * RESOLVED_FULL when every FAIL_TO_PASS and PASS_TO_PASS test passes; RESOLVED_PARTIAL when some
 * (not all, not none) FAIL_TO_PASS pass and every PASS_TO_PASS does; RESOLVED_NO otherwise. A test
 * that is neither passing nor failing (SKIPPED) is left out of both lists, as in SWE-bench.
 */
export function resolutionStatus(testsStatus: TestsStatus): ResolutionStatus {
  const failToPass = ratio(testsStatus.FAIL_TO_PASS);
  const passToPass = ratio(testsStatus.PASS_TO_PASS);
  if (failToPass === 1 && passToPass === 1) return 'RESOLVED_FULL';
  if (failToPass > 0 && failToPass < 1 && passToPass === 1) return 'RESOLVED_PARTIAL';
  return 'RESOLVED_NO';
}
