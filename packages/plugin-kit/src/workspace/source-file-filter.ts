/** Test files and folders as the common Python and JavaScript layouts name them. */
export const testFilePatterns = ['**/test/**', '**/tests/**', '**/__tests__/**', '**/test_*.py', '**/*_test.py', '**/*_tests.py', '**/conftest.py', '**/*.test.*', '**/*.spec.*'];
/** Documentation: doc folders and prose files. */
export const documentationPatterns = ['**/doc/**', '**/docs/**', '**/*.md', '**/*.rst', '**/*.txt'];

/** Compiles globs into one matcher (e.g. `(globs) => picomatch([...globs], { dot: true })`): core has no glob library. */
export type GlobMatcherFactory = (globs: readonly string[]) => (path: string) => boolean;

export interface SourceFileFilterOptions {
  /** Globs of the source files to keep (e.g. `**\/*.py`). */
  include: readonly string[];
  /** Globs to leave out whatever else matches. */
  exclude: readonly string[];
  /** Leave out `testFilePatterns`. */
  excludeTests: boolean;
  /** Leave out `documentationPatterns`. */
  excludeDocs: boolean;
  compileGlobs: GlobMatcherFactory;
}

/** Which repository files count as candidate source files for a localizer. */
export function createSourceFileFilter(options: SourceFileFilterOptions): (path: string) => boolean {
  const included = options.compileGlobs(options.include);
  const excludedPatterns = [...options.exclude, ...(options.excludeTests ? testFilePatterns : []), ...(options.excludeDocs ? documentationPatterns : [])];
  const excluded = excludedPatterns.length > 0 ? options.compileGlobs(excludedPatterns) : () => false;
  return (path) => included(path) && !excluded(path);
}
