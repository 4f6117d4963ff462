import { z } from 'zod';

/** The statuses SWE-bench's log parsers report for a test. */
export const TestStatusSchema = z.enum(['PASSED', 'FAILED', 'SKIPPED', 'ERROR', 'XFAIL']);
export type TestStatus = z.output<typeof TestStatusSchema>;
export const testStatuses = TestStatusSchema.options;

/** Test name → status, as parsed from one test log (the last report of a test wins). */
export type TestStatusMap = Record<string, TestStatus>;
