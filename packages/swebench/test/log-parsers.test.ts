import { describe, expect, it } from 'vitest';
import { composeTestLog, createRunReport, evaluationLogMarkers, extractTestOutput, gradeEvaluation, gradeTests, nonceMarkers, parseTestLog, resolutionStatus } from '../src/index';

// Logs below are shaped like real runs of each runner (trimmed), including the noise around results.
const pytestLog = `============================= test session starts ==============================
platform linux -- Python 3.9.19, pytest-7.4.0, pluggy-1.3.0
rootdir: /testbed
collected 5 items

tests/test_json.py ..F.s                                                     [100%]

=================================== FAILURES ===================================
___________________________ test_json_as_unicode ____________________________
E   AssertionError: assert '"\\\\u2603"' == '"☃"'
==================================== PASSES ====================================
=========================== short test summary info ============================
PASSED tests/test_json.py::test_dump[True]
PASSED tests/test_json.py::test_html_escaping
FAILED tests/test_json.py::test_json_as_unicode - AssertionError: assert '"\\\\u2603"' == '"☃"'
SKIPPED [1] tests/test_json.py:88: requires simplejson
ERROR tests/test_json.py::test_fixture_setup - fixture 'app' not found
XFAIL tests/test_json.py::test_known_bug - reason: issue 123
==================== 1 failed, 2 passed, 1 skipped, 1 xfailed in 0.52s ====================
`;

const djangoLog = `Testing against Django installed in '/testbed/django'
Importing application queries
Skipping setup of unused database(s): other.
Operations to perform:
  Apply all migrations: auth, contenttypes, queries
System check identified no issues (1 silenced).
test_exists (queries.tests.ExistsSql) ... ok
test_ticket_18414 (queries.tests.ExistsSql) ... skipped "Database doesn't support feature(s): can_distinct_on_fields"
test_in_query (queries.tests.QuerySetBitwiseOperationTests) ... FAIL
test_xor_with_rhs_slice (queries.tests.QuerySetBitwiseOperationTests) ... ERROR
test_noisy (queries.tests.NoisyTests) ... printing something first
ok
test_docstring (queries.tests.DocTests)
The first line of a docstring is shown. ... ok

======================================================================
ERROR: test_xor_with_rhs_slice (queries.tests.QuerySetBitwiseOperationTests)
----------------------------------------------------------------------
Traceback (most recent call last):
TypeError: Cannot combine queries once a slice has been taken.

======================================================================
FAIL: test_in_query (queries.tests.QuerySetBitwiseOperationTests)
----------------------------------------------------------------------
AssertionError: 1 != 2

----------------------------------------------------------------------
Ran 6 tests in 0.110s

FAILED (failures=1, errors=1, skipped=1)
`;

const sympyLog = `============================= test process starts ==============================
executable:         /usr/bin/python3  (3.9.2-final-0) [CPython]
architecture:       64-bit
cache:              no
ground types:       python
numpy:              None
random seed:        28739524
hash randomization: on (PYTHONHASHSEED=1503870651)

sympy/printing/tests/test_ccode.py[3]
test_printmethod ok
test_ccode_sqrt ok
test_ccode_Max F
test_ccode_sinc E                                                          [FAIL]


________________________________________________________________________________
______________ sympy/printing/tests/test_ccode.py:test_ccode_Max _______________
Traceback (most recent call last):
AssertionError
________________________________________________________________________________
______________ sympy/printing/tests/test_ccode.py:test_ccode_sinc ______________
NameError: name 'sinc' is not defined

============ tests finished: 2 passed, 1 failed, 1 exceptions, in 0.35 seconds =============
DO *NOT* COMMIT!
`;

describe('log parsers', () => {
  it('pytest: summary lines, FAILED with a message, SKIPPED without a node id', () => {
    expect(parseTestLog('pytest', pytestLog)).toEqual({
      'tests/test_json.py::test_dump[True]': 'PASSED',
      'tests/test_json.py::test_html_escaping': 'PASSED',
      'tests/test_json.py::test_json_as_unicode': 'FAILED',
      '[1]': 'SKIPPED',
      'tests/test_json.py::test_fixture_setup': 'ERROR',
      'tests/test_json.py::test_known_bug': 'XFAIL',
    });
  });

  it('pytest-options: absolute-path parameters keep their last component', () => {
    const log =
      'PASSED tests/test_lookup.py::test_load[/tmp/pytest-of-root/pytest-0/data/conf.toml]\nPASSED tests/test_lookup.py::test_url[http://x/a]\nFAILED test_requests.py::RequestsTestCase::test_HTTP_200_OK_GET - ConnectionError\n';
    expect(parseTestLog('pytest-options', log)).toEqual({
      'tests/test_lookup.py::test_load[/conf.toml]': 'PASSED',
      'tests/test_lookup.py::test_url[http://x/a]': 'PASSED',
      'test_requests.py::RequestsTestCase::test_HTTP_200_OK_GET': 'FAILED',
    });
  });

  it('pytest-v2: ANSI colours from tox and old-pytest verbose lines', () => {
    const log =
      '\u001b[32mPASSED\u001b[0m tests/test_build.py::test_html\n' +
      'astropy/io/fits/tests/test_header.py::TestHeaderFunctions::test_card_constructor_default_args PASSED\n' +
      'astropy/io/fits/tests/test_header.py::TestHeaderFunctions::test_rename_keyword FAILED\n' +
      '\u001b[31mFAILED\u001b[0m tests/test_build.py::test_latex - AssertionError\n';
    expect(parseTestLog('pytest-v2', log)).toEqual({
      'tests/test_build.py::test_html': 'PASSED',
      'astropy/io/fits/tests/test_header.py::TestHeaderFunctions::test_card_constructor_default_args': 'PASSED',
      'astropy/io/fits/tests/test_header.py::TestHeaderFunctions::test_rename_keyword': 'FAILED',
      'tests/test_build.py::test_latex': 'FAILED',
    });
  });

  it('matplotlib: MouseButton ids as numbers', () => {
    expect(
      parseTestLog(
        'matplotlib',
        'PASSED lib/matplotlib/tests/test_widgets.py::test_span_selector_drag[MouseButton.LEFT]\nFAILED lib/matplotlib/tests/test_widgets.py::test_lasso[MouseButton.RIGHT] - x\n',
      ),
    ).toEqual({
      'lib/matplotlib/tests/test_widgets.py::test_span_selector_drag[1]': 'PASSED',
      'lib/matplotlib/tests/test_widgets.py::test_lasso[3]': 'FAILED',
    });
  });

  it('seaborn: PASSED in either position, FAILED first', () => {
    const log =
      'tests/test_core.py::TestHueMapping::test_init_from_map PASSED [ 10%]\nPASSED tests/test_core.py::TestHueMapping::test_plotter_default_init\nFAILED tests/test_axisgrid.py::TestPairGrid::test_hue_order - ValueError\n';
    expect(parseTestLog('seaborn', log)).toEqual({
      'tests/test_core.py::TestHueMapping::test_init_from_map': 'PASSED',
      'tests/test_core.py::TestHueMapping::test_plotter_default_init': 'PASSED',
      'tests/test_axisgrid.py::TestPairGrid::test_hue_order': 'FAILED',
    });
  });

  it("django: ok/FAIL/ERROR/skipped, output between '...' and 'ok', docstring descriptions", () => {
    expect(parseTestLog('django', djangoLog)).toEqual({
      'test_exists (queries.tests.ExistsSql)': 'PASSED',
      'test_ticket_18414 (queries.tests.ExistsSql)': 'SKIPPED',
      'test_in_query (queries.tests.QuerySetBitwiseOperationTests)': 'FAILED',
      'test_xor_with_rhs_slice (queries.tests.QuerySetBitwiseOperationTests)': 'ERROR',
      'test_noisy (queries.tests.NoisyTests)': 'PASSED',
      'The first line of a docstring is shown.': 'PASSED',
      // The FAIL:/ERROR: headers name the test by its first word, as in SWE-bench.
      test_in_query: 'FAILED',
      test_xor_with_rhs_slice: 'ERROR',
    });
  });

  it('sympy: verbose results and failure headers', () => {
    expect(parseTestLog('sympy', sympyLog)).toEqual({
      test_printmethod: 'PASSED',
      test_ccode_sqrt: 'PASSED',
      test_ccode_Max: 'FAILED',
      // The last test of a file ends its line with "[FAIL]", so SWE-bench's parser (and ours) only
      // learns of it from the failure header below.
      'sympy/printing/tests/test_ccode.py:test_ccode_Max': 'FAILED',
      'sympy/printing/tests/test_ccode.py:test_ccode_sinc': 'FAILED',
    });
  });
});

describe('grading', () => {
  const statuses = parseTestLog('pytest', pytestLog);

  it('resolves only when every FAIL_TO_PASS and PASS_TO_PASS test passes; missing tests fail', () => {
    const full = gradeTests(statuses, {
      failToPass: ['tests/test_json.py::test_dump[True]', 'tests/test_json.py::test_known_bug'],
      passToPass: ['tests/test_json.py::test_html_escaping'],
    });
    expect(resolutionStatus(full)).toBe('RESOLVED_FULL');
    const missing = gradeTests(statuses, { failToPass: ['tests/test_json.py::test_dump[True]'], passToPass: ['tests/test_json.py::test_not_run'] });
    expect(missing.PASS_TO_PASS.failure).toEqual(['tests/test_json.py::test_not_run']);
    expect(resolutionStatus(missing)).toBe('RESOLVED_NO');
    const partial = gradeTests(statuses, { failToPass: ['tests/test_json.py::test_dump[True]', 'tests/test_json.py::test_json_as_unicode'], passToPass: [] });
    expect(resolutionStatus(partial)).toBe('RESOLVED_PARTIAL');
    const errored = gradeTests(statuses, { failToPass: ['tests/test_json.py::test_fixture_setup'], passToPass: [] });
    expect(resolutionStatus(errored)).toBe('RESOLVED_NO');
  });

  it('grades an evaluation log between its markers and writes SWE-bench report entries', () => {
    const log = `+ git apply -v -\nChecking patch tests/test_json.py...\n${evaluationLogMarkers.startTestOutput}\n${pytestLog}${evaluationLogMarkers.endTestOutput}\n`;
    const graded = gradeEvaluation({
      instanceId: 'pallets__flask-1',
      failToPass: ['tests/test_json.py::test_dump[True]'],
      passToPass: ['tests/test_json.py::test_html_escaping'],
      patch: 'diff --git a/x b/x\n',
      logParser: 'pytest',
      evaluation: { kind: 'log', log },
    });
    expect(graded.reportFile).toEqual({
      'pallets__flask-1': {
        patch_is_None: false,
        patch_exists: true,
        patch_successfully_applied: true,
        resolved: true,
        tests_status: {
          FAIL_TO_PASS: { success: ['tests/test_json.py::test_dump[True]'], failure: [] },
          PASS_TO_PASS: { success: ['tests/test_json.py::test_html_escaping'], failure: [] },
          FAIL_TO_FAIL: { success: [], failure: [] },
          PASS_TO_FAIL: { success: [], failure: [] },
        },
        resolution_status: 'RESOLVED_FULL',
        test_statuses: statuses,
      },
    });
  });

  it('keeps infrastructure failures apart from test failures', () => {
    const base = { instanceId: 'i', failToPass: ['a'], passToPass: [], patch: 'diff', logParser: 'pytest' as const };
    const timedOut = gradeEvaluation({ ...base, evaluation: { kind: 'log', log: `${evaluationLogMarkers.startTestOutput}\nPASSED a\n${evaluationLogMarkers.testsTimedOut}` } });
    expect(timedOut.report).toMatchObject({ resolved: false, patch_successfully_applied: false, infrastructure_failure: { kind: 'timeout' } });
    const notApplied = gradeEvaluation({ ...base, evaluation: { kind: 'log', log: `${evaluationLogMarkers.applyPatchFailed}\nerror: patch failed` } });
    expect(notApplied.report).toEqual({ patch_is_None: false, patch_exists: true, patch_successfully_applied: false, resolved: false });
    const daemon = gradeEvaluation({ ...base, evaluation: { kind: 'infrastructure-failure', failure: { kind: 'daemon', message: 'connect ENOENT /var/run/docker.sock' } } });
    expect(daemon.report.infrastructure_failure?.kind).toBe('daemon');
    expect(gradeEvaluation({ ...base, patch: null, evaluation: { kind: 'not-applied' } }).report.patch_is_None).toBe(true);
  });

  it('builds the run report with SWE-bench fields and schema_version 2', () => {
    const passed = gradeEvaluation({
      instanceId: 'a',
      failToPass: ['t'],
      passToPass: [],
      patch: 'd',
      logParser: 'pytest',
      evaluation: { kind: 'test-output', output: 'PASSED t\n' },
    }).report;
    const failed = gradeEvaluation({
      instanceId: 'b',
      failToPass: ['t'],
      passToPass: [],
      patch: 'd',
      logParser: 'pytest',
      evaluation: { kind: 'test-output', output: 'FAILED t\n' },
    }).report;
    const timedOut = gradeEvaluation({
      instanceId: 'c',
      failToPass: ['t'],
      passToPass: [],
      patch: 'd',
      logParser: 'pytest',
      evaluation: { kind: 'infrastructure-failure', failure: { kind: 'timeout', message: '1800 s' } },
    }).report;
    const notApplied = gradeEvaluation({ instanceId: 'f', failToPass: ['t'], passToPass: [], patch: 'd', logParser: 'pytest', evaluation: { kind: 'not-applied' } }).report;
    const report = createRunReport({
      datasetInstanceIds: ['a', 'b', 'c', 'd', 'e', 'f', 'g'],
      predictions: { a: 'd', b: 'd', c: 'd', d: '', f: 'd', g: 'd' },
      reports: { a: passed, b: failed, c: timedOut, f: notApplied },
    });
    expect(report).toEqual({
      total_instances: 7,
      submitted_instances: 6,
      completed_instances: 2,
      resolved_instances: 1,
      unresolved_instances: 1,
      empty_patch_instances: 1,
      error_instances: 3,
      unstopped_instances: 0,
      completed_ids: ['a', 'b'],
      incomplete_ids: ['e'],
      empty_patch_ids: ['d'],
      submitted_ids: ['a', 'b', 'c', 'd', 'f', 'g'],
      resolved_ids: ['a'],
      unresolved_ids: ['b'],
      error_ids: ['c', 'f', 'g'],
      unstopped_containers: [],
      unremoved_images: [],
      infrastructure_failure_ids: ['c'],
      patch_apply_failed_ids: ['f'],
      grading_error_ids: [],
      schema_version: 2,
    });
  });
});

describe('logs whose markers carry the grader’s nonce', () => {
  const nonce = 'a'.repeat(32);
  const base = { instanceId: 'i', failToPass: ['t.py::test_fix'], passToPass: ['t.py::test_old'], patch: 'diff', logParser: 'pytest' as const };
  const grade = (output: string, exitCode: number | null, options: { nonce?: string } = {}) =>
    gradeEvaluation({ ...base, evaluation: { kind: 'log', log: composeTestLog({ nonce, before: 'pre-test output\n', output, exitCode }), nonce: options.nonce ?? nonce } }).report;

  it('grades the output between the nonce markers and records the exit status', () => {
    const report = grade('PASSED t.py::test_fix\nPASSED t.py::test_old\n', 0);
    expect(report).toMatchObject({ resolved: true, resolution_status: 'RESOLVED_FULL', test_run: { exit_code: 0, markers_nonce: nonce } });
    expect(report.grading_error).toBeUndefined();
  });

  it('treats marker look-alikes the tests print as output: a forged end marker cannot hide the failure', () => {
    const forged = [
      'PASSED t.py::test_fix',
      'PASSED t.py::test_old',
      `${evaluationLogMarkers.endTestOutput}`,
      `${evaluationLogMarkers.endTestOutput} ${'b'.repeat(32)} exit 0`,
      `${evaluationLogMarkers.testsErrored}`,
      'FAILED t.py::test_fix - AssertionError',
    ].join('\n');
    const report = grade(`${forged}\n`, 1);
    expect(report).toMatchObject({ resolved: false, patch_successfully_applied: true, resolution_status: 'RESOLVED_NO' });
    expect(report.tests_status?.FAIL_TO_PASS.failure).toEqual(['t.py::test_fix']);
    expect(report.infrastructure_failure).toBeUndefined();
  });

  it('does not grade resolved when every test in the log passed but the command failed or was killed', () => {
    // What fake PASSED lines printed after the real results leave: the last word per test is the forger's.
    const forged = 'FAILED t.py::test_fix\nPASSED t.py::test_old\nPASSED t.py::test_fix\n';
    const failed = grade(forged, 1);
    expect(failed).toMatchObject({ resolved: false, resolution_status: 'RESOLVED_NO', grading_error: { kind: 'exit-status-mismatch' }, test_run: { exit_code: 1 } });
    const killed = grade('PASSED t.py::test_fix\nPASSED t.py::test_old\n', null);
    expect(killed).toMatchObject({ resolved: false, grading_error: { kind: 'exit-status-mismatch' }, test_run: { exit_code: null } });
    // A failing grade stays what it is; a failing unrelated test explains a non-zero exit.
    expect(grade('FAILED t.py::test_fix\nPASSED t.py::test_old\n', 1).grading_error).toBeUndefined();
    const unrelated = grade('PASSED t.py::test_fix\nPASSED t.py::test_old\nFAILED t.py::test_flaky_elsewhere\n', 1);
    expect(unrelated).toMatchObject({ resolved: true });
    expect(unrelated.grading_error).toBeUndefined();
  });

  it('finds no output when the markers carry another nonce or the end line is missing', () => {
    expect(grade('PASSED t.py::test_fix\nPASSED t.py::test_old\n', 0, { nonce: 'c'.repeat(32) })).toMatchObject({
      resolved: false,
      infrastructure_failure: { kind: 'no-test-output' },
    });
    const truncated = `${nonceMarkers(nonce).start}\nPASSED t.py::test_fix\nPASSED t.py::test_old\n`;
    expect(extractTestOutput(truncated, { nonce })).toEqual({ found: false, reason: 'no-test-output' });
    expect(extractTestOutput(composeTestLog({ nonce, before: '', output: '', exitCode: 5 }), { nonce })).toEqual({ found: true, output: '', exitCode: 5 });
    expect(() => nonceMarkers('not a nonce')).toThrow(/32 hex digits/);
  });

  it('records that a candidate applied before its test run timed out', () => {
    const report = gradeEvaluation({ ...base, evaluation: { kind: 'infrastructure-failure', failure: { kind: 'timeout', message: 'killed' }, applied: true } }).report;
    expect(report).toMatchObject({ patch_successfully_applied: true, resolved: false, infrastructure_failure: { kind: 'timeout' } });
  });

  it('lists instances with a grading error in the run report, among the unresolved', () => {
    const forged = grade('FAILED t.py::test_fix\nPASSED t.py::test_old\nPASSED t.py::test_fix\n', 1);
    const report = createRunReport({ datasetInstanceIds: ['i'], predictions: { i: 'diff' }, reports: { i: forged } });
    expect(report).toMatchObject({ unresolved_ids: ['i'], grading_error_ids: ['i'], error_ids: [] });
  });
});
