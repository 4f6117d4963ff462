import { EnvironmentSpecSchema, type DebianEnvironmentSpec } from '../environment/environment-spec';

/**
 * The environment of the fixture repository: bookworm's Python 3.11 with pytest. The tests import the
 * package from the checkout (`pythonpath = ["."]` in its pyproject.toml), so nothing is installed.
 */
export function fixtureEnvironmentSpec(repo = 'codemonkeys-fixtures/textkit'): DebianEnvironmentSpec {
  return EnvironmentSpecSchema.parse({
    kind: 'debian',
    repo,
    versions: ['0.1', '0.2', '0.3'],
    debianSuite: 'bookworm',
    debianPackages: ['python3', 'python3-pytest', 'git', 'patch'],
    testCommand: 'python3 -m pytest -rA -p no:cacheprovider',
    logParser: 'pytest',
    testSelection: 'test-files',
    testTimeoutSeconds: 60,
    validation: {
      status: 'measured',
      detail: 'The package tests verify every candidate verdict of the fixture with Python 3.11 and pytest (the versions bookworm ships).',
    },
  }) as DebianEnvironmentSpec;
}
