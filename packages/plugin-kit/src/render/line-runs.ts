/** A run of consecutive line numbers, both ends included. */
export interface LineRun {
  startLine: number;
  endLine: number;
}

/**
 * The runs of consecutive lines in a set of line numbers, in ascending order (`[3, 1, 2, 7]` →
 * 1-3, 7-7): how shown lines become pointers again, or `lines: 6-8` in an answer.
 */
export function lineRunsOf(lines: Iterable<number>): LineRun[] {
  const sorted = [...new Set(lines)].sort((a, b) => a - b);
  const runs: LineRun[] = [];
  for (const line of sorted) {
    const last = runs.at(-1);
    if (last && line === last.endLine + 1) last.endLine = line;
    else runs.push({ startLine: line, endLine: line });
  }
  return runs;
}
