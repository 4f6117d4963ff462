import type { FileDiff, FileDiffStatus } from './file-diff';
import { parseUnifiedDiff } from './parse-unified-diff';

/** Where a diff touches one file of the base commit. Line numbers are 1-based in the base file. */
export interface FileGoldLines {
  path: string;
  /** Path in the base commit; null for an added file. */
  oldPath: string | null;
  status: FileDiffStatus;
  hunks: { oldStart: number; oldLines: number; newStart: number; newLines: number }[];
  /** Base lines the diff removes or replaces. */
  removedLines: number[];
  /** For every run of added lines, the base line after which it is inserted (0 = before the first line). */
  insertAfterLines: number[];
  /** Base lines of the insertions that sit in hunks removing nothing (DESIGN §4 "insert-only hunks"), 0 → 1. */
  insertOnlyAnchors: number[];
}

/**
 * How insertion points enter the gold line set:
 * - `insert-only-hunks` (DESIGN §4): only the insertions of hunks that remove nothing add their anchor;
 * - `every-insertion`: every run of added lines adds its anchor, also inside hunks that remove lines;
 * - `none`: only removed lines.
 */
export type InsertionAnchorMode = 'insert-only-hunks' | 'every-insertion' | 'none';

/**
 * Per file: the hunks, removed base lines and insertion anchors of a diff. Matches the
 * `gold_file_details` of the shared `gold-localization-*.jsonl` files (checked in tests for 800 rows).
 */
export function goldLinesByFile(diff: string | readonly FileDiff[]): FileGoldLines[] {
  const files = typeof diff === 'string' ? parseUnifiedDiff(diff) : diff;
  return files.map((file) => {
    const removed = new Set<number>();
    const insertAfter = new Set<number>();
    const insertOnly = new Set<number>();
    for (const hunk of file.hunks) {
      // The base line before the current position: context and removed lines advance it.
      let previousOldLine = hunk.oldLines === 0 ? hunk.oldStart : hunk.oldStart - 1;
      let inInsertion = false;
      const hunkRemovesNothing = hunk.lines.every((line) => line.kind !== 'removed');
      for (const line of hunk.lines) {
        if (line.kind === 'added') {
          if (!inInsertion) {
            insertAfter.add(previousOldLine);
            if (hunkRemovesNothing) insertOnly.add(Math.max(previousOldLine, 1));
          }
          inInsertion = true;
          continue;
        }
        inInsertion = false;
        if (line.kind === 'removed') removed.add(line.oldLine!);
        previousOldLine = line.oldLine!;
      }
    }
    const sorted = (values: Set<number>): number[] => [...values].sort((left, right) => left - right);
    return {
      path: file.path,
      oldPath: file.oldPath,
      status: file.status,
      hunks: file.hunks.map(({ oldStart, oldLines, newStart, newLines }) => ({ oldStart, oldLines, newStart, newLines })),
      removedLines: sorted(removed),
      insertAfterLines: sorted(insertAfter),
      insertOnlyAnchors: sorted(insertOnly),
    };
  });
}

/**
 * The gold line set G of DESIGN §4 as `path → sorted base lines`: removed or replaced lines plus
 * insertion anchors (by `mode`, default `insert-only-hunks`). Added files have no base lines and map to
 * an empty list (file recall still counts them).
 */
export function goldLines(diff: string | readonly FileDiff[], options: { insertionAnchors?: InsertionAnchorMode } = {}): Map<string, number[]> {
  const mode = options.insertionAnchors ?? 'insert-only-hunks';
  const result = new Map<string, number[]>();
  for (const file of goldLinesByFile(diff)) {
    if (file.oldPath === null) {
      result.set(file.path, []);
      continue;
    }
    const lines = new Set(file.removedLines);
    if (mode === 'insert-only-hunks') for (const line of file.insertOnlyAnchors) lines.add(line);
    if (mode === 'every-insertion') for (const line of file.insertAfterLines) lines.add(Math.max(line, 1));
    result.set(
      file.oldPath,
      [...lines].sort((left, right) => left - right),
    );
  }
  return result;
}
