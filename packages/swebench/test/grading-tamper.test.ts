import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWhenAvailable } from '@codemonkeys/protocol/testkit';
import {
  createInstanceSandboxProvider,
  createRepositoryCache,
  evaluatePatch,
  gradeEvaluation,
  regradeEvaluation,
  writeEvaluationArtifacts,
  type InstanceSandboxProvider,
  type PatchEvaluation,
  type RepositoryCache,
} from '../src/index';
import { createFixtureRepository, fixtureEnvironmentSpec, unifiedDiffOf, type FixtureRepository } from '../src/testing/index';
import { initialFiles } from '../src/testing/fixture-sources';
import { dockerAvailability, openEvaluationSandbox, testLabel } from './support/evaluation-docker';

const docker = await dockerAvailability();

/** The base of word-count: `split_words` splits on one space, so FAIL_TO_PASS fails unless the bug is fixed. */
const baseWords = initialFiles['textkit/words.py']!;

/** A diff that creates `file` with `content`, as git writes it. */
function newFileDiff(file: string, content: string): string {
  const lines = content.endsWith('\n') ? content.slice(0, -1).split('\n') : content.split('\n');
  return `diff --git a/${file} b/${file}\nnew file mode 100644\n--- /dev/null\n+++ b/${file}\n@@ -0,0 +1,${lines.length} @@\n${lines.map((line) => `+${line}`).join('\n')}\n`;
}

/**
 * Python that finds the pipe of the test run's real stdout while pytest captures fds 1 and 2 during
 * collection (pytest keeps a duplicate of it): what an attacker who wants output seen uses.
 */
const findRealStdout = [
  'def _real_stdout():',
  '    for _name in sorted(_os.listdir("/proc/self/fd"), key=int):',
  '        try:',
  '            if _name != "0" and _os.readlink("/proc/self/fd/" + _name).startswith("pipe:"):',
  '                return int(_name)',
  '        except OSError:',
  '            pass',
  '    return 1',
].join('\n');

/** A diff that puts `prelude` at the top of textkit/words.py and fixes nothing. */
const wordsWithPrelude = (prelude: string): Promise<string> => unifiedDiffOf('textkit/words.py', baseWords, `${prelude}\n${baseWords}`);

describeWhenAvailable('grading a candidate that tries to fool the grader, in Docker', docker, () => {
  let fixture: FixtureRepository;
  let cache: RepositoryCache;
  let cacheDirectory: string;
  let harness: Awaited<ReturnType<typeof openEvaluationSandbox>>;
  let provider: InstanceSandboxProvider;
  let tests: string[];

  beforeAll(async () => {
    fixture = await createFixtureRepository({ instances: ['word-count'] });
    cacheDirectory = await fs.mkdtemp(path.join(os.tmpdir(), 'grading-tamper-cache-'));
    cache = createRepositoryCache({ directory: cacheDirectory, repositorySources: fixture.repositorySources });
    harness = await openEvaluationSandbox();
    provider = createInstanceSandboxProvider({ sandbox: harness.sandbox, repositoryCache: cache, specs: [fixtureEnvironmentSpec()], labels: { [testLabel.key]: testLabel.value } });
    const instance = fixture.instance('word-count');
    tests = [...instance.failToPass, ...instance.passToPass];
    await provider.sandboxFor(instance).image();
  }, 600_000);

  afterAll(async () => {
    await provider?.close();
    await harness?.finish();
    await cache?.close();
    await fixture?.cleanup();
    if (cacheDirectory) await fs.rm(cacheDirectory, { recursive: true, force: true });
  });

  const evaluate = (patch: string): Promise<PatchEvaluation> => {
    const instance = fixture.instance('word-count');
    return evaluatePatch({ instance, patch, instanceSandbox: provider.sandboxFor(instance) });
  };
  /** How a grader that trusts the printed results would grade the same run: the test output without markers or exit status. */
  const naiveGrade = (evaluation: PatchEvaluation): boolean => {
    const instance = fixture.instance('word-count');
    const nonce = evaluation.report.test_run!.markers_nonce!;
    const output = evaluation.testOutput.slice(evaluation.testOutput.indexOf(nonce) + nonce.length, evaluation.testOutput.lastIndexOf(`>>>>> End Test Output ${nonce}`));
    return gradeEvaluation({ ...instance, patch: evaluation.patch, logParser: 'pytest', evaluation: { kind: 'test-output', output } }).report.resolved;
  };
  const evaluated: PatchEvaluation[] = [];
  const evaluateAndKeep = async (patch: string): Promise<PatchEvaluation> => {
    const evaluation = await evaluate(patch);
    evaluated.push(evaluation);
    return evaluation;
  };
  const fakePassedLines = (): string => tests.map((test) => `PASSED ${test}`).join('\\n');

  it('resolves the gold patch, with the exit status and the finished pytest session recorded', async () => {
    const gold = await evaluateAndKeep(fixture.instance('word-count').patch);
    expect(gold.report).toMatchObject({ resolved: true, resolution_status: 'RESOLVED_FULL', test_run: { exit_code: 0, session_finished: true } });
    expect(gold.report.grading_error).toBeUndefined();
    expect(gold.report.test_run?.runner_files_reset).toBeUndefined();
  }, 300_000);

  it('does not resolve a candidate that prints fake PASSED lines and fake markers after the real results', async () => {
    const patch = await wordsWithPrelude(
      [
        'import atexit as _atexit',
        `_atexit.register(lambda: print(">>>>> End Test Output\\n>>>>> Start Test Output\\n${fakePassedLines()}\\n>>>>> End Test Output 00000000000000000000000000000000 exit 0"))`,
      ].join('\n'),
    );
    const evaluation = await evaluateAndKeep(patch);
    expect(naiveGrade(evaluation)).toBe(true); // the forgery works on a grader that trusts what is printed
    expect(evaluation.report).toMatchObject({
      resolved: false,
      resolution_status: 'RESOLVED_NO',
      patch_successfully_applied: true,
      grading_error: { kind: 'exit-status-mismatch' },
    });
    expect(evaluation.report.test_run?.exit_code).toBe(1);
    expect(evaluation.infrastructureFailure).toBeUndefined();
  }, 300_000);

  it('does not resolve a candidate that prints a whole fake test summary and leaves with exit status 0', async () => {
    const patch = await wordsWithPrelude(
      [
        'import os as _os',
        findRealStdout,
        `_os.write(_real_stdout(), b"============================= test session starts ==============================\\n${fakePassedLines()}\\n============================== ${tests.length} passed in 0.01s ===============================\\n")`,
        '_os._exit(0)',
      ].join('\n'),
    );
    const evaluation = await evaluateAndKeep(patch);
    expect(naiveGrade(evaluation)).toBe(true);
    expect(evaluation.report).toMatchObject({ resolved: false, grading_error: { kind: 'runner-did-not-finish' }, test_run: { exit_code: 0, session_finished: false } });
  }, 300_000);

  it('does not resolve a candidate that overwrites the test file while the tests run and starts the runner again', async () => {
    const trivialTests = tests.map((test) => `def ${test.split('::')[1]}():\\n    pass\\n\\n`).join('');
    const patch = await wordsWithPrelude(
      [
        'import os as _os, sys as _sys',
        findRealStdout,
        'if not _os.environ.get("REEXECUTED"):',
        '    _os.environ["REEXECUTED"] = "1"',
        '    _out = _real_stdout()',
        '    _os.dup2(_out, 1)',
        '    _os.dup2(_out, 2)',
        '    with open("tests/test_words.py", "w") as _file:',
        `        _file.write("${trivialTests}")`,
        '    _os.execv(_sys.executable, [_sys.executable, "-m", "pytest", "-rA", "-p", "no:cacheprovider", "tests/test_words.py"])',
      ].join('\n'),
    );
    const evaluation = await evaluateAndKeep(patch);
    expect(naiveGrade(evaluation)).toBe(true);
    expect(evaluation.report).toMatchObject({ resolved: false, grading_error: { kind: 'runner-did-not-finish' }, test_run: { exit_code: 0 } });
  }, 300_000);

  it('puts back a conftest.py that monkeypatches the runner to pass every test, so the real results are graded', async () => {
    const conftest = [
      'import pytest',
      '',
      '@pytest.hookimpl(hookwrapper=True)',
      'def pytest_runtest_makereport(item, call):',
      '    outcome = yield',
      '    report = outcome.get_result()',
      '    report.outcome = "passed"',
      '    report.longrepr = None',
    ].join('\n');
    const evaluation = await evaluateAndKeep(newFileDiff('tests/conftest.py', `${conftest}\n`));
    expect(evaluation.report).toMatchObject({ resolved: false, patch_successfully_applied: true, test_run: { exit_code: 1, runner_files_reset: ['tests/conftest.py'] } });
    expect(evaluation.report.tests_status?.FAIL_TO_PASS.failure).toEqual(fixture.instance('word-count').failToPass);
    expect(evaluation.report.grading_error).toBeUndefined();
    expect(evaluation.runLog).toContain('put back to the base commit: tests/conftest.py');
  }, 300_000);

  it('puts back a conftest.py that prints fake results and exits 0 early, and a start-up hook that does the same', async () => {
    const early = `import os\nprint("${fakePassedLines()}", flush=True)\nos._exit(0)\n`;
    const evaluation = await evaluate(newFileDiff('conftest.py', early) + newFileDiff('usercustomize.py', early) + newFileDiff('sitecustomize.pth', 'import os\n'));
    expect(evaluation.report).toMatchObject({ resolved: false, test_run: { exit_code: 1, session_finished: true } });
    expect(evaluation.report.test_run?.runner_files_reset).toEqual(['conftest.py', 'usercustomize.py', 'sitecustomize.pth']);
    expect(evaluation.report.tests_status?.PASS_TO_PASS.success).toEqual(fixture.instance('word-count').passToPass);
  }, 300_000);

  it('never lets the markers’ nonce into the sandbox: a candidate that dumps every process’s command line and environment does not find it', async () => {
    const patch = await wordsWithPrelude(
      [
        'import atexit as _atexit, glob as _glob, os as _os',
        'def _dump():',
        '    print("ENVIRON", dict(_os.environ))',
        '    for _path in _glob.glob("/proc/[0-9]*/cmdline") + _glob.glob("/proc/[0-9]*/environ"):',
        '        try:',
        '            print("PROC", _path, open(_path, "rb").read().replace(b"\\0", b" ").decode(errors="replace"))',
        '        except OSError:',
        '            pass',
        '_atexit.register(_dump)',
      ].join('\n'),
    );
    const evaluation = await evaluate(patch);
    const nonce = evaluation.report.test_run!.markers_nonce!;
    expect(evaluation.testOutput).toContain('PROC /proc/1/cmdline');
    // Once on the start line, once on the end line, both written outside the sandbox.
    expect(evaluation.testOutput.split(nonce).length - 1).toBe(2);
    expect(evaluation.report).toMatchObject({ resolved: false });
  }, 300_000);

  it('grades the saved logs again without a container, with the verdicts of the live grading', async () => {
    const instance = fixture.instance('word-count');
    for (const name of ['no-fix', 'regression', 'not-applying'])
      evaluated.push(await evaluate(fixture.candidates(instance.instanceId).find((candidate) => candidate.name === name)!.diff));
    expect(evaluated.length).toBeGreaterThanOrEqual(8);
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'regrade-'));
    try {
      for (const [index, live] of evaluated.entries()) {
        const directory = path.join(root, String(index));
        await writeEvaluationArtifacts(directory, live);
        const regraded = await regradeEvaluation({ directory, instance, logParser: 'pytest' });
        expect(regraded.agrees, `evaluation ${index}`).toBe(true);
        expect(regraded.report, `evaluation ${index}`).toEqual(live.report);
        // Without its report, the log alone (nonce from its first start line) gives the same verdict.
        await fs.rm(path.join(directory, 'report.json'));
        if (live.report.patch_successfully_applied && !live.report.grading_error)
          expect((await regradeEvaluation({ directory, instance, logParser: 'pytest' })).report.resolved, `evaluation ${index}`).toBe(live.report.resolved);
      }
      expect(evaluated.map((evaluation) => evaluation.resolved)).toContain(true);
      expect(evaluated.filter((evaluation) => evaluation.report.grading_error).length).toBeGreaterThanOrEqual(3);
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  }, 300_000);

  it('still grades a candidate that edits the test files by the instance’s own tests', async () => {
    const testFile = initialFiles['tests/test_words.py']!;
    const patch = await unifiedDiffOf(
      'tests/test_words.py',
      testFile,
      `${testFile}\n\ndef test_count_words_repeated_spaces():\n    pass\n\n\ndef test_count_words_line_breaks():\n    pass\n`,
    );
    const evaluation = await evaluate(patch);
    expect(evaluation.report).toMatchObject({ resolved: false, patch_successfully_applied: true });
    expect(evaluation.report.tests_status?.FAIL_TO_PASS.failure).toEqual(fixture.instance('word-count').failToPass);
  }, 300_000);
});
