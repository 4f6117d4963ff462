/**
 * The markers SWE-bench's evaluation scripts print around the test run and on failure. An evaluation
 * log is graded only between the start and end markers, and not at all when a failure marker shows.
 */
export const evaluationLogMarkers = {
  startTestOutput: '>>>>> Start Test Output',
  endTestOutput: '>>>>> End Test Output',
  applyPatchFailed: '>>>>> Patch Apply Failed',
  resetFailed: '>>>>> Reset Failed',
  testsErrored: '>>>>> Tests Errored',
  testsTimedOut: '>>>>> Tests Timed Out',
} as const;

export type TestOutputExtraction =
  { found: true; output: string } | { found: false; reason: 'patch-apply-failed' | 'reset-failed' | 'tests-errored' | 'tests-timed-out' | 'no-test-output' };

/** The test output between the markers of an evaluation log, or why there is none (SWE-bench's `get_logs_eval`). */
export function extractTestOutput(log: string): TestOutputExtraction {
  if (log.includes(evaluationLogMarkers.applyPatchFailed)) return { found: false, reason: 'patch-apply-failed' };
  if (log.includes(evaluationLogMarkers.resetFailed)) return { found: false, reason: 'reset-failed' };
  if (log.includes(evaluationLogMarkers.testsErrored)) return { found: false, reason: 'tests-errored' };
  if (log.includes(evaluationLogMarkers.testsTimedOut)) return { found: false, reason: 'tests-timed-out' };
  const start = log.indexOf(evaluationLogMarkers.startTestOutput);
  const end = log.indexOf(evaluationLogMarkers.endTestOutput, start + 1);
  if (start === -1 || end === -1) return { found: false, reason: 'no-test-output' };
  return { found: true, output: log.slice(start + evaluationLogMarkers.startTestOutput.length, end) };
}
