import type { InstanceSandbox, SandboxSession } from '@codemonkeys/protocol';
import type { EnvironmentSpec } from '../environment/environment-spec';
import { testPassed } from '../grading/grade-tests';
import { evaluatePatch, type EvaluatedInstance, type PatchEvaluation } from './evaluate-patch';

export interface CheckInstanceEnvironmentOptions {
  /** The instance with its gold patch and test data. */
  instance: EvaluatedInstance & { patch: string };
  instanceSandbox?: InstanceSandbox;
  session?: SandboxSession;
  spec?: EnvironmentSpec;
  timeoutMs?: number;
}

export interface InstanceEnvironmentCheck {
  instanceId: string;
  /**
   * `reproduced`: the gold patch resolves and, without it, every FAIL_TO_PASS test fails and every
   * PASS_TO_PASS test passes; `not-reproduced`: the environment disagrees with the dataset (see
   * `problems`); `infrastructure-failure`: the environment could not run the tests.
   */
  status: 'reproduced' | 'not-reproduced' | 'infrastructure-failure';
  problems: string[];
  /** Remarks that do not fail the check (the tests time out without the fix, say). */
  warnings: string[];
  /** The gold patch's evaluation. */
  gold: PatchEvaluation;
  /** The base commit's evaluation (an empty patch). */
  base: PatchEvaluation;
}

const list = (tests: readonly string[], limit = 5): string => `${tests.slice(0, limit).join(', ')}${tests.length > limit ? ` and ${tests.length - limit} more` : ''}`;

/**
 * Does this environment reproduce the instance? SWE-bench's validation of a dataset row: with the gold
 * patch every FAIL_TO_PASS and PASS_TO_PASS test passes, and on the base commit (an empty patch) every
 * FAIL_TO_PASS test fails while PASS_TO_PASS tests pass. Both runs share the instance's sandbox. Run it on
 * a few instances of a new or derived environment spec before spending model calls on them.
 */
export async function checkInstanceEnvironment(options: CheckInstanceEnvironmentOptions): Promise<InstanceEnvironmentCheck> {
  const where = {
    ...(options.instanceSandbox ? { instanceSandbox: options.instanceSandbox } : {}),
    ...(options.session ? { session: options.session } : {}),
    ...(options.spec ? { spec: options.spec } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  };
  const gold = await evaluatePatch({ instance: options.instance, patch: options.instance.patch, ...where });
  const base = await evaluatePatch({ instance: options.instance, patch: '', ...where });
  const problems: string[] = [];
  const warnings: string[] = [];
  let infrastructure = false;
  if (gold.infrastructureFailure) {
    infrastructure = true;
    problems.push(`gold patch: ${gold.infrastructureFailure.kind}: ${gold.infrastructureFailure.message}`);
  } else if (gold.application.applied !== true) {
    problems.push('the gold patch does not apply to the base commit');
  } else if (gold.testsStatus) {
    const { FAIL_TO_PASS, PASS_TO_PASS } = gold.testsStatus;
    if (FAIL_TO_PASS.failure.length > 0) problems.push(`with the gold patch, FAIL_TO_PASS tests fail: ${list(FAIL_TO_PASS.failure)}`);
    if (PASS_TO_PASS.failure.length > 0) problems.push(`with the gold patch, PASS_TO_PASS tests fail: ${list(PASS_TO_PASS.failure)}`);
  }
  if (base.infrastructureFailure?.kind === 'timeout') {
    warnings.push('without the fix the tests time out, so FAIL_TO_PASS could not be seen failing (a hang is a failure in SWE-bench terms)');
  } else if (base.infrastructureFailure) {
    infrastructure = true;
    problems.push(`base commit: ${base.infrastructureFailure.kind}: ${base.infrastructureFailure.message}`);
  } else {
    const passingBefore = options.instance.failToPass.filter((test) => testPassed(test, base.testStatuses));
    if (passingBefore.length > 0) problems.push(`without the fix, FAIL_TO_PASS tests already pass: ${list(passingBefore)}`);
    const failingBefore = options.instance.passToPass.filter((test) => !testPassed(test, base.testStatuses));
    if (failingBefore.length > 0) problems.push(`without the fix, PASS_TO_PASS tests do not pass: ${list(failingBefore)}`);
  }
  const status = infrastructure ? 'infrastructure-failure' : problems.length > 0 ? 'not-reproduced' : 'reproduced';
  return { instanceId: options.instance.instanceId, status, problems, warnings, gold, base };
}
