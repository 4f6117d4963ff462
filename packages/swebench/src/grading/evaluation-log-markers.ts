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
  | {
      found: true;
      output: string;
      /** The test command's exit status, as the end marker of a log written by `composeTestLog` records it (null: killed or unknown); absent in SWE-bench's own logs. */
      exitCode?: number | null;
    }
  | { found: false; reason: 'patch-apply-failed' | 'reset-failed' | 'tests-errored' | 'tests-timed-out' | 'no-test-output' };

/** A nonce is 32 lowercase hex digits: nothing else can be confused with the end of a marker line. */
const noncePattern = /^[0-9a-f]{32}$/;

/** The start and end marker lines of a test run whose log carries `nonce` (the end line also records the exit status). */
export function nonceMarkers(nonce: string): { start: string; end: (exitCode: number | null) => string; endPrefix: string } {
  if (!noncePattern.test(nonce)) throw new TypeError(`A test-output nonce is 32 hex digits, not "${nonce}".`);
  const endPrefix = `${evaluationLogMarkers.endTestOutput} ${nonce} exit `;
  return {
    start: `${evaluationLogMarkers.startTestOutput} ${nonce}`,
    end: (exitCode) => `${endPrefix}${exitCode === null ? 'unknown' : exitCode}`,
    endPrefix,
  };
}

/**
 * The evaluation log of a test run whose output the harness captured itself, outside the sandbox:
 * what ran before the tests (pre-test commands, on stderr), then the test output between marker lines
 * that carry `nonce`, the end line with the test command's exit status. The nonce never enters the
 * sandbox, so code under test cannot print a marker that `extractTestOutput(log, { nonce })` accepts.
 */
export function composeTestLog(options: { nonce: string; before: string; output: string; exitCode: number | null }): string {
  const markers = nonceMarkers(options.nonce);
  const before = options.before === '' || options.before.endsWith('\n') ? options.before : `${options.before}\n`;
  const output = options.output === '' || options.output.endsWith('\n') ? options.output : `${options.output}\n`;
  return `${before}${markers.start}\n${output}${markers.end(options.exitCode)}\n`;
}

/**
 * The test output between the markers of an evaluation log, or why there is none (SWE-bench's
 * `get_logs_eval`). With `nonce` (logs of codemonkeys' grader) only marker lines carrying it count:
 * the output runs from the first start line to the last end line, so lines the tests print, failure
 * markers and marker look-alikes included, are output and nothing else; the end line's exit status is
 * returned. Without it (SWE-bench's logs), SWE-bench's rules: a failure marker anywhere means no output.
 */
export function extractTestOutput(log: string, options: { nonce?: string } = {}): TestOutputExtraction {
  if (options.nonce !== undefined) return extractNonceOutput(log, options.nonce);
  if (log.includes(evaluationLogMarkers.applyPatchFailed)) return { found: false, reason: 'patch-apply-failed' };
  if (log.includes(evaluationLogMarkers.resetFailed)) return { found: false, reason: 'reset-failed' };
  if (log.includes(evaluationLogMarkers.testsErrored)) return { found: false, reason: 'tests-errored' };
  if (log.includes(evaluationLogMarkers.testsTimedOut)) return { found: false, reason: 'tests-timed-out' };
  const start = log.indexOf(evaluationLogMarkers.startTestOutput);
  const end = log.indexOf(evaluationLogMarkers.endTestOutput, start + 1);
  if (start === -1 || end === -1) return { found: false, reason: 'no-test-output' };
  return { found: true, output: log.slice(start + evaluationLogMarkers.startTestOutput.length, end) };
}

function extractNonceOutput(log: string, nonce: string): TestOutputExtraction {
  const markers = nonceMarkers(nonce);
  const startLine = `${markers.start}\n`;
  const start = log.startsWith(startLine) ? 0 : log.indexOf(`\n${startLine}`) + 1;
  if (start === 0 && !log.startsWith(startLine)) return { found: false, reason: 'no-test-output' };
  const outputStart = start + startLine.length;
  const end = log.lastIndexOf(`\n${markers.endPrefix}`);
  if (end + 1 < outputStart) return { found: false, reason: 'no-test-output' };
  const endLine = log.slice(end + 1).split('\n', 1)[0]!;
  const status = endLine.slice(markers.endPrefix.length);
  const exitCode = status === 'unknown' ? null : /^-?\d+$/.test(status) ? Number(status) : undefined;
  if (exitCode === undefined) return { found: false, reason: 'no-test-output' };
  return { found: true, output: log.slice(outputStart, end + 1), exitCode };
}
