import { runTestMatrix, testVotesOf, type TestMatrix, type TestMatrixCell } from '@codemonkeys/plugin-kit';
import { type GeneratedTest, type InstanceSandbox, type Patch, type SequenceStorage } from '@codemonkeys/protocol';

/** A distinct candidate diff, with every candidate index that has it. */
export interface Contender {
  /** Position among the distinct diffs, first seen first. */
  id: number;
  /** Indices of the candidates with this diff (after line-ending and trailing-space normalization). */
  members: number[];
  diff: string;
  empty: boolean;
  /** false when no generated test could run because the diff does not apply; undefined when unknown. */
  applies?: boolean;
  /** Generated tests passed (the test vote); 0 without tests. */
  votes: number;
  /** One line per generated test, as shown to the model. */
  testResults?: string[];
}

export interface PreparedContenders {
  contenders: Contender[];
  /** One line per generated test on the unpatched code. */
  originalTestResults?: string[];
  /** The test vote, compact, for the metadata. */
  testMatrix?: { tests: Array<{ path: string; command: string }>; contenders: number[]; outcomes: string[][]; original: string[]; cachedCells: number };
}

/** Exact duplicates differ at most in line endings and trailing whitespace. */
const identityOf = (diff: string): string =>
  diff
    .replace(/\r\n/g, '\n')
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .trim();

export function distinctContenders(patches: readonly Patch[]): Contender[] {
  const byIdentity = new Map<string, Contender>();
  patches.forEach((patch, index) => {
    const identity = identityOf(patch.diff);
    const existing = byIdentity.get(identity);
    if (existing) existing.members.push(index);
    else byIdentity.set(identity, { id: byIdentity.size, members: [index], diff: patch.diff, empty: identity === '', votes: 0 });
  });
  return [...byIdentity.values()];
}

const describeCell = (cell: TestMatrixCell): string =>
  cell.outcome === 'not-applied' ? 'not run: the candidate does not apply' : `${cell.outcome} (exit ${cell.exitCode ?? (cell.outcome === 'timeout' ? 'none, timed out' : 'none')})`;

/**
 * CodeMonkeys' test vote over distinct non-empty candidates: every generated test of every candidate
 * on each of them and on the original code, in the sandbox; votes = tests passed.
 */
export async function voteByTests(options: {
  contenders: Contender[];
  patches: readonly Patch[];
  sandbox: InstanceSandbox;
  timeoutMs: number;
  cache?: Pick<SequenceStorage, 'getCacheEntry' | 'putCacheEntries'>;
  signal: AbortSignal;
}): Promise<PreparedContenders> {
  const tests: GeneratedTest[] = options.patches.flatMap((patch) => patch.tests ?? []);
  const runnable = options.contenders.filter((contender) => !contender.empty);
  if (tests.length === 0 || runnable.length === 0) return { contenders: options.contenders };
  const matrix: TestMatrix = await runTestMatrix({
    sandbox: options.sandbox,
    diffs: runnable.map((contender) => contender.diff),
    tests,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    ...(options.cache ? { cache: options.cache } : {}),
  });
  const votes = testVotesOf(matrix, runnable.length);
  runnable.forEach((contender, column) => {
    contender.votes = votes[column]!;
    contender.applies = !matrix.cells.every((row) => row[column]!.outcome === 'not-applied');
    contender.testResults = matrix.tests.map((test, row) => `${test.path}: ${describeCell(matrix.cells[row]![column]!)}`);
  });
  const cells = [...matrix.cells.flat(), ...(matrix.original ?? [])];
  return {
    contenders: options.contenders,
    originalTestResults: matrix.tests.map((test, row) => `${test.path}: ${describeCell(matrix.original![row]!)}`),
    testMatrix: {
      tests: matrix.tests.map((test) => ({ path: test.path, command: test.command })),
      contenders: runnable.map((contender) => contender.id),
      outcomes: matrix.cells.map((row) => row.map((cell) => cell.outcome)),
      original: (matrix.original ?? []).map((cell) => cell.outcome),
      cachedCells: cells.filter((cell) => cell.cached).length,
    },
  };
}

/** Best first: applying, most test votes, most identical copies, first seen. The vote winner is the first. */
export function byVotes(contenders: readonly Contender[]): Contender[] {
  return [...contenders].sort(
    (left, right) =>
      Number(left.empty) - Number(right.empty) ||
      Number(left.applies === false) - Number(right.applies === false) ||
      right.votes - left.votes ||
      right.members.length - left.members.length ||
      left.id - right.id,
  );
}
