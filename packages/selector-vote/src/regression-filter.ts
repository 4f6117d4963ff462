import { applyDiffInSession } from '@codemonkeys/plugin-kit';
import { type InstanceSandbox, type Workspace } from '@codemonkeys/protocol';

export interface RegressionFilterSettings {
  command: string;
  maxTestFiles: number;
  timeoutMs: number;
}

export interface RegressionRun {
  /** Test id → status (pytest `-rA` summary lines); empty when the output had none. */
  statuses: Record<string, string>;
  exitCode: number | null;
  timedOut: boolean;
}

export interface RegressionOutcome {
  testFiles: string[];
  /** New failures per candidate (0 for candidates not run). */
  failures: number[];
  /** Failing test ids per run candidate, for the metadata. */
  newlyFailing: Record<number, string[]>;
  original?: { exitCode: number | null; tests: number };
}

const testFilePattern = /(?:^|\/)(?:test_[^/]*|[^/]*_test|tests)\.py$/;
const stemOf = (path: string): string => (path.split('/').pop() ?? path).replace(/\.py$/, '').replace(/^test_|_test$/g, '');
const sharedPrefix = (left: string, right: string): number => {
  const a = left.split('/').slice(0, -1);
  const b = right.split('/').slice(0, -1);
  let shared = 0;
  while (shared < a.length && shared < b.length && a[shared] === b[shared]) shared += 1;
  return shared;
};

/**
 * The repository's own test files nearest the files the candidates change: a test file named after a
 * changed module (`test_<module>.py`, `<module>_test.py`) first, then test files sharing the deepest
 * directory. Only files of the base commit are considered, never the instance's test lists.
 */
export async function discoverRegressionTests(workspace: Workspace, changedFiles: readonly string[], maxFiles: number): Promise<string[]> {
  const sources = changedFiles.filter((path) => path.endsWith('.py') && !testFilePattern.test(path));
  if (sources.length === 0) return [];
  const testFiles = (await workspace.listFiles()).filter((path) => testFilePattern.test(path));
  const scored = testFiles
    .map((path) => {
      let score = 0;
      for (const source of sources) {
        const nameMatch = stemOf(path) === stemOf(source) ? 100 : 0;
        score = Math.max(score, nameMatch + sharedPrefix(path, source));
      }
      return { path, score };
    })
    .filter((entry) => entry.score > 0)
    .sort((left, right) => right.score - left.score || (left.path < right.path ? -1 : 1));
  return scored.slice(0, maxFiles).map((entry) => entry.path);
}

const quote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;

/** Test statuses from pytest's `-rA` short summary (`PASSED path::test`, `FAILED path::test - reason`). */
export function parseTestStatuses(output: string): Record<string, string> {
  const statuses: Record<string, string> = {};
  for (const line of output.split('\n')) {
    const match = /^(PASSED|FAILED|ERROR|XFAIL|XPASS|SKIPPED) (\S+)/.exec(line.trim());
    if (match) statuses[match[2]!] = match[1]!;
  }
  return statuses;
}

async function runRegression(sandbox: InstanceSandbox, diff: string, command: string, timeoutMs: number): Promise<RegressionRun | undefined> {
  return sandbox.use(async (session) => {
    const application = await applyDiffInSession(session, diff);
    if (!application.applied) return undefined;
    const result = await session.exec(['sh', '-c', command], { timeoutMs });
    return { statuses: parseTestStatuses(`${result.stdout}\n${result.stderr}`), exitCode: result.exitCode, timedOut: result.timedOut };
  });
}

const passes = (status: string | undefined): boolean => status === 'PASSED' || status === 'XFAIL';

/** Runs the discovered tests on the original code and on each runnable candidate; counts tests that passed before and fail after. */
export async function runRegressionFilter(options: {
  sandbox: InstanceSandbox;
  workspace: Workspace;
  diffs: readonly string[];
  changedFiles: readonly string[];
  runnable: readonly number[];
  settings: RegressionFilterSettings;
}): Promise<RegressionOutcome> {
  const failures = new Array<number>(options.diffs.length).fill(0);
  const testFiles = await discoverRegressionTests(options.workspace, options.changedFiles, options.settings.maxTestFiles);
  if (testFiles.length === 0) return { testFiles, failures, newlyFailing: {} };
  const command = options.settings.command.replace('{files}', testFiles.map(quote).join(' '));
  const original = await runRegression(options.sandbox, '', command, options.settings.timeoutMs);
  const newlyFailing: Record<number, string[]> = {};
  for (const index of options.runnable) {
    const run = await runRegression(options.sandbox, options.diffs[index]!, command, options.settings.timeoutMs);
    if (!run || !original) continue;
    const passedBefore = Object.keys(original.statuses).filter((test) => passes(original.statuses[test]));
    let failing = passedBefore.filter((test) => !passes(run.statuses[test]));
    // No summary to compare (another runner): a run that fails where the original passed counts once.
    if (passedBefore.length === 0 && original.exitCode === 0 && run.exitCode !== 0) failing = ['(the test command failed)'];
    failures[index] = failing.length;
    newlyFailing[index] = failing;
  }
  return { testFiles, failures, newlyFailing, ...(original ? { original: { exitCode: original.exitCode, tests: Object.keys(original.statuses).length } } : {}) };
}
