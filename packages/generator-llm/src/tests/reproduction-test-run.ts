import type { InstanceSandbox } from '@codemonkeys/core';
import { capText } from '../edits/answer-text';

/** What a run of the reproduction test says, by CodeMonkeys' contract: exit 2 = not fixed, 0 = fixed. */
export type TestVerdict = 'not-fixed' | 'fixed' | 'error' | 'timeout' | 'sandbox-error';

export interface TestRun {
  exitCode: number | null;
  verdict: TestVerdict;
  /** stdout, then stderr, cut in the middle to the configured length. */
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
  /** Files to put in before the run (null deletes): the candidate's changes; none for the original code. */
  files?: ReadonlyMap<string, string | null>;
  timeoutMs: number;
  maxOutputCharacters: number;
  signal: AbortSignal;
}

export function verdictOf(exitCode: number | null, timedOut: boolean): TestVerdict {
  if (timedOut) return 'timeout';
  if (exitCode === 2) return 'not-fixed';
  if (exitCode === 0) return 'fixed';
  return 'error';
}

/**
 * Runs a reproduction test in the instance's sandbox: a session reset to the base commit, the candidate's
 * files written over it (when given), the script put at its path and run with its command from the
 * repository root, under the timeout. A failure of the sandbox itself is a `sandbox-error` run (shown to
 * the model and recorded), not a crash of the sample.
 */
export async function runReproductionTest(sandbox: InstanceSandbox, request: TestRunRequest): Promise<TestRun> {
  const started = performance.now();
  try {
    return await sandbox.use(async (session) => {
      const writes = [...(request.files ?? new Map<string, string | null>())];
      const deletions = writes.filter(([, content]) => content === null).map(([path]) => path);
      const puts = writes.filter((entry): entry is [string, string] => entry[1] !== null).map(([path, content]) => ({ path, content }));
      if (puts.length > 0) await session.putFiles(puts);
      if (deletions.length > 0) await session.exec(['rm', '-f', '--', ...deletions], { timeoutMs: 60_000 });
      await session.putFiles([{ path: request.test.path, content: request.test.content }]);
      const result = await session.exec(['sh', '-c', request.test.command], {
        timeoutMs: request.timeoutMs,
        // Bytes, not characters; the text is cut again to the exact length below.
        maxOutputBytes: Math.max(4096, request.maxOutputCharacters * 4),
      });
      const output = result.stderr.trim() === '' ? result.stdout : `${result.stdout}${result.stdout.endsWith('\n') || result.stdout === '' ? '' : '\n'}--- stderr ---\n${result.stderr}`;
      return {
        exitCode: result.exitCode,
        verdict: verdictOf(result.exitCode, result.timedOut),
        output: capText(output, request.maxOutputCharacters),
        timedOut: result.timedOut,
        durationMs: Math.round(performance.now() - started),
      };
    });
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
