import type { CodePointer } from '../../code-pointer/v1/code-pointer';
import type { LocalizationResult } from './localization-result';

/**
 * The rendered-context format v1, shared by every renderer and by the rewards: one block per file,
 * `[start of path]` ... `[end of path]`, each code line as `<number> | <text>` (the number right-aligned),
 * `...` between shown spans. A string in this format maps back to exactly the (file, line) pairs it shows.
 */
export const renderedFileHeader = (path: string): string => `[start of ${path}]`;
export const renderedFileFooter = (path: string): string => `[end of ${path}]`;
export const renderedGapMarker = '...';
export const renderedLinePattern = /^ *(\d+) \| /;

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
