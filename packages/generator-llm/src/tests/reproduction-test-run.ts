import { runGeneratedTest, type GeneratedTestOutcome } from '@codemonkeys/plugin-kit';
import { type InstanceSandbox } from '@codemonkeys/protocol';
import { capText } from '../edits/answer-text';

/**
 * What a run of the reproduction test says: core's generated-test outcomes (exit 2 = `not-fixed`, 0 =
 * `fixed`, other exits `error`, `timeout`, `not-applied` when the diff did not apply), plus
 * `sandbox-error` when the sandbox itself failed.
 */
export type TestVerdict = GeneratedTestOutcome | 'sandbox-error';

export interface TestRun {
  exitCode: number | null;
  verdict: TestVerdict;
  /** stdout and stderr, cut in the middle to the configured length. */
  output: string;
  timedOut: boolean;
  durationMs: number;
}

export interface ReproductionTestScript {
  /** Relative to the repository root. */
  path: string;
  content: string;
  command: string;
}

export interface TestRunRequest {
  test: ReproductionTestScript;
  /** The candidate's diff against the base commit; '' (default) runs the test on the original code. */
  diff?: string;
  timeoutMs: number;
  maxOutputCharacters: number;
  signal: AbortSignal;
}

/**
 * Runs a reproduction test in the instance's sandbox with core's `runGeneratedTest` (what selectors use
 * too, so a test means the same everywhere): a session reset to the base commit, the diff applied as
 * SWE-bench applies it, the script written at its path and run with its command under the time limit.
 * A failure of the sandbox itself is a `sandbox-error` run (shown to the model and recorded), not a
 * crash of the sample.
 */
export async function runReproductionTest(sandbox: InstanceSandbox, request: TestRunRequest): Promise<TestRun> {
  const started = performance.now();
  try {
    const cell = await sandbox.use((session) =>
      // Core keeps the end of the output; keep more of it, then cut the middle so the start (where a traceback begins) stays too.
      runGeneratedTest(session, request.diff ?? '', request.test, { timeoutMs: request.timeoutMs, maxOutputChars: request.maxOutputCharacters * 4 }),
    );
    return {
      exitCode: cell.exitCode,
      verdict: cell.outcome,
      output: capText(cell.output, request.maxOutputCharacters),
      timedOut: cell.outcome === 'timeout',
      durationMs: Math.round(cell.durationMs),
    };
  } catch (error) {
    if (request.signal.aborted) throw request.signal.reason ?? error;
    return {
      exitCode: null,
      verdict: 'sandbox-error',
      output: `The test could not be run: ${error instanceof Error ? error.message : String(error)}`,
      timedOut: false,
      durationMs: Math.round(performance.now() - started),
    };
  }
}
