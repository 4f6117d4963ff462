import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWhenAvailable } from '@codemonkeys/protocol/testkit';
import {
  checkInstanceEnvironment,
  createInstanceSandboxProvider,
  createRepositoryCache,
  evaluatePatch,
  findEnvironmentSpec,
  testCommandFor,
  type DebianEnvironmentSpec,
  type InstanceSandboxProvider,
  type RepositoryCache,
} from '../src/index';
import { dockerAvailability, ensureBaseImage, openEvaluationSandbox, testLabel } from './support/evaluation-docker';
import { createSympyShapedRepository, type SympyShapedRepository } from './support/sympy-shaped-repository';

const docker = await dockerAvailability();

/*
 * Real SWE-bench sympy instances need their repository from GitHub, which cannot be reached here. The
 * built-in sympy spec (bullseye, python3-mpmath, `bin/test -C --verbose`, the sympy parser) runs unchanged
 * on a repository shaped like sympy whose bin/test prints what sympy's runner prints.
 */
describeWhenAvailable('the built-in sympy environment spec, on a sympy-shaped repository in Docker', docker, () => {
  let repository: SympyShapedRepository;
  let cacheDirectory: string;
  let cache: RepositoryCache;
  let harness: Awaited<ReturnType<typeof openEvaluationSandbox>>;
  let provider: InstanceSandboxProvider;
  let spec: DebianEnvironmentSpec;

  beforeAll(async () => {
    repository = await createSympyShapedRepository();
    spec = findEnvironmentSpec(repository.instance) as DebianEnvironmentSpec;
    // The bullseye base is built here, when missing, rather than on every machine's set-up.
    await ensureBaseImage(spec.debianSuite);
    cacheDirectory = await fs.mkdtemp(path.join(os.tmpdir(), 'evaluation-sympy-cache-'));
    cache = createRepositoryCache({ directory: cacheDirectory, repositorySources: repository.repositorySources });
    harness = await openEvaluationSandbox();
    provider = createInstanceSandboxProvider({ sandbox: harness.sandbox, repositoryCache: cache, labels: { [testLabel.key]: testLabel.value } });
    await provider.sandboxFor(repository.instance).image();
  }, 900_000);

  afterAll(async () => {
    await provider?.close();
    await harness?.finish();
    await cache?.close();
    await repository?.cleanup();
    if (cacheDirectory) await fs.rm(cacheDirectory, { recursive: true, force: true });
  });

  it('is the measured bullseye spec with sympy’s test command and parser', () => {
    expect(spec).toMatchObject({ kind: 'debian', repo: 'sympy/sympy', debianSuite: 'bullseye', logParser: 'sympy', validation: { status: 'measured' } });
    expect(spec.debianPackages).toEqual(expect.arrayContaining(['python3-mpmath', 'python3-pytest', 'git', 'patch']));
    expect(testCommandFor(spec, repository.instance)).toBe(
      "PYTHONWARNINGS='ignore::UserWarning,ignore::SyntaxWarning' python3 bin/test -C --verbose sympy/functions/combinatorial/tests/test_harmonic_numbers.py",
    );
  });

  it('resolves the gold patch and not the base commit, parsing bin/test’s verbose output as SWE-bench does', async () => {
    const instance = repository.instance;
    const instanceSandbox = provider.sandboxFor(instance);
    const gold = await evaluatePatch({ instance, patch: instance.patch, instanceSandbox });
    expect(gold.infrastructureFailure).toBeUndefined();
    expect(gold.report).toMatchObject({ resolved: true, resolution_status: 'RESOLVED_FULL' });
    expect(gold.testOutput).toMatch(/executable: +\/usr\/bin\/python3 +\(3\.9\./);
    expect(gold.testOutput).toMatch(/^test_harmonic_is_mpf ok +\[OK\]$/m);
    // The last test of a file shares its line with [OK]: SWE-bench's parser (and ours) never sees it.
    expect(gold.testStatuses).toEqual({ test_harmonic_zero: 'PASSED', test_harmonic_negative: 'PASSED', test_harmonic_small: 'PASSED', test_harmonic_fraction: 'PASSED' });

    const base = await evaluatePatch({ instance, patch: '', instanceSandbox });
    expect(base.report).toMatchObject({ resolved: false, resolution_status: 'RESOLVED_NO', patch_successfully_applied: true });
    expect(base.testStatuses).toMatchObject({
      test_harmonic_small: 'FAILED',
      test_harmonic_fraction: 'ERROR',
      'sympy/functions/combinatorial/tests/test_harmonic_numbers.py:test_harmonic_small': 'FAILED',
      'sympy/functions/combinatorial/tests/test_harmonic_numbers.py:test_harmonic_fraction': 'FAILED',
    });
    expect(base.report.tests_status?.FAIL_TO_PASS.failure).toEqual(['test_harmonic_small', 'test_harmonic_fraction']);
    expect(base.report.tests_status?.PASS_TO_PASS.success).toEqual(['test_harmonic_zero', 'test_harmonic_negative']);
  }, 300_000);

  it('validates the spec on the instance (gold validation) before any model call', async () => {
    const check = await checkInstanceEnvironment({ instance: repository.instance, instanceSandbox: provider.sandboxFor(repository.instance) });
    expect(check).toMatchObject({ status: 'reproduced', problems: [], warnings: [] });
    expect(provider.sandboxFor(repository.instance).statistics.sessionsOpened).toBe(1);
  }, 300_000);
});
