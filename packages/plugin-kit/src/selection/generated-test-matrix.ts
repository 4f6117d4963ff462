import { createHash } from 'node:crypto';
import { z } from 'zod';
import { normalizeRepositoryPath, type ExecResult, type GeneratedTest, type InstanceSandbox, type SandboxSession, type SequenceStorage } from '@codemonkeys/protocol';
import { applyDiffInSession } from './apply-diff-in-session';

/**
 * What one generated test said about one version of the code, by the GeneratedTest contract: exit 0 =
 * `fixed`, exit 2 = `not-fixed`, any other exit = `error`; `timeout` when it ran past its limit;
 * `not-applied` when the candidate diff did not apply (the test never ran).
 */
export const GeneratedTestOutcomeSchema = z.enum(['fixed', 'not-fixed', 'error', 'timeout', 'not-applied']);
export type GeneratedTestOutcome = z.output<typeof GeneratedTestOutcomeSchema>;

export const TestMatrixCellSchema = z.object({
  outcome: GeneratedTestOutcomeSchema,
  exitCode: z.number().int().nullable(),
  durationMs: z.number().min(0),
  /** The end of stdout and stderr (or of the apply output when the diff did not apply). */
  output: z.string(),
  /** Served from the (test, patch) cache instead of run. */
  cached: z.boolean(),
});
export type TestMatrixCell = z.output<typeof TestMatrixCellSchema>;

export const TestMatrixSchema = z.object({
  /** The distinct tests run, in order (identical tests are run once). */
  tests: z.array(z.object({ key: z.string(), path: z.string(), command: z.string(), content: z.string() })),
  /** `original[t]`: test t on the unpatched code (absent when the original was not asked for). */
  original: z.array(TestMatrixCellSchema).optional(),
  /** `cells[t][c]`: test t on candidate c (candidates in the order given). */
  cells: z.array(z.array(TestMatrixCellSchema)),
});
export type TestMatrix = z.output<typeof TestMatrixSchema>;

export interface RunTestMatrixOptions {
  /** The instance's sandbox (`context.sandbox(instanceId)`); each cell borrows a session reset to the base commit. */
  sandbox: InstanceSandbox;
  /** Candidate diffs: the columns. Identical diffs are run once. */
  diffs: readonly string[];
  /** The tests: the rows. Identical tests (path, content, command) are run once. */
  tests: readonly GeneratedTest[];
  /** Also run every test on the unpatched code (default true). */
  includeOriginal?: boolean;
  /** Time limit of one test run (default 2 minutes). */
  timeoutMs?: number;
  /** Characters of output kept per cell (default 2,000, the end of it). */
  maxOutputChars?: number;
  /** Cache of cells keyed by (instance, test, diff, time limit), e.g. `context.storage`. */
  cache?: Pick<SequenceStorage, 'getCacheEntry' | 'putCacheEntries'>;
  signal?: AbortSignal;
}

const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');

/** A stable key of a generated test (its path, content and command). */
export const generatedTestKey = (test: Pick<GeneratedTest, 'path' | 'content' | 'command'>): string => sha256(JSON.stringify([test.path, test.content, test.command]));

const cacheKeyOf = (instanceId: string, testKey: string, diff: string, timeoutMs: number): string =>
  `codemonkeys:generated-test-run:v1:${sha256(JSON.stringify([instanceId, testKey, diff, timeoutMs]))}`;

const tail = (text: string, limit: number): string => (text.length <= limit ? text : `…${text.slice(-limit)}`);

function outcomeOf(result: ExecResult): GeneratedTestOutcome {
  if (result.timedOut) return 'timeout';
  if (result.exitCode === 0) return 'fixed';
  if (result.exitCode === 2) return 'not-fixed';
  return 'error';
}

/** Runs one generated test on one diff in a fresh session: apply, write the test file, run its command. */
export async function runGeneratedTest(
  session: SandboxSession,
  diff: string,
  test: Pick<GeneratedTest, 'path' | 'content' | 'command'>,
  options: { timeoutMs?: number; maxOutputChars?: number } = {},
): Promise<Omit<TestMatrixCell, 'cached'>> {
  const limit = options.maxOutputChars ?? 2_000;
  const started = Date.now();
  let path: string;
  try {
    path = normalizeRepositoryPath(test.path);
  } catch (error) {
    return { outcome: 'error', exitCode: null, durationMs: 0, output: `The test was not run: ${(error as Error).message}` };
  }
  const application = await applyDiffInSession(session, diff);
  if (!application.applied) return { outcome: 'not-applied', exitCode: null, durationMs: Date.now() - started, output: tail(application.output, limit) };
  await session.putFiles([{ path, content: test.content }]);
  const result = await session.exec(['sh', '-c', test.command], { timeoutMs: options.timeoutMs ?? 120_000 });
  const output = [result.stdout, result.stderr].filter((part) => part.length > 0).join('\n');
  return { outcome: outcomeOf(result), exitCode: result.exitCode, durationMs: result.durationMs, output: tail(output, limit) };
}

/**
 * Runs every test on every candidate (and on the unpatched code) in the instance's sandbox, each cell in
 * a session reset to the base commit, and caches each cell by (instance, test, diff). What selectors
 * vote with (CodeMonkeys' test vote) and what a model sees when it compares candidates by their tests.
 * A sandbox failure (daemon gone) is thrown; a test that errs or hangs is a cell, never an exception.
 */
export async function runTestMatrix(options: RunTestMatrixOptions): Promise<TestMatrix> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const includeOriginal = options.includeOriginal ?? true;
  const tests: TestMatrix['tests'] = [];
  const seenTests = new Set<string>();
  for (const test of options.tests) {
    const key = generatedTestKey(test);
    if (seenTests.has(key)) continue;
    seenTests.add(key);
    tests.push({ key, path: test.path, command: test.command, content: test.content });
  }
  const results = new Map<string, Promise<TestMatrixCell>>();
  const cell = (test: TestMatrix['tests'][number], diff: string): Promise<TestMatrixCell> => {
    const key = cacheKeyOf(options.sandbox.instanceId, test.key, diff, timeoutMs);
    let pending = results.get(key);
    if (!pending) {
      pending = (async () => {
        options.signal?.throwIfAborted();
        const hit = await options.cache?.getCacheEntry(key).catch(() => undefined);
        const parsed = hit ? TestMatrixCellSchema.safeParse(hit.value) : undefined;
        if (parsed?.success) return { ...parsed.data, cached: true };
        const fresh = await options.sandbox.use((session) =>
          runGeneratedTest(session, diff, test, { timeoutMs, ...(options.maxOutputChars ? { maxOutputChars: options.maxOutputChars } : {}) }),
        );
        await options.cache?.putCacheEntries([{ key, value: { ...fresh, cached: false }, createdAt: new Date().toISOString() }]).catch(() => undefined);
        return { ...fresh, cached: false };
      })();
      results.set(key, pending);
    }
    return pending;
  };
  // Cells run one after another: the sandbox pool bounds concurrency, and a failure stops the rest.
  const original: TestMatrixCell[] = [];
  const cells: TestMatrixCell[][] = [];
  for (const test of tests) {
    if (includeOriginal) original.push(await cell(test, ''));
    const row: TestMatrixCell[] = [];
    for (const diff of options.diffs) row.push(await cell(test, diff));
    cells.push(row);
  }
  return { tests, ...(includeOriginal ? { original } : {}), cells };
}

/** Votes of each candidate: how many tests it passes (`fixed`). CodeMonkeys' test vote. */
export function testVotesOf(matrix: TestMatrix, candidateCount = matrix.cells[0]?.length ?? 0): number[] {
  const votes = new Array<number>(candidateCount).fill(0);
  for (const row of matrix.cells) row.forEach((cell, index) => (votes[index]! += cell.outcome === 'fixed' ? 1 : 0));
  return votes;
}
