import { createHash } from 'node:crypto';
import { applyDiffInSession } from '@codemonkeys/plugin-kit';
import { type InstanceSandbox, type SequenceStorage, type Workspace } from '@codemonkeys/protocol';
import { z } from 'zod';
import type { RegressionFilterOptions } from './vote-options';

/** Why a test file was chosen: named after a changed module, importing one, or sharing its directory. */
export type RegressionTestReason = 'named-after' | 'imports' | 'same-directory';

export interface RegressionTestFile {
  path: string;
  reason: RegressionTestReason;
}

/** One run of the tests (at the base commit or with a candidate). */
const RegressionRunSchema = z.object({
  /** Test id → status (pytest `-rA` summary lines); empty when the output had none. */
  statuses: z.record(z.string(), z.string()),
  exitCode: z.number().int().nullable(),
  timedOut: z.boolean(),
  /** Time the command ran in the container. */
  durationMs: z.number().min(0),
});
type RegressionRun = z.output<typeof RegressionRunSchema>;

/** What happened to one candidate in the filter. */
export interface RegressionCandidateOutcome {
  status: 'ran' | 'cached' | 'not-applied' | 'timed-out' | 'over-budget';
  /** Tests that passed at the base commit and do not with the candidate. */
  newlyFailing: string[];
  /** Container time of the candidate's run (apply + tests); 0 when cached or not run. */
  containerMs: number;
}

export interface RegressionOutcome {
  /** `ran`: the filter compared candidates; `skipped`: it could not (see `reason`), and every candidate counts 0 failures. */
  status: 'ran' | 'skipped';
  reason?: string;
  testFiles: string[];
  /** Why each test file was chosen (same order as `testFiles`). */
  testFileReasons: RegressionTestReason[];
  /** Test files read to find importers. */
  filesScanned: number;
  /** New failures per candidate (0 for candidates not run). */
  failures: number[];
  /** Failing test ids per run candidate. */
  newlyFailing: Record<number, string[]>;
  /** Per candidate that was considered (runnable ones). */
  candidates: Record<number, RegressionCandidateOutcome>;
  /** Candidates ranked below the others because they break a test that passes at the base commit. */
  dropped: number[];
  original?: { exitCode: number | null; tests: number; passed: number; cached: boolean; timedOut: boolean };
  /** Container time of every run made (base and candidates; cached runs cost none), and the budget. */
  containerMs: number;
  budgetMs: number;
  /** Candidates left unfiltered because the instance's time box was spent. */
  overBudget: number[];
}

const testFilePattern = /(?:^|\/)(?:test_[^/]*|[^/]*_tests?|tests)\.py$/;
const isTestFile = (path: string): boolean => testFilePattern.test(path) || /(?:^|\/)tests?\/(?:.*\/)?[^/]*\.py$/.test(path);
const stemOf = (path: string): string => (path.split('/').pop() ?? path).replace(/\.py$/, '').replace(/^test_|_tests?$/g, '');
const directoryDepthShared = (left: string, right: string): number => {
  const a = left.split('/').slice(0, -1);
  const b = right.split('/').slice(0, -1);
  let shared = 0;
  while (shared < a.length && shared < b.length && a[shared] === b[shared]) shared += 1;
  return shared;
};

/** The dotted module of a source path (`pkg/sub/mod.py` → `pkg.sub.mod`; a package's `__init__.py` → `pkg.sub`). */
const moduleOf = (path: string): string =>
  path
    .replace(/\.py$/, '')
    .replace(/\/__init__$/, '')
    .split('/')
    .join('.');

/**
 * Whether a test module's text imports a source module: `import a.b.c`, `from a.b.c import x`,
 * `from a.b import c`, or a relative `from .c import x` / `from . import c` beside it. The module may
 * sit below a source root (`src/`, `lib/`): any dotted suffix of at least two parts matches.
 */
export function importsModule(testText: string, sourcePath: string): boolean {
  const parts = moduleOf(sourcePath).split('.');
  const names = new Set<string>();
  for (let start = 0; start < parts.length; start += 1) if (parts.length - start >= 2 || start === 0) names.add(parts.slice(start).join('.'));
  const last = parts[parts.length - 1]!;
  const parent = parts.slice(0, -1);
  for (const match of testText.matchAll(/^[ \t]*(?:from\s+(\.*[\w.]*)\s+import\s+(\([^)]*\)|[^\n#]+)|import\s+([^\n#]+))/gm)) {
    if (match[3] !== undefined) {
      for (const imported of match[3].split(',').map((item) => item.trim().split(/\s+/)[0]!)) if (names.has(imported)) return true;
      continue;
    }
    const from = match[1]!;
    const imported = match[2]!
      .replace(/[()\\]/g, ' ')
      .split(',')
      .map((item) => item.trim().split(/\s+/)[0]!);
    if (from.startsWith('.')) {
      const relative = from.replace(/^\.+/, '');
      if (relative === last || relative.endsWith(`.${last}`) || (relative === '' && imported.includes(last))) return true;
      continue;
    }
    if (names.has(from)) return true;
    for (let start = 0; start < parent.length; start += 1) {
      const suffix = parent.slice(start).join('.');
      if ((parent.length - start >= 1 && from === suffix && imported.includes(last)) || from === `${suffix}.${last}`) return true;
    }
  }
  return false;
}

/**
 * The repository's own test files related to the files the candidates change, as Agentless and
 * CodeMonkeys relate them: a test module named after a changed module (`test_<module>.py`,
 * `<module>_test.py`) first, then test modules importing a changed module (the `maxFilesScanned`
 * nearest test files are read), then, when neither finds any, the test files sharing the deepest
 * directory. Only the files of the base commit are read, never the instance's test lists.
 */
export async function discoverRegressionTests(
  workspace: Workspace,
  changedFiles: readonly string[],
  limits: { maxTestFiles: number; maxFilesScanned?: number },
): Promise<{ files: RegressionTestFile[]; filesScanned: number }> {
  const sources = changedFiles.filter((path) => path.endsWith('.py') && !isTestFile(path));
  if (sources.length === 0) return { files: [], filesScanned: 0 };
  const nearness = (path: string): number => Math.max(...sources.map((source) => directoryDepthShared(path, source)));
  const testFiles = (await workspace.listFiles())
    .filter((path) => testFilePattern.test(path))
    .map((path) => ({ path, nearness: nearness(path), named: sources.some((source) => stemOf(source) !== '__init__' && stemOf(path) === stemOf(source)) }))
    .sort((left, right) => Number(right.named) - Number(left.named) || right.nearness - left.nearness || (left.path < right.path ? -1 : 1));
  const chosen: RegressionTestFile[] = testFiles.filter((file) => file.named).map((file) => ({ path: file.path, reason: 'named-after' }));
  let filesScanned = 0;
  for (const file of testFiles) {
    if (chosen.length >= limits.maxTestFiles || filesScanned >= (limits.maxFilesScanned ?? 400)) break;
    if (file.named) continue;
    filesScanned += 1;
    const text = await workspace.readFile(file.path).catch(() => '');
    if (sources.some((source) => importsModule(text, source))) chosen.push({ path: file.path, reason: 'imports' });
  }
  if (chosen.length === 0)
    for (const file of testFiles.filter((entry) => entry.nearness > 0)) {
      if (chosen.length >= limits.maxTestFiles) break;
      chosen.push({ path: file.path, reason: 'same-directory' });
    }
  return { files: chosen.slice(0, limits.maxTestFiles), filesScanned };
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

const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');

/** The cache key of one run: (instance, the test command with its files, the candidate's diff). */
export const regressionCacheKey = (instanceId: string, command: string, diff: string): string =>
  `codemonkeys:selector-vote:regression-run:v1:${instanceId}:${sha256(command)}:${sha256(diff)}`;

async function runInSandbox(sandbox: InstanceSandbox, diff: string, command: string, timeoutMs: number): Promise<{ run?: RegressionRun; containerMs: number }> {
  const started = Date.now();
  const run = await sandbox.use(async (session) => {
    const application = await applyDiffInSession(session, diff);
    if (!application.applied) return undefined;
    const result = await session.exec(['sh', '-c', command], { timeoutMs });
    return { statuses: parseTestStatuses(`${result.stdout}\n${result.stderr}`), exitCode: result.exitCode, timedOut: result.timedOut, durationMs: result.durationMs };
  });
  return { ...(run ? { run } : {}), containerMs: Date.now() - started };
}

const passes = (status: string | undefined): boolean => status === 'PASSED' || status === 'XFAIL';

export interface RegressionFilterInput {
  sandbox: InstanceSandbox;
  workspace: Workspace;
  diffs: readonly string[];
  changedFiles: readonly string[];
  /** Candidates worth running (non-empty, applying). */
  runnable: readonly number[];
  settings: RegressionFilterOptions;
  cache?: Pick<SequenceStorage, 'getCacheEntry' | 'putCacheEntries'>;
  signal?: AbortSignal;
  /** The clock (tests of the time box give their own). */
  now?: () => number;
}

/**
 * Runs the related tests at the base commit once and with each runnable candidate, within the
 * instance's time box, and counts per candidate the tests that passed at the base commit and fail with
 * it. Runs are cached per (instance, test command and files, diff), so a second selection over the same
 * candidates runs nothing.
 */
export async function runRegressionFilter(input: RegressionFilterInput): Promise<RegressionOutcome> {
  const now = input.now ?? Date.now;
  const started = now();
  const budgetMs = input.settings.instanceBudgetMs;
  const failures = new Array<number>(input.diffs.length).fill(0);
  const discovered = await discoverRegressionTests(input.workspace, input.changedFiles, input.settings);
  const outcome: RegressionOutcome = {
    status: 'skipped',
    testFiles: discovered.files.map((file) => file.path),
    testFileReasons: discovered.files.map((file) => file.reason),
    filesScanned: discovered.filesScanned,
    failures,
    newlyFailing: {},
    candidates: {},
    dropped: [],
    containerMs: 0,
    budgetMs,
    overBudget: [],
  };
  if (discovered.files.length === 0) return { ...outcome, reason: 'no existing test file is related to the changed Python files' };
  const command = input.settings.command.replace('{files}', discovered.files.map((file) => quote(file.path)).join(' '));

  const storedRun = async (diff: string): Promise<RegressionRun | undefined> => {
    if (!input.cache) return undefined;
    const hit = await input.cache.getCacheEntry(regressionCacheKey(input.sandbox.instanceId, command, diff)).catch(() => undefined);
    const parsed = RegressionRunSchema.safeParse(hit?.value);
    return parsed.success ? parsed.data : undefined;
  };
  const remember = async (diff: string, run: RegressionRun): Promise<void> => {
    // A run cut off by its time limit says nothing stable about the candidate: not cached.
    if (!input.cache || run.timedOut) return;
    await input.cache
      .putCacheEntries([{ key: regressionCacheKey(input.sandbox.instanceId, command, diff), value: run, createdAt: new Date().toISOString() }])
      .catch(() => undefined);
  };
  const timeLeft = (): number => budgetMs - (now() - started);
  // Runs of this selection by diff: a candidate given twice runs once, with or without the plugin's cache.
  const seen = new Map<string, RegressionRun>();
  const cachedRun = async (diff: string): Promise<RegressionRun | undefined> => seen.get(diff) ?? (await storedRun(diff));
  const execute = async (diff: string): Promise<{ run?: RegressionRun; cached: boolean; containerMs: number }> => {
    const hit = await cachedRun(diff);
    if (hit) return { run: hit, cached: true, containerMs: 0 };
    const { run, containerMs } = await runInSandbox(input.sandbox, diff, command, Math.max(1, Math.min(input.settings.timeoutMs, timeLeft())));
    outcome.containerMs += containerMs;
    if (run) {
      seen.set(diff, run);
      await remember(diff, run);
    }
    return { ...(run ? { run } : {}), cached: false, containerMs };
  };

  const base = await execute('');
  const original = base.run;
  if (!original) return { ...outcome, reason: 'the test command could not run at the base commit' };
  const passedBefore = Object.keys(original.statuses).filter((test) => passes(original.statuses[test]));
  outcome.original = { exitCode: original.exitCode, tests: Object.keys(original.statuses).length, passed: passedBefore.length, cached: base.cached, timedOut: original.timedOut };
  if (original.timedOut) return { ...outcome, reason: 'the related tests timed out at the base commit' };
  // No summary to compare (another runner) and a failing exit at the base commit: nothing passes to protect.
  if (passedBefore.length === 0 && original.exitCode !== 0) return { ...outcome, reason: 'no related test passes at the base commit' };

  for (const index of input.runnable) {
    input.signal?.throwIfAborted();
    const hit = await cachedRun(input.diffs[index]!);
    if (!hit && timeLeft() <= 0) {
      outcome.overBudget.push(index);
      outcome.candidates[index] = { status: 'over-budget', newlyFailing: [], containerMs: 0 };
      continue;
    }
    const result = hit ? { run: hit, cached: true, containerMs: 0 } : await execute(input.diffs[index]!);
    const run = result.run;
    if (!run) {
      outcome.candidates[index] = { status: 'not-applied', newlyFailing: [], containerMs: result.containerMs };
      continue;
    }
    let failing = passedBefore.filter((test) => !passes(run.statuses[test]));
    // No summary to compare: a run that fails where the base commit passed counts once.
    if (passedBefore.length === 0 && run.exitCode !== 0) failing = ['(the test command failed)'];
    // A candidate cut off by the time limit while the base run finished counts as breaking what did not finish.
    const status = run.timedOut ? 'timed-out' : result.cached ? 'cached' : 'ran';
    failures[index] = failing.length;
    outcome.newlyFailing[index] = failing;
    outcome.candidates[index] = { status, newlyFailing: failing, containerMs: result.containerMs };
  }
  outcome.dropped = input.runnable.filter((index) => failures[index]! > 0);
  outcome.status = 'ran';
  if (outcome.overBudget.length > 0) outcome.reason = `the instance's time box (${budgetMs} ms) was spent before ${outcome.overBudget.length} candidate(s) ran`;
  return outcome;
}
