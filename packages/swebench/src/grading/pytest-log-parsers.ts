import { testStatuses, type TestStatus, type TestStatusMap } from './test-status';

/*
 * The pytest-family parsers reproduce SWE-bench's (swebench/harness/log_parsers/python.py) line by
 * line, quirks included: a verdict is only comparable with published results if the parse is the same.
 * They read pytest's short test summary (`-rA`): `PASSED tests/test_x.py::test_a`,
 * `FAILED tests/test_x.py::test_b - AssertionError: ...`.
 */

const startsWithStatus = (line: string): TestStatus | undefined => testStatuses.find((status) => line.startsWith(status));
const endsWithStatus = (line: string): TestStatus | undefined => testStatuses.find((status) => line.endsWith(status));
/** Python's `str.split()` without arguments. */
const splitWords = (line: string): string[] => line.split(/\s+/).filter((word) => word !== '');

function summaryLine(map: TestStatusMap, line: string, rename: (name: string) => string = (name) => name): void {
  if (!startsWithStatus(line)) return;
  // "FAILED test - message": dropping " - " keeps the test name as the second word.
  const cleaned = line.startsWith('FAILED') ? line.replaceAll(' - ', ' ') : line;
  const words = splitWords(cleaned);
  if (words.length <= 1) return;
  map[rename(words[1]!)] = words[0] as TestStatus;
}

/** `parse_log_pytest`: pytest `-rA` summary lines (pytest, flask, xarray, astroid, sqlfluff, ...). */
export function parsePytestLog(log: string): TestStatusMap {
  const map: TestStatusMap = {};
  for (const line of log.split('\n')) summaryLine(map, line);
  return map;
}

/**
 * `parse_log_pytest_options` (requests, pylint, pydicom): like pytest, but a parametrization that is
 * an absolute path keeps only its last component, so ids do not depend on where the repository lives.
 */
export function parsePytestOptionsLog(log: string): TestStatusMap {
  const map: TestStatusMap = {};
  const optionPattern = /(.*?)\[(.*)\]/;
  const rename = (name: string): string => {
    const match = optionPattern.exec(name);
    if (!match) return name;
    let option = match[2]!;
    if (option.startsWith('/') && !option.startsWith('//') && !option.includes('*')) option = `/${option.split('/').pop()}`;
    return `${match[1]}[${option}]`;
  };
  for (const line of log.split('\n')) summaryLine(map, line, rename);
  return map;
}

const controlCharacters = /[\u0001-\u001f]/g;

/**
 * `parse_log_pytest_v2` (astropy, scikit-learn, sphinx): strips ANSI colour codes and control
 * characters (tox colours its output), then reads summary lines and, for old pytest's verbose
 * `path::test PASSED` lines, the status at the end. SWE-bench's upstream code once stored those
 * end-of-line verdicts with name and status swapped; the corrected mapping (name → status) is used.
 */
export function parsePytestV2Log(log: string): TestStatusMap {
  const map: TestStatusMap = {};
  for (const raw of log.split('\n')) {
    const line = raw.replace(/\[(\d+)m/g, '').replace(controlCharacters, '');
    if (startsWithStatus(line)) {
      summaryLine(map, line);
    } else if (endsWithStatus(line)) {
      const words = splitWords(line);
      if (words.length >= 2) map[words[0]!] = words[1] as TestStatus;
    }
  }
  return map;
}

/** `parse_log_matplotlib`: pytest, with `MouseButton.LEFT/RIGHT` in parametrized ids read as 1/3. */
export function parseMatplotlibLog(log: string): TestStatusMap {
  const map: TestStatusMap = {};
  for (const raw of log.split('\n')) summaryLine(map, raw.replaceAll('MouseButton.LEFT', '1').replaceAll('MouseButton.RIGHT', '3'));
  return map;
}

/** `parse_log_seaborn`: FAILED summary lines, and PASSED either first (summary) or second (verbose). */
export function parseSeabornLog(log: string): TestStatusMap {
  const map: TestStatusMap = {};
  for (const line of log.split('\n')) {
    if (line.startsWith('FAILED')) {
      const name = splitWords(line)[1];
      if (name !== undefined) map[name] = 'FAILED';
    } else if (line.includes(' PASSED ')) {
      const words = splitWords(line);
      if (words[1] === 'PASSED') map[words[0]!] = 'PASSED';
    } else if (line.startsWith('PASSED')) {
      const name = splitWords(line)[1];
      if (name !== undefined) map[name] = 'PASSED';
    }
  }
  return map;
}
