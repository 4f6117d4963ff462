import { parseUnifiedDiff } from '../diff/parse-unified-diff';
import type { EnvironmentSpec } from '../environment/environment-spec';
import { expandCommand, testCommandFor } from '../environment/find-environment-spec';
import { evaluationLogMarkers } from '../grading/evaluation-log-markers';
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
 * The test run of an instance: the spec's pre-test commands, then its test command on the test patch's
 * targets between SWE-bench's markers, stderr merged into stdout (Django's runner reports on stderr).
 */
export function testRunScript(spec: EnvironmentSpec, instance: Pick<Instance, 'instanceId' | 'version' | 'testPatch'>, workdir: string): string {
  const expansion = { instanceId: instance.instanceId, ...(instance.version === undefined ? {} : { version: instance.version }) };
  return [
    `cd ${workdir}`,
    ...spec.preTestCommands.map((command) => expandCommand(command, expansion)),
    `echo '${evaluationLogMarkers.startTestOutput}'`,
    `{ ${testCommandFor(spec, instance)} ; } 2>&1`,
    `echo '${evaluationLogMarkers.endTestOutput}'`,
  ].join('\n');
}
