import type { TestStatusMap } from './test-status';

/**
 * `parse_log_sympy`: `bin/test --verbose` prints `test_name ok` / `F` / `E` per test, and a failure
 * section headed `____ sympy/x/tests/test_y.py:test_name ____` for each failure.
 */
export function parseSympyLog(log: string): TestStatusMap {
  const map: TestStatusMap = {};
  for (const match of log.matchAll(/(_*) (.*)\.py:(.*) (_*)/g)) map[`${match[2]}.py:${match[3]}`] = 'FAILED';
  for (const raw of log.split('\n')) {
    const line = raw.trim();
    if (!line.startsWith('test_')) continue;
    const name = line.split(/\s+/)[0]!;
    if (line.endsWith(' E')) map[name] = 'ERROR';
    if (line.endsWith(' F')) map[name] = 'FAILED';
    if (line.endsWith(' ok')) map[name] = 'PASSED';
  }
  return map;
}
