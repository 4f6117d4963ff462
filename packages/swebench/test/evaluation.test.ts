import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Sandbox } from '@codemonkeys/protocol';
import { describeWhenAvailable } from '@codemonkeys/protocol/testkit';
import type { DockerSandbox } from '@codemonkeys/sandbox-docker';
import {
  checkInstanceEnvironment,
  createInstanceSandboxProvider,
  createRepositoryCache,
  createRunReport,
  EnvironmentImageError,
  ensureEnvironmentImage,
  environmentImageTag,
  evaluatePatch,
  evaluationArtifactNames,
  instanceSandboxLabels,
  readEvaluationReport,
  runOnPatchedRepository,
  writeEvaluationArtifacts,
  type EnvironmentInstanceSandbox,
  type InstanceSandboxProvider,
  type RepositoryCache,
} from '../src/index';
import { createFixtureRepository, fixtureEnvironmentSpec, fixtureInstanceNames, type FixtureRepository } from '../src/testing/index';
import { dockerAvailability, openEvaluationSandbox, testLabel } from './support/evaluation-docker';

const docker = await dockerAvailability();

describeWhenAvailable('evaluation in Docker on the fixture instances', docker, () => {
  let fixture: FixtureRepository;
  let cache: RepositoryCache;
  let cacheDirectory: string;
  let harness: Awaited<ReturnType<typeof openEvaluationSandbox>>;
  let sandbox: DockerSandbox;
  let provider: InstanceSandboxProvider;
  const spec = fixtureEnvironmentSpec();

  beforeAll(async () => {
    // Nx and some terminals set FORCE_COLOR; it must not reach the tests in the container.
    process.env.FORCE_COLOR = '3';
    fixture = await createFixtureRepository({ instances: [...fixtureInstanceNames] });
    cacheDirectory = await fs.mkdtemp(path.join(os.tmpdir(), 'evaluation-cache-'));
    cache = createRepositoryCache({ directory: cacheDirectory, repositorySources: fixture.repositorySources });
    harness = await openEvaluationSandbox();
    sandbox = harness.sandbox;
    provider = createInstanceSandboxProvider({ sandbox, repositoryCache: cache, specs: [spec], labels: { [testLabel.key]: testLabel.value } });
    // The environment image is built once for the file (every instance shares it).
    await provider.sandboxFor(fixture.instance('word-count')).image();
  }, 600_000);

  afterAll(async () => {
    delete process.env.FORCE_COLOR;
    await provider?.close();
    await harness?.finish();
    await cache?.close();
    await fixture?.cleanup();
    if (cacheDirectory) await fs.rm(cacheDirectory, { recursive: true, force: true });
  });

  it('gives every word-count candidate its SWE-bench verdict, all in one reused container', async () => {
    const instance = fixture.instance('word-count');
    const instanceSandbox = provider.sandboxFor(instance);
    expect(provider.sandboxFor(instance)).toBe(instanceSandbox);
    const candidates = fixture.candidates(instance.instanceId);
    const verdicts: Record<string, { applied: unknown; resolved: boolean; failure?: string }> = {};
    for (const candidate of candidates) {
      const evaluation = await evaluatePatch({ instance, patch: candidate.diff, instanceSandbox });
      verdicts[candidate.name] = {
        applied: evaluation.application.applied,
        resolved: evaluation.resolved,
        ...(evaluation.infrastructureFailure ? { failure: evaluation.infrastructureFailure.kind } : {}),
      };
      expect(evaluation.report.patch_successfully_applied, candidate.name).toBe(candidate.expected.applies);
      expect(evaluation.resolved, candidate.name).toBe(candidate.expected.resolved);
      expect(evaluation.infrastructureFailure, candidate.name).toBeUndefined();
    }
    expect(verdicts).toEqual({
      gold: { applied: true, resolved: true },
      empty: { applied: true, resolved: false },
      'not-applying': { applied: false, resolved: false },
      'no-fix': { applied: true, resolved: false },
      regression: { applied: true, resolved: false },
    });
    expect(instanceSandbox.statistics).toMatchObject({ sessionsOpened: 1, replacements: 0, uses: candidates.length });
  }, 180_000);

  it('grades like SWE-bench: FAIL_TO_PASS and PASS_TO_PASS lists, regression and partial fixes', async () => {
    const words = fixture.instance('word-count');
    const byName = (instanceId: string, name: string) => fixture.candidates(instanceId).find((candidate) => candidate.name === name)!.diff;
    const empty = await evaluatePatch({ instance: words, patch: '', instanceSandbox: provider.sandboxFor(words) });
    expect(empty.report.tests_status?.FAIL_TO_PASS).toEqual({ success: [], failure: words.failToPass });
    expect(empty.report.tests_status?.PASS_TO_PASS).toEqual({ success: words.passToPass, failure: [] });
    expect(empty.report.resolution_status).toBe('RESOLVED_NO');
    // The coloured summary pytest prints under FORCE_COLOR would not parse; the host has it set.
    expect(empty.testOutput).not.toMatch(/\u001b\[/);
    expect(empty.testOutput).toContain('>>>>> Start Test Output');

    const regression = await evaluatePatch({ instance: words, patch: byName(words.instanceId, 'regression'), instanceSandbox: provider.sandboxFor(words) });
    expect(regression.report.tests_status?.FAIL_TO_PASS.failure).toEqual([]);
    expect(regression.report.tests_status?.PASS_TO_PASS.failure).toEqual(['tests/test_words.py::test_longest_word']);

    const stats = fixture.instance('sentence-stats');
    const partial = await evaluatePatch({ instance: stats, patch: byName(stats.instanceId, 'partial'), instanceSandbox: provider.sandboxFor(stats) });
    expect(partial.report.resolution_status).toBe('RESOLVED_PARTIAL');
    expect(partial.resolved).toBe(false);
    const gold = await evaluatePatch({ instance: stats, patch: stats.patch, instanceSandbox: provider.sandboxFor(stats) });
    expect(gold.report).toMatchObject({ resolved: true, resolution_status: 'RESOLVED_FULL', patch_successfully_applied: true });
    expect(Object.keys(gold.testStatuses)).toEqual(expect.arrayContaining([...stats.failToPass, ...stats.passToPass]));
  }, 180_000);

  it('reports a test patch that does not apply as an infrastructure failure of its own kind, not as a failing candidate', async () => {
    const words = fixture.instance('word-count');
    // The test patch with a context line that is not in the test file: the instance's data is broken.
    const brokenTestPatch = words.testPatch.replace(/^ (.+)$/m, ' $1 # not in the file');
    expect(brokenTestPatch).not.toBe(words.testPatch);
    const evaluation = await evaluatePatch({ instance: { ...words, testPatch: brokenTestPatch }, patch: words.patch, instanceSandbox: provider.sandboxFor(words) });
    expect(evaluation.infrastructureFailure).toMatchObject({ kind: 'test-patch', message: expect.stringContaining('did not apply') });
    // The candidate itself went in, and the report says so; the run has no verdict about it.
    expect(evaluation.application).toEqual({ applied: true, method: 'git-apply' });
    expect(evaluation.report).toMatchObject({ resolved: false, patch_successfully_applied: true, infrastructure_failure: { kind: 'test-patch' } });
    const runReport = createRunReport({
      datasetInstanceIds: [words.instanceId],
      reports: { [words.instanceId]: evaluation.report },
      predictions: { [words.instanceId]: words.patch },
    });
    expect(runReport).toMatchObject({ error_ids: [words.instanceId], infrastructure_failure_ids: [words.instanceId], patch_apply_failed_ids: [] });
  }, 180_000);

  it('reports a hanging test run as a timeout (infrastructure), kills it, and the reused container still gives the next verdict', async () => {
    const instance = fixture.instance('wrap-hang');
    const instanceSandbox = provider.sandboxFor(instance);
    const hung = await evaluatePatch({ instance, patch: '', instanceSandbox, timeoutMs: 4_000 });
    expect(hung.infrastructureFailure).toMatchObject({ kind: 'timeout' });
    // The empty candidate applied before the tests hung: the report says so (it used to say false).
    expect(hung.report).toMatchObject({ resolved: false, patch_successfully_applied: true, infrastructure_failure: { kind: 'timeout' } });
    expect(hung.application).toEqual({ applied: true, method: 'empty' });
    expect(hung.runLog).toMatch(/stopped at its 4000 ms limit/);
    // The reset killed what the timeout left: the gold patch's run is not slowed down or confused by it.
    const gold = await evaluatePatch({ instance, patch: instance.patch, instanceSandbox, timeoutMs: 60_000 });
    expect(gold.resolved).toBe(true);
    // No ps in the image: the command lines of every process, from /proc.
    const processes = await instanceSandbox.use((session) => session.exec("for file in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < $file; echo; done"));
    expect(processes.stdout).toContain('sleep infinity');
    expect(processes.stdout).not.toContain('pytest');
    expect(instanceSandbox.statistics.sessionsOpened).toBe(1);
    // Closing the instance's sandbox leaves none of its containers behind (this suite's: other suites, e.g.
    // the runner's demo, may run the same fixture instance ids at the same time).
    await provider.release(instance.instanceId);
    const left = await sandbox.docker.listContainers({
      all: true,
      filters: { label: [`${instanceSandboxLabels.instanceId}=${instance.instanceId}`, `${testLabel.key}=${testLabel.value}`] },
    });
    expect(left).toEqual([]);
  }, 180_000);

  it('refuses patches that leave the repository and reports patches that do not apply, with the commands’ output', async () => {
    const instance = fixture.instance('word-count');
    const instanceSandbox = provider.sandboxFor(instance);
    const escaping = 'diff --git a/../etc/passwd b/../etc/passwd\n--- a/../etc/passwd\n+++ b/../etc/passwd\n@@ -1 +1 @@\n-root\n+evil\n';
    const refused = await evaluatePatch({ instance, patch: escaping, instanceSandbox });
    expect(refused.application).toEqual({ applied: false, refused: true });
    expect(refused.runLog).toMatch(/refused before running anything/);
    const notApplying = fixture.candidates(instance.instanceId).find((candidate) => candidate.name === 'not-applying')!;
    const failed = await evaluatePatch({ instance, patch: notApplying.diff, instanceSandbox });
    expect(failed.application).toEqual({ applied: false, refused: false });
    expect(failed.runLog).toContain('git apply --verbose');
    expect(failed.runLog).toContain('patch --batch --fuzz=5');
    expect(failed.testOutput).toBe('');
    const none = await evaluatePatch({ instance, patch: null, instanceSandbox });
    expect(none.report).toMatchObject({ patch_is_None: true, patch_exists: false });
  }, 120_000);

  it('gives plugins the repository at the base commit and nothing of the gold data', async () => {
    const instance = fixture.instance('word-count');
    const instanceSandbox: EnvironmentInstanceSandbox = provider.sandboxFor(instance);
    const seen = await instanceSandbox.use(async (session) => {
      const run = (command: string) => session.exec(command).then((result) => result.stdout.trim());
      return {
        status: await run('git status --porcelain'),
        commits: await run('git log --format=%s'),
        tests: await run('cat tests/test_words.py'),
        environment: await run('env'),
        everywhere: await run(`grep -rl "${instance.failToPass[0]!.split('::')[1]}" / --exclude-dir=proc --exclude-dir=sys 2>/dev/null | head -5`),
      };
    });
    expect(seen.status).toBe('');
    expect(seen.commits).toBe(`base commit ${instance.baseCommit}`);
    expect(seen.tests).not.toContain('repeated_spaces');
    expect(seen.environment).not.toMatch(/FORCE_COLOR|PY_COLORS/);
    expect(seen.everywhere).toBe('');
    // What an evaluation put in (candidate, test patch) is gone at the next use.
    await evaluatePatch({ instance, patch: instance.patch, instanceSandbox });
    const after = await instanceSandbox.use((session) => session.exec('git status --porcelain; ls /tmp'));
    expect(after.stdout.trim()).toBe('');
  }, 120_000);

  it('runs any command on a patched repository: a generated test fails on the base commit and passes with the gold patch', async () => {
    const instance = fixture.instance('word-count');
    const instanceSandbox = provider.sandboxFor(instance);
    const generated = { path: 'tests/test_generated.py', content: 'from textkit import count_words\n\n\ndef test_tabs_and_spaces():\n    assert count_words("a \\t b  c") == 3\n' };
    const command = "python3 -m pytest -q -p no:cacheprovider tests/test_generated.py; python3 -c \"import json; json.dump({'ok': True}, open('/tmp/out.json', 'w'))\"";
    const base = await runOnPatchedRepository({ instanceSandbox, files: [generated], command, readFiles: ['/tmp/out.json'] });
    const gold = await runOnPatchedRepository({
      instanceSandbox,
      patch: instance.patch,
      files: [generated],
      command: 'python3 -m pytest -q -p no:cacheprovider tests/test_generated.py',
    });
    expect(base.applied && base.result.stdout).toMatch(/1 failed/);
    expect(base.applied && new TextDecoder().decode(base.files['/tmp/out.json'])).toBe('{"ok": true}');
    expect(gold.applied && gold.result.stdout).toMatch(/1 passed/);
    expect(gold.applied && gold.applyMethod).toBe('git-apply');
    const refused = await runOnPatchedRepository({
      instanceSandbox,
      patch: fixture.candidates(instance.instanceId).find((candidate) => candidate.name === 'not-applying')!.diff,
      command: 'true',
    });
    expect(refused.applied).toBe(false);
  }, 120_000);

  it('checks whether an environment spec reproduces an instance before any model call', async () => {
    const instance = fixture.instance('word-count');
    const good = await checkInstanceEnvironment({ instance, instanceSandbox: provider.sandboxFor(instance) });
    expect(good).toMatchObject({ status: 'reproduced', problems: [] });
    // A spec whose test command selects nothing: the gold patch cannot resolve; the check says why.
    const broken = { ...spec, testCommand: 'python3 -m pytest -rA -p no:cacheprovider -k does_not_exist' };
    const wrong = await checkInstanceEnvironment({ instance, instanceSandbox: provider.sandboxFor(instance), spec: broken });
    expect(wrong.status).toBe('not-reproduced');
    expect(wrong.problems.join('\n')).toMatch(/with the gold patch, FAIL_TO_PASS tests fail: tests\/test_words.py::test_count_words_repeated_spaces/);
    const hang = fixture.instance('wrap-hang');
    const hanging = await checkInstanceEnvironment({ instance: hang, instanceSandbox: provider.sandboxFor(hang), timeoutMs: 4_000 });
    expect(hanging.status).toBe('reproduced');
    expect(hanging.warnings.join('\n')).toMatch(/time out/);
  }, 180_000);

  it('writes SWE-bench’s per-instance files, report.json last', async () => {
    const instance = fixture.instance('word-count');
    const evaluation = await evaluatePatch({ instance, patch: instance.patch, instanceSandbox: provider.sandboxFor(instance) });
    const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'evaluation-artifacts-'));
    try {
      expect(await readEvaluationReport(directory, instance.instanceId)).toBeUndefined();
      await writeEvaluationArtifacts(directory, evaluation);
      expect((await fs.readdir(directory)).sort()).toEqual(Object.values(evaluationArtifactNames).sort());
      expect(await readEvaluationReport(directory, instance.instanceId)).toEqual(evaluation.report);
      expect(JSON.parse(await fs.readFile(path.join(directory, 'report.json'), 'utf8'))).toEqual({ [instance.instanceId]: evaluation.report });
      expect(await fs.readFile(path.join(directory, 'patch.diff'), 'utf8')).toBe(instance.patch);
      expect(await fs.readFile(path.join(directory, 'eval.sh'), 'utf8')).toContain('python3 -m pytest -rA -p no:cacheprovider tests/test_words.py');
      await fs.writeFile(path.join(directory, 'report.json'), '{"truncated');
      expect(await readEvaluationReport(directory, instance.instanceId)).toBeUndefined();
    } finally {
      await fs.rm(directory, { recursive: true, force: true });
    }
  }, 120_000);

  it('reports environment failures as infrastructure failures, apart from test failures', async () => {
    const instance = fixture.instance('sentence-stats');
    // A Debian package that does not exist: the image cannot be built.
    const unbuildable = { ...spec, debianPackages: [...spec.debianPackages, 'codemonkeys-no-such-package'] };
    const other = createInstanceSandboxProvider({ sandbox, repositoryCache: cache, specs: [unbuildable] });
    try {
      const evaluation = await evaluatePatch({ instance, patch: instance.patch, instanceSandbox: other.sandboxFor(instance) });
      expect(evaluation.infrastructureFailure?.kind).toBe('build');
      expect(evaluation.infrastructureFailure?.message).toMatch(/codemonkeys-no-such-package/);
      expect(evaluation.report).toMatchObject({ resolved: false, patch_exists: true });
    } finally {
      await other.close();
    }
    // A base image that is not there: the error says how to build it.
    await expect(ensureEnvironmentImage({ images: sandbox.images, spec, instanceId: instance.instanceId, baseImage: 'codemonkeys-test/no-such-base:1' })).rejects.toSatisfy(
      (error) => EnvironmentImageError.isInstance(error) && (error as EnvironmentImageError).phase === 'base',
    );
    // An official image where no registry answers (a loopback port nothing listens on).
    const official = {
      kind: 'swebench-image' as const,
      repo: spec.repo,
      versions: ['*'],
      testCommand: 'pytest -rA',
      logParser: 'pytest' as const,
      validation: { status: 'derived' as const, detail: 'test' },
      imageTemplate: '127.0.0.1:9/swebench/sweb.eval.x86_64.{instance_id}:latest',
    };
    const pulled = createInstanceSandboxProvider({ sandbox, repositoryCache: cache, specs: [official], specKind: 'swebench-image' });
    try {
      const evaluation = await evaluatePatch({ instance, patch: instance.patch, instanceSandbox: pulled.sandboxFor(instance) });
      expect(evaluation.infrastructureFailure?.kind).toBe('build');
      expect(evaluation.infrastructureFailure?.message).toMatch(/could not be pulled.*kind "debian"/s);
    } finally {
      await pulled.close();
    }
    // The daemon side failing mid-run (here: the sandbox was closed under the provider).
    const closing = await openEvaluationSandbox();
    const orphan = createInstanceSandboxProvider({ sandbox: closing.sandbox, repositoryCache: cache, specs: [spec] });
    await closing.finish();
    const evaluation = await evaluatePatch({ instance, patch: instance.patch, instanceSandbox: orphan.sandboxFor(instance) });
    expect(evaluation.infrastructureFailure?.kind).toBe('daemon');
    await orphan.close();
  }, 600_000);

  it('runs on a sandbox without the images capability when the environment image exists already', async () => {
    const withoutImages: Sandbox = {
      specificationVersion: 'v1',
      name: 'docker without images',
      capabilities: sandbox.capabilities,
      open: (sessionSpec) => sandbox.open(sessionSpec),
      reapLeftovers: () => sandbox.reapLeftovers(),
      close: () => Promise.resolve(),
    };
    const plain = createInstanceSandboxProvider({ sandbox: withoutImages, repositoryCache: cache, specs: [spec] });
    try {
      const instance = fixture.instance('word-count');
      expect(await plain.sandboxFor(instance).image()).toEqual({ image: environmentImageTag(spec), built: false });
      expect((await evaluatePatch({ instance, patch: instance.patch, instanceSandbox: plain.sandboxFor(instance) })).resolved).toBe(true);
    } finally {
      await plain.close();
    }
  }, 120_000);

  it('can give each use a fresh container instead (the SWE-bench harness way), with the same verdicts', async () => {
    const fresh = createInstanceSandboxProvider({ sandbox, repositoryCache: cache, specs: [spec], isolation: 'fresh' });
    try {
      const instance = fixture.instance('word-count');
      const instanceSandbox = fresh.sandboxFor(instance);
      const gold = await evaluatePatch({ instance, patch: instance.patch, instanceSandbox });
      const empty = await evaluatePatch({ instance, patch: '', instanceSandbox });
      expect([gold.resolved, empty.resolved]).toEqual([true, false]);
      expect(instanceSandbox.statistics).toMatchObject({ sessionsOpened: 2, resets: 0, uses: 2 });
    } finally {
      await fresh.close();
    }
  }, 120_000);
});
