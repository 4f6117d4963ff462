import { runTestMatrix, testVotesOf, type TestMatrix } from '@codemonkeys/plugin-kit';
import { type GeneratedTest, type InstanceSandbox, type Patch, type SequenceStorage } from '@codemonkeys/protocol';

export interface TestVoteOutcome {
  /** Votes per candidate (tests passed); 0 for candidates not run (empty, not applying). */
  votes: number[];
  /** The matrix, compact: outcome per (test, candidate) and on the original code. */
  matrix: TestVoteMatrix;
}

/** The test matrix as metadata: outcomes only (outputs are long), candidates by index. */
export interface TestVoteMatrix {
  /** Each distinct test: its path, command and the candidates that wrote it. */
  tests: Array<{ path: string; command: string; writtenBy: number[] }>;
  /** Candidates that were run (the columns of `outcomes`). */
  candidates: number[];
  /** `outcomes[t][c]`: outcome of test t on `candidates[c]`. */
  outcomes: string[][];
  /** Outcome of each test on the unpatched code. */
  original: string[];
  /** Cells served from the (test, patch) cache. */
  cachedCells: number;
}

export interface TestVoteOptions {
  sandbox: InstanceSandbox;
  patches: readonly Patch[];
  /** Candidates worth running (non-empty, applying). */
  runnable: readonly number[];
  timeoutMs: number;
  cache?: Pick<SequenceStorage, 'getCacheEntry' | 'putCacheEntries'>;
  signal: AbortSignal;
}

/** CodeMonkeys' test vote: every candidate's generated tests on every runnable candidate and the original code. */
export async function runTestVote(options: TestVoteOptions): Promise<TestVoteOutcome> {
  const tests: GeneratedTest[] = [];
  const writers = new Map<string, number[]>();
  options.patches.forEach((patch, index) => {
    for (const test of patch.tests ?? []) {
      tests.push(test);
      const key = JSON.stringify([test.path, test.content, test.command]);
      writers.set(key, [...(writers.get(key) ?? []), index]);
    }
  });
  const matrix: TestMatrix = await runTestMatrix({
    sandbox: options.sandbox,
    diffs: options.runnable.map((index) => options.patches[index]!.diff),
    tests,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    ...(options.cache ? { cache: options.cache } : {}),
  });
  const runnableVotes = testVotesOf(matrix, options.runnable.length);
  const votes = new Array<number>(options.patches.length).fill(0);
  options.runnable.forEach((index, column) => (votes[index] = runnableVotes[column]!));
  const cells = [...matrix.cells.flat(), ...(matrix.original ?? [])];
  return {
    votes,
    matrix: {
      tests: matrix.tests.map((test) => ({ path: test.path, command: test.command, writtenBy: writers.get(JSON.stringify([test.path, test.content, test.command])) ?? [] })),
      candidates: [...options.runnable],
      outcomes: matrix.cells.map((row) => row.map((cell) => cell.outcome)),
      original: (matrix.original ?? []).map((cell) => cell.outcome),
      cachedCells: cells.filter((cell) => cell.cached).length,
    },
  };
}
