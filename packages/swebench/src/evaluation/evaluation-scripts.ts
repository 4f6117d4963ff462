import { parseUnifiedDiff } from '../diff/parse-unified-diff';
import type { EnvironmentSpec } from '../environment/environment-spec';
import { expandCommand, testCommandFor } from '../environment/find-environment-spec';
import type { Instance } from '@codemonkeys/protocol';

/** Every path a diff touches (old and new names), e.g. the files of a test patch. */
export function pathsOfDiff(diff: string): string[] {
  const paths = new Set<string>();
  for (const file of parseUnifiedDiff(diff)) for (const candidate of [file.oldPath, file.newPath]) if (candidate !== null) paths.add(candidate);
  return [...paths];
}

/**
 * Puts the test files back to the base commit (SWE-bench's `git checkout <base> <test files>`, so that a
 * candidate's edits to them do not count) and removes the ones the test patch creates, then applies the
 * test patch from stdin. Paths come as positional arguments, never interpolated.
 */
export const prepareTestsScript = `set -uo pipefail
for file in "$@"; do
  if git cat-file -e "HEAD:$file" 2>/dev/null; then git checkout -q HEAD -- "$file"; else rm -rf -- "$file"; fi
done
git apply --verbose --whitespace=nowarn -
`;

/**
 * The test run of an instance: the spec's pre-test commands (their output on stderr, apart from the
 * tests'), then its test command on the test patch's targets with stderr merged into stdout (Django's
 * runner reports on stderr) and no stdin. The script's exit status is the test command's. It prints no
 * marker: the grader captures stdout outside the sandbox and writes the markers itself
 * (`composeTestLog`), with a nonce the sandbox never sees.
 */
export function testRunScript(spec: EnvironmentSpec, instance: Pick<Instance, 'instanceId' | 'version' | 'testPatch'>, workdir: string): string {
  const expansion = { instanceId: instance.instanceId, ...(instance.version === undefined ? {} : { version: instance.version }) };
  const pre = spec.preTestCommands.map((command) => expandCommand(command, expansion));
  return [`cd ${workdir}`, ...(pre.length > 0 ? ['{', ...pre, '} >&2'] : []), `{ ${testCommandFor(spec, instance)} ; } 2>&1 </dev/null`].join('\n');
}

/** Files that take part in running Python tests wherever they are: pytest's conftest and config, start-up hooks. */
const runnerFileNames = new Set(['conftest.py', 'pytest.ini', 'sitecustomize.py', 'usercustomize.py']);
/** Modules that would shadow the test runner when they sit at the repository's root (the working directory is on `sys.path` under `python -m`). */
const shadowingRootNames = new Set(['pytest.py', 'py.py', '_pytest', 'pluggy', 'pluggy.py', 'unittest', 'unittest.py', 'nose', 'nose.py']);

/**
 * The files of a candidate that would change how the tests run rather than what they test: conftest.py,
 * pytest.ini, start-up hooks (sitecustomize.py, usercustomize.py, *.pth), modules at the repository's
 * root that would shadow the runner (pytest.py, _pytest/, pluggy/, unittest/, …; pytest's own sources
 * under src/ are not at the root), and the repository files the spec's test command runs
 * (`bin/test`, `tests/runtests.py`). The grader puts them back to the base commit (or removes them)
 * before the test patch, as SWE-bench does with the test files, so a candidate cannot take over the
 * runner. None of SWE-bench Lite's or Verified's gold patches changes one of them.
 */
export function runnerFilesOf(spec: EnvironmentSpec, instance: Pick<Instance, 'instanceId' | 'version'>, candidatePatch: string): string[] {
  const commandFiles = new Set(
    expandCommand(spec.testCommand, instance)
      .split(/\s+/)
      .map((word) => word.replace(/^['"]|['"]$/g, '').replace(/^\.\//, ''))
      .filter((word) => word !== '' && !word.startsWith('-') && !word.startsWith('/') && !word.includes('=') && (word.includes('/') || word.endsWith('.py'))),
  );
  return pathsOfDiff(candidatePatch).filter(
    (file) => commandFiles.has(file) || file.endsWith('.pth') || runnerFileNames.has(file.split('/').at(-1)!) || shadowingRootNames.has(file.split('/')[0]!),
  );
}
