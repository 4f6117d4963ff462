import type { FileDiff } from './file-diff';
import { parseUnifiedDiff } from './parse-unified-diff';

/** How whitespace inside a line is treated when diffs are compared. */
export type WhitespaceMode =
  /** Keep the line as written. */
  | 'exact'
  /** Drop trailing whitespace. */
  | 'trailing'
  /** Drop leading and trailing whitespace and collapse inner runs to one space. */
  | 'collapse';

export interface ChangedLine {
  path: string;
  kind: 'removed' | 'added';
  /** The line, whitespace-normalized by the chosen mode. */
  content: string;
  /** Base-file line of a removed line; patched-file line of an added one. */
  line: number;
}

export interface ChangedLinesOptions {
  /** Default `collapse`. */
  whitespace?: WhitespaceMode;
  /** Leave out lines that are empty after normalization (default true). */
  ignoreBlankLines?: boolean;
}

export function normalizeWhitespace(line: string, mode: WhitespaceMode): string {
  if (mode === 'exact') return line;
  if (mode === 'trailing') return line.replace(/\s+$/, '');
  return line.trim().replace(/\s+/g, ' ');
}

/**
 * The removed and added lines of a diff, file by file (sorted by path) and in hunk order, with
 * whitespace normalized. Shared by the similarity reward, vote selectors and patch normalization.
 */
export function changedLines(diff: string | readonly FileDiff[], options: ChangedLinesOptions = {}): ChangedLine[] {
  const whitespace = options.whitespace ?? 'collapse';
  const ignoreBlankLines = options.ignoreBlankLines ?? true;
  const files = (typeof diff === 'string' ? parseUnifiedDiff(diff) : [...diff]).sort((left, right) => (left.path < right.path ? -1 : left.path > right.path ? 1 : 0));
  const result: ChangedLine[] = [];
  for (const file of files) {
    for (const hunk of file.hunks) {
      for (const line of hunk.lines) {
        if (line.kind === 'context') continue;
        const content = normalizeWhitespace(line.content, whitespace);
        if (ignoreBlankLines && content === '') continue;
        result.push({ path: file.path, kind: line.kind, content, line: (line.kind === 'removed' ? line.oldLine : line.newLine)! });
      }
    }
  }
  return result;
}

/**
 * The changed lines as one text (`-old` / `+new`, one per line, files in path order): the string that
 * Levenshtein similarity between a candidate and the gold patch is computed over (DESIGN §4).
 */
export function changedLinesText(diff: string | readonly FileDiff[], options: ChangedLinesOptions = {}): string {
  return changedLines(diff, options)
    .map((line) => `${line.kind === 'removed' ? '-' : '+'}${line.content}`)
    .join('\n');
}
