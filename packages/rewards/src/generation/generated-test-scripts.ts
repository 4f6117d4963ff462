/** Where the coverage helpers go inside the sandbox (/tmp is emptied at every session reset). */
export const coverageDirectory = '/tmp/codemonkeys-coverage';

const quote = (value: string): string => `'${value.replaceAll("'", "'\\''")}'`;

/**
 * Started by every Python process of the test run (PYTHONPATH puts this directory first): coverage.py's
 * documented way to measure subprocesses. A missing coverage.py leaves the test run as it would be.
 */
export const coverageSitecustomize = [
  '# codemonkeys rewards: measure every Python process of the generated test with coverage.py',
  'try:',
  '    import coverage',
  '    coverage.process_startup()',
  'except Exception:',
  '    pass',
  '',
].join('\n');

/** coverage.py configuration: parallel data files (one per process), only the gold patch's files measured. */
export function coverageConfig(absolutePaths: readonly string[]): string {
  return ['[run]', 'parallel = True', `data_file = ${coverageDirectory}/data`, 'include =', ...absolutePaths.map((path) => `    ${path}`), ''].join('\n');
}

/**
 * Combines the data files and asks coverage.py which lines of each gold file are statements and which of
 * them ran (`analysis2` parses files that never ran too). Prints JSON: `{ version, measured, files: { path:
 * { statements, executed } | { error } } }`.
 */
export const coverageReportScript = [
  'import glob, json, os, sys',
  'import coverage',
  `directory = ${JSON.stringify(coverageDirectory)}`,
  'paths = json.loads(sys.argv[1])',
  "measured = len(glob.glob(os.path.join(directory, 'data.*'))) > 0",
  "cov = coverage.Coverage(config_file=os.path.join(directory, 'coveragerc'))",
  'if measured:',
  '    cov.combine(data_paths=[directory])',
  'else:',
  '    cov.load()',
  'files = {}',
  'for relative, absolute in paths.items():',
  '    try:',
  '        _, statements, _, missing, _ = cov.analysis2(absolute)',
  '        missing = set(missing)',
  "        files[relative] = {'statements': sorted(statements), 'executed': sorted(line for line in statements if line not in missing)}",
  '    except Exception as error:',
  "        files[relative] = {'error': '%s: %s' % (type(error).__name__, error)}",
  "print(json.dumps({'version': coverage.__version__, 'measured': measured, 'files': files}))",
  '',
].join('\n');

/**
 * The shell script of one generated-test run: the test command under `timeout` (exit 124 past the limit),
 * optionally measured by coverage.py, whose report is written after the test (unmeasured) to
 * `coverage.json`. Exits with the test's exit code.
 */
export function generatedTestScript(options: { command: string; timeoutSeconds: number; coverage?: { paths: Record<string, string> } }): string {
  const run = `timeout -k 5 ${options.timeoutSeconds} sh -c ${quote(options.command)}`;
  if (!options.coverage) return `${run}\nexit $?`;
  return [
    'codemonkeys_pythonpath="${PYTHONPATH:-}"',
    `export COVERAGE_PROCESS_START=${coverageDirectory}/coveragerc`,
    `export PYTHONPATH="${coverageDirectory}\${PYTHONPATH:+:$PYTHONPATH}"`,
    run,
    'codemonkeys_status=$?',
    'unset COVERAGE_PROCESS_START',
    'if [ -n "$codemonkeys_pythonpath" ]; then export PYTHONPATH="$codemonkeys_pythonpath"; else unset PYTHONPATH; fi',
    'codemonkeys_python=$(command -v python3 || command -v python)',
    `"$codemonkeys_python" ${coverageDirectory}/report.py ${quote(JSON.stringify(options.coverage.paths))} >${coverageDirectory}/coverage.json 2>${coverageDirectory}/coverage.err`,
    'exit $codemonkeys_status',
  ].join('\n');
}
