import picomatch from 'picomatch';

/** Test files and folders as the common Python and JavaScript layouts name them. */
export const testFilePatterns = ['**/test/**', '**/tests/**', '**/__tests__/**', '**/test_*.py', '**/*_test.py', '**/*_tests.py', '**/conftest.py', '**/*.test.*', '**/*.spec.*'];
/** Documentation: doc folders and prose files. */
export const documentationPatterns = ['**/doc/**', '**/docs/**', '**/*.md', '**/*.rst', '**/*.txt'];

export interface SourceFileFilterOptions {
  /** Globs of the source files to keep (e.g. `**\/*.py`). */
  include: readonly string[];
  /** Globs to leave out whatever else matches. */
  exclude: readonly string[];
  excludeTests: boolean;
  excludeDocs: boolean;
}

/** Which repository files count as candidate source files. Globs match dot files too. */
export function createSourceFileFilter(options: SourceFileFilterOptions): (path: string) => boolean {
  const included = picomatch([...options.include], { dot: true });
  const excludedPatterns = [...options.exclude, ...(options.excludeTests ? testFilePatterns : []), ...(options.excludeDocs ? documentationPatterns : [])];
  const excluded = excludedPatterns.length > 0 ? picomatch(excludedPatterns, { dot: true }) : () => false;
  return (path) => included(path) && !excluded(path);
}
