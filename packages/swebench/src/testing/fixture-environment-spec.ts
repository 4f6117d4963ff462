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
      detail:
        "Every candidate verdict of word-count and sentence-stats was reproduced in the offline bookworm base image (Python 3.11.2, pytest 7.2.1, no network) with SWE-bench's apply commands; the package tests re-check all verdicts with the local Python.",
    },
  }) as DebianEnvironmentSpec;
}
