import type { TestSelection } from './environment-spec';

/** Files a test patch changes that are data, not tests (SWE-bench's NON_TEST_EXTS). */
const nonTestExtensions = ['.json', '.png', 'csv', '.txt', '.md', '.jpg', '.jpeg', '.pkl', '.yml', '.yaml', '.toml'];

/**
 * The test targets of an instance from its test patch, as SWE-bench's `get_test_directives` computes
 * them: the `b/` paths of `diff --git` headers, data files left out; for Django, dotted labels.
 */
export function testTargetsOf(testPatch: string, selection: TestSelection = 'test-files'): string[] {
  const paths = [...testPatch.matchAll(/^diff --git a\/.* b\/(.*)$/gm)].map((match) => match[1]!);
  const tests = paths.filter((path) => !nonTestExtensions.some((extension) => path.endsWith(extension)));
  if (selection === 'test-files') return tests;
  return tests.map((path) => {
    let label = path.endsWith('.py') ? path.slice(0, -3) : path;
    if (label.startsWith('tests/')) label = label.slice('tests/'.length);
    return label.replaceAll('/', '.');
  });
}

/** Quotes a word for a POSIX shell when it needs it. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}
