import { describe, expect, it } from 'vitest';
import {
  baseImageName,
  colorForcingVariables,
  environmentImageDefinition,
  environmentImageKey,
  environmentImageLabels,
  environmentImageTag,
  environmentShell,
  findEnvironmentSpec,
  pathsOfDiff,
  runnerFilesOf,
  sandboxEnvironment,
  testRunScript,
  type DebianEnvironmentSpec,
  type SweBenchImageSpec,
} from '../src/index';
import { fixtureEnvironmentSpec } from '../src/testing/index';

const django = findEnvironmentSpec({ instanceId: 'django__django-11099', repo: 'django/django', version: '3.0' }) as DebianEnvironmentSpec;
const testPatch =
  'diff --git a/tests/auth_tests/test_validators.py b/tests/auth_tests/test_validators.py\n--- a/tests/auth_tests/test_validators.py\n+++ b/tests/auth_tests/test_validators.py\n@@ -1 +1 @@\n-a\n+b\n' +
  'diff --git a/tests/auth_tests/fixtures/new.json b/tests/auth_tests/fixtures/new.json\nnew file mode 100644\n--- /dev/null\n+++ b/tests/auth_tests/fixtures/new.json\n@@ -0,0 +1 @@\n+{}\n';

describe('environment images from specs', () => {
  it('builds FROM the base of the spec’s Debian release with its packages and image commands, tagged by its key', () => {
    const definition = environmentImageDefinition(django);
    expect(definition.tag).toBe(`codemonkeys/env:${environmentImageKey(django)}`);
    expect(definition.dockerfile).toContain(`FROM ${baseImageName('bullseye')}\n`);
    expect(definition.dockerfile).toMatch(/apt-get install -y -qq --no-install-recommends git locales patch python3 python3-asgiref python3-sqlparse python3-tz/);
    expect(definition.dockerfile).toContain("RUN sed -i '/en_US.UTF-8/s/^# //g' /etc/locale.gen && locale-gen\n");
    expect(definition.labels).toEqual({ [environmentImageLabels.environment]: environmentImageKey(django), [environmentImageLabels.suite]: 'bullseye' });
    // Specs that differ only in how tests run share the image; another base image gets its own tag.
    expect(environmentImageDefinition({ ...django, testCommand: 'other' }).dockerfile).toBe(definition.dockerfile);
    expect(environmentImageTag(django, { baseImage: 'my/base:1' })).toMatch(new RegExp(`^codemonkeys/env:${environmentImageKey(django)}-[0-9a-f]{8}$`));
    expect(environmentImageDefinition(django, { baseImage: 'my/base:1' }).dockerfile).toContain('FROM my/base:1\n');
  });
});

describe('scripts run in the sandbox', () => {
  it('never passes colour-forcing variables on, and unsets them in every script', () => {
    const spec = { ...fixtureEnvironmentSpec(), env: { FORCE_COLOR: '1', PY_COLORS: '1', KEEP: 'yes' } };
    expect(sandboxEnvironment(spec, { CLICOLOR_FORCE: '1', EXTRA: 'x' })).toEqual({ KEEP: 'yes', EXTRA: 'x' });
    const [shell, flag, script] = environmentShell(spec, 'python3 -m pytest');
    expect([shell, flag]).toEqual(['bash', '-c']);
    expect(script).toBe(`unset ${colorForcingVariables.join(' ')}\npython3 -m pytest`);
  });

  it('activates the conda environment of official SWE-bench images', () => {
    const official = findEnvironmentSpec({ instanceId: 'django__django-11099', repo: 'django/django', version: '3.0' }, { kind: 'swebench-image' }) as SweBenchImageSpec;
    expect(environmentShell(official, 'true')[2]).toContain(`${official.shellPrefix}\ntrue`);
  });

  it('runs the pre-test commands on stderr, then the test command on the test patch’s targets, stderr merged, no stdin and no marker', () => {
    const script = testRunScript(django, { instanceId: 'django__django-11099', version: '3.0', testPatch }, '/testbed');
    expect(script.split('\n')).toEqual([
      'cd /testbed',
      '{ python3 tests/runtests.py --verbosity 2 --settings=test_sqlite --parallel 1 auth_tests.test_validators ; } 2>&1 </dev/null',
    ]);
    const requests = findEnvironmentSpec({ instanceId: 'psf__requests-2317', repo: 'psf/requests', version: '2.4' });
    const withPreTest = testRunScript(requests, { instanceId: 'psf__requests-2317', version: '2.4', testPatch }, '/testbed');
    expect(withPreTest).toMatch(/^cd \/testbed\n\{\n[\s\S]*httpbin\.core[\s\S]*\n\} >&2\n\{ python3 -m pytest/);
    expect(withPreTest).not.toContain('>>>>>');
  });

  it('finds the candidate’s files that would take over the runner, and leaves the code under test alone', () => {
    const diffOf = (...files: string[]): string => files.map((file) => `diff --git a/${file} b/${file}\n--- a/${file}\n+++ b/${file}\n@@ -1 +1 @@\n-a\n+b\n`).join('');
    const pytestSpec = fixtureEnvironmentSpec();
    const instance = { instanceId: 'x__y-1', version: '1.0' };
    expect(
      runnerFilesOf(
        pytestSpec,
        instance,
        diffOf(
          'src/pkg/module.py',
          'tests/conftest.py',
          'conftest.py',
          'pytest.ini',
          'lib/sitecustomize.py',
          'evil.pth',
          'pytest.py',
          '_pytest/hooks.py',
          'src/_pytest/python.py',
          'setup.cfg',
        ),
      ),
    ).toEqual(['tests/conftest.py', 'conftest.py', 'pytest.ini', 'lib/sitecustomize.py', 'evil.pth', 'pytest.py', '_pytest/hooks.py']);
    // The runner scripts a spec's command names are the runner's; the library they import is the code under test.
    expect(runnerFilesOf(django, { instanceId: 'django__django-11099', version: '3.0' }, diffOf('tests/runtests.py', 'django/test/runner.py'))).toEqual(['tests/runtests.py']);
    const sympy = findEnvironmentSpec({ instanceId: 'sympy__sympy-20590', repo: 'sympy/sympy', version: '1.7' });
    expect(runnerFilesOf(sympy, { instanceId: 'sympy__sympy-20590', version: '1.7' }, diffOf('bin/test', 'sympy/testing/runtests.py'))).toEqual(['bin/test']);
  });

  it('lists every path a diff touches (the test files put back before the test patch)', () => {
    expect(pathsOfDiff(testPatch)).toEqual(['tests/auth_tests/test_validators.py', 'tests/auth_tests/fixtures/new.json']);
    expect(pathsOfDiff('')).toEqual([]);
  });
});
