import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { applyDiffInSession } from '@codemonkeys/plugin-kit';
import { CodemonkeysError, SandboxError, SandboxTimeoutError, type Instance, type InstanceSandbox, type SandboxSession } from '@codemonkeys/protocol';
import { environmentWorkdir, type EnvironmentSpec } from '../environment/environment-spec';
import { findEnvironmentSpec } from '../environment/find-environment-spec';
import type { TestsStatus } from '../grading/grade-tests';
import { gradeEvaluation, type InfrastructureFailure, type InstanceReport } from '../grading/instance-report';
import type { TestStatusMap } from '../grading/test-status';
import { environmentShell, sandboxEnvironment } from './environment-shell';
import { EnvironmentImageError, EnvironmentSetupError } from './evaluation-errors';
import { composeTestLog } from '../grading/evaluation-log-markers';
import { pathsOfDiff, prepareTestsScript, runnerFilesOf, testRunScript } from './evaluation-scripts';
import { runnerGuardFor } from './runner-guard';

/** The instance with its gold test data: FAIL_TO_PASS, PASS_TO_PASS and the test patch. */
export type EvaluatedInstance = Pick<Instance, 'instanceId' | 'repo' | 'baseCommit' | 'version' | 'testPatch' | 'failToPass' | 'passToPass'>;

export interface EvaluatePatchOptions {
  instance: EvaluatedInstance;
  /** The candidate diff; '' changes nothing (the base commit is tested); null is SWE-bench's "no patch" (nothing runs). */
  patch: string | null;
  /** Where to run: an instance sandbox (a session is borrowed and reset afterwards)… */
  instanceSandbox?: InstanceSandbox;
  /** …or a session you manage (it is left patched: reset it before reusing it). */
  session?: SandboxSession;
  /** The environment; default the instance sandbox's spec, else the instance's built-in spec. */
  spec?: EnvironmentSpec;
  /** Time limit of the test run (default the spec's `testTimeoutSeconds`); past it the verdict is an infrastructure failure. */
  timeoutMs?: number;
  /** Time limit of applying the candidate and the test patch (default 2 minutes each). */
  applyTimeoutMs?: number;
}

/** How the candidate went in: applied (and how), not applied, or not tried (no patch, or the sandbox failed first). */
export type CandidateApplication = { applied: true; method: 'git-apply' | 'patch' | 'empty' } | { applied: false; refused: boolean } | { applied: 'not-tried' };

export interface PatchEvaluation {
  instanceId: string;
  /** SWE-bench's report entry (with `resolution_status`, `test_statuses`, `infrastructure_failure`). */
  report: InstanceReport;
  /** `{ [instanceId]: report }`: the content of `report.json`. */
  reportFile: Record<string, InstanceReport>;
  resolved: boolean;
  application: CandidateApplication;
  /** Set when the environment, not the candidate, failed: no verdict about the patch. */
  infrastructureFailure?: InfrastructureFailure;
  testStatuses: TestStatusMap;
  testsStatus?: TestsStatus;
  /** The patch evaluated ('' for none). */
  patch: string;
  /** What ran, as one script (`eval.sh` of the harness). */
  evalScript: string;
  /** The test run's output between SWE-bench's markers (`test_output.txt`); '' when the tests did not run. */
  testOutput: string;
  /** What happened, step by step, with timings (`run_instance.log`). */
  runLog: string;
  durationMs: number;
}

/** The kind of infrastructure failure an error of the sandbox or environment stands for. */
export function infrastructureFailureOf(error: unknown): InfrastructureFailure {
  const message = error instanceof Error ? error.message : String(error);
  if (EnvironmentImageError.isInstance(error) || EnvironmentSetupError.isInstance(error)) return { kind: 'build', message };
  if (SandboxTimeoutError.isInstance(error)) return { kind: 'timeout', message };
  if (SandboxError.isInstance(error)) return { kind: 'daemon', message };
  return { kind: 'other', message };
}

type SessionOutcome =
  | { kind: 'not-applied'; refused: boolean; output: string }
  | { kind: 'infrastructure-failure'; failure: InfrastructureFailure; applied?: 'git-apply' | 'patch' | 'empty'; testOutput?: string }
  | { kind: 'log'; applied: 'git-apply' | 'patch' | 'empty'; log: string; sessionFinished?: boolean };

/** A fresh nonce per evaluation: the marker lines of its log carry it, and it never enters the sandbox. */
const newMarkersNonce = (): string => randomBytes(16).toString('hex');

const testOutputLimitBytes = 32 * 1024 * 1024;

/**
 * Evaluates one candidate patch of an instance as SWE-bench does, inside a sandbox session: apply the
 * candidate (`git apply`, then `patch --batch --fuzz=5 -p1`), put the test files back and apply the test
 * patch, run the spec's test command on the test patch's targets, parse the log with the spec's parser
 * and grade FAIL_TO_PASS / PASS_TO_PASS (`gradeEvaluation`). Failures of the environment (image build,
 * setup, test patch, timeout, daemon) come back as `infrastructureFailure`, apart from test failures;
 * a candidate that does not apply is `patch_successfully_applied: false`. Never throws for a
 * CodemonkeysError (those become infrastructure failures); other errors are bugs and are thrown.
 */
export async function evaluatePatch(options: EvaluatePatchOptions): Promise<PatchEvaluation> {
  const { instance } = options;
  const started = performance.now();
  const spec = options.spec ?? specOfSandbox(options.instanceSandbox) ?? findEnvironmentSpec(instance);
  const timeoutMs = options.timeoutMs ?? spec.testTimeoutSeconds * 1000;
  const lines: string[] = [];
  const note = (message: string): void => {
    lines.push(`${new Date().toISOString()} ${message}`);
  };
  const patch = options.patch ?? '';
  const workdir = options.session?.workdir ?? environmentWorkdir;
  const testFiles = pathsOfDiff(instance.testPatch);
  const runnerFiles = runnerFilesOf(spec, instance, patch).filter((file) => !testFiles.includes(file));
  const resetFiles = [...testFiles, ...runnerFiles];
  const runScript = testRunScript(spec, instance, workdir);
  const nonce = newMarkersNonce();
  const evalScript = describeEvalScript(environmentShell(spec, runScript)[2]!, resetFiles, runnerGuardFor(spec.logParser)?.exports);

  const finish = (outcome: SessionOutcome | { kind: 'no-patch' }, testOutput = ''): PatchEvaluation => {
    const graded = gradeEvaluation({
      instanceId: instance.instanceId,
      failToPass: instance.failToPass,
      passToPass: instance.passToPass,
      patch: options.patch,
      logParser: spec.logParser,
      evaluation:
        outcome.kind === 'no-patch' || outcome.kind === 'not-applied'
          ? { kind: 'not-applied', ...(outcome.kind === 'not-applied' ? { output: outcome.output } : {}) }
          : outcome.kind === 'infrastructure-failure'
            ? { kind: 'infrastructure-failure', failure: outcome.failure, applied: outcome.applied !== undefined }
            : {
                kind: 'log',
                log: outcome.log,
                nonce,
                runnerFilesReset: runnerFiles,
                ...(outcome.sessionFinished === undefined ? {} : { sessionFinished: outcome.sessionFinished }),
              },
    });
    const application: CandidateApplication =
      outcome.kind === 'log'
        ? { applied: true, method: outcome.applied }
        : outcome.kind === 'not-applied'
          ? { applied: false, refused: outcome.refused }
          : outcome.kind === 'infrastructure-failure' && outcome.applied
            ? { applied: true, method: outcome.applied }
            : { applied: 'not-tried' };
    const failure = graded.report.infrastructure_failure;
    if (failure) note(`infrastructure failure (${failure.kind}): ${failure.message}`);
    note(`verdict: ${graded.report.resolved ? 'resolved' : 'not resolved'}${graded.report.resolution_status ? ` (${graded.report.resolution_status})` : ''}`);
    return {
      instanceId: instance.instanceId,
      report: graded.report,
      reportFile: graded.reportFile,
      resolved: graded.report.resolved,
      application,
      ...(failure ? { infrastructureFailure: failure } : {}),
      testStatuses: graded.testStatuses,
      ...(graded.testsStatus ? { testsStatus: graded.testsStatus } : {}),
      patch,
      evalScript,
      testOutput,
      runLog: `${lines.join('\n')}\n`,
      durationMs: performance.now() - started,
    };
  };

  note(`evaluating ${instance.instanceId} (${spec.kind} environment of ${spec.repo}, parser ${spec.logParser})`);
  if (options.patch === null) {
    note('no patch (null): nothing to run');
    return finish({ kind: 'no-patch' });
  }

  const inSession = async (session: SandboxSession): Promise<SessionOutcome> => {
    const environment = sandboxEnvironment(spec);
    const applyTimeoutMs = options.applyTimeoutMs ?? 120_000;
    let step = performance.now();
    const application = await applyDiffInSession(session, patch, { timeoutMs: applyTimeoutMs });
    if (!application.applied) {
      note(`candidate patch not applied${application.refused ? ' (refused before running anything)' : ''}:\n${application.output.trim()}`);
      return { kind: 'not-applied', refused: application.refused, output: application.output };
    }
    note(`candidate patch applied with ${application.method} in ${Math.round(performance.now() - step)} ms${application.output.trim() ? `:\n${application.output.trim()}` : ''}`);

    if (runnerFiles.length > 0) note(`files of the candidate that run the tests, put back to the base commit: ${runnerFiles.join(', ')}`);
    step = performance.now();
    const prepared = await session.exec(['bash', '-c', prepareTestsScript, 'codemonkeys-tests', ...resetFiles], {
      stdin: instance.testPatch.endsWith('\n') ? instance.testPatch : `${instance.testPatch}\n`,
      timeoutMs: applyTimeoutMs,
      env: environment,
    });
    if (prepared.exitCode !== 0) {
      const output = `${prepared.stdout}${prepared.stderr}`.trim().slice(-3000);
      note(`the test patch did not apply:\n${output}`);
      return {
        kind: 'infrastructure-failure',
        applied: application.method,
        failure: {
          kind: 'test-patch',
          message: `The test patch of ${instance.instanceId} did not apply (${prepared.timedOut ? 'timed out' : `exit ${prepared.exitCode}`}): ${output}`,
        },
      };
    }
    note(`test files reset and test patch applied in ${Math.round(performance.now() - step)} ms`);

    step = performance.now();
    const guard = runnerGuardFor(spec.logParser);
    if (guard) await session.putFiles(guard.files);
    const run = await session.exec(environmentShell(spec, guard ? `${guard.exports}\n${runScript}` : runScript), {
      timeoutMs,
      env: environment,
      maxOutputBytes: testOutputLimitBytes,
    });
    // The markers are written here, outside the sandbox: nothing the tests print can end the output early or forge a status.
    const log = composeTestLog({ nonce, before: run.stderr, output: run.stdout, exitCode: run.timedOut ? null : run.exitCode });
    const seconds = ((performance.now() - step) / 1000).toFixed(1);
    if (run.timedOut) {
      note(`the test run was stopped at its ${timeoutMs} ms limit after ${seconds} s`);
      return {
        kind: 'infrastructure-failure',
        applied: application.method,
        testOutput: log,
        failure: { kind: 'timeout', message: `The test run of ${instance.instanceId} ran past its ${Math.round(timeoutMs / 1000)} s limit and was killed.` },
      };
    }
    note(
      `tests ran in ${seconds} s (exit ${run.exitCode}${run.oomKilled ? ', a process was killed for lack of memory' : ''}${run.truncated ? ', output cut in the middle at its size limit' : ''})`,
    );
    if (!guard) return { kind: 'log', applied: application.method, log };
    const finished = await guard.read(session);
    if (!finished) note('the pytest session did not finish (no record of its completion guard)');
    return { kind: 'log', applied: application.method, log, sessionFinished: finished !== undefined };
  };

  let outcome: SessionOutcome;
  try {
    if (options.session) outcome = await inSession(options.session);
    else if (options.instanceSandbox) outcome = await options.instanceSandbox.use(inSession);
    else throw new TypeError('evaluatePatch needs an instanceSandbox or a session to run in.');
  } catch (error) {
    if (!CodemonkeysError.isInstance(error)) throw error;
    outcome = { kind: 'infrastructure-failure', failure: infrastructureFailureOf(error) };
  }
  const testOutput = outcome.kind === 'log' ? outcome.log : outcome.kind === 'infrastructure-failure' ? (outcome.testOutput ?? '') : '';
  return finish(outcome, testOutput);
}

function specOfSandbox(sandbox: InstanceSandbox | undefined): EnvironmentSpec | undefined {
  return sandbox && 'spec' in sandbox ? (sandbox as { spec: EnvironmentSpec }).spec : undefined;
}

/** One script that shows every step the evaluation ran, for the record (`eval.sh`). */
function describeEvalScript(testRun: string, testFiles: readonly string[], guardExports: string | undefined): string {
  return [
    '#!/bin/bash',
    '# What codemonkeys ran for this evaluation, step by step (each step is one command in the sandbox).',
    '# 1. The candidate patch (stdin): `git apply --verbose --whitespace=nowarn`, else `patch --batch --fuzz=5 -p1 --no-backup-if-mismatch --reject-file=-`.',
    '# 2. Test files (and files of the candidate that would run the tests) back to the base commit, then the test patch (stdin):',
    `set -- ${testFiles.map((file) => `'${file.replaceAll("'", "'\\''")}'`).join(' ')}`,
    prepareTestsScript.trim(),
    '# 3. The tests (stdout is the test output: the grader writes the marker lines around it outside the sandbox, with a nonce the sandbox never sees, and the exit status):',
    ...(guardExports
      ? ['# pytest runs load the grader’s completion guard (a plugin that records that the session finished; its directory differs per run):', `# ${guardExports}`]
      : []),
    testRun,
    '',
  ].join('\n');
}
