import type { CodePointer } from '../code-pointer/v1/code-pointer';
import type { LocalizationResult } from '../localization/v1/localization-result';
import { renderedLinePattern } from './context-renderer';

/** (file → line numbers) shown by a context. */
export type ShownLines = Map<string, Set<number>>;

const startPattern = /^\[start of (.+)\]$/;
const endPattern = /^\[end of (.+)\]$/;

/**
 * The (file, line) pairs a rendered context shows: lines inside a `[start of path]` ... `[end of path]`
 * block that carry a line number. Text around the blocks (instructions, the issue) is ignored.
 */
export function parseRenderedContext(text: string): ShownLines {
  const shown: ShownLines = new Map();
  let current: Set<number> | undefined;
  let currentPath: string | undefined;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/\r$/, '');
    if (current === undefined) {
      const start = startPattern.exec(line);
      if (start) {
        currentPath = start[1]!;
        current = shown.get(currentPath) ?? new Set<number>();
        shown.set(currentPath, current);
      }
      continue;
    }
    const numbered = renderedLinePattern.exec(line);
    if (numbered) {
      current.add(Number(numbered[1]));
      continue;
    }
    const end = endPattern.exec(line);
    if (end && end[1] === currentPath) {
      current = undefined;
      currentPath = undefined;
    }
  }
  for (const [path, lines] of shown) if (lines.size === 0) shown.delete(path);
  return shown;
}

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

const maxPointerLines = 1_000_000;

/** The (file, line) pairs covered by code pointers (as given: not clamped to file lengths). */
export function pointerLines(pointers: readonly CodePointer[]): ShownLines {
  const shown: ShownLines = new Map();
  for (const pointer of pointers) {
    if (pointer.endLine - pointer.startLine > maxPointerLines) {
      throw new RangeError(`Pointer ${pointer.path}:${pointer.startLine}-${pointer.endLine} spans more than ${maxPointerLines} lines; clamp pointers to the file's length.`);
    }
    const lines = shown.get(pointer.path) ?? new Set<number>();
    for (let line = pointer.startLine; line <= pointer.endLine; line += 1) lines.add(line);
    shown.set(pointer.path, lines);
  }
  return shown;
}

/** The lines a localization result shows, whichever form it has. */
export function shownLinesOf(result: LocalizationResult): ShownLines {
  return typeof result.content === 'string' ? parseRenderedContext(result.content) : pointerLines(result.content);
}
