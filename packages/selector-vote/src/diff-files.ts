import { parseUnifiedDiff, type DiffHunk } from '@codemonkeys/plugin-kit';

/** One line of a hunk, its diff marker removed. */
export interface HunkLine {
  kind: 'context' | 'removed' | 'added';
  content: string;
}

/** One hunk: where its old side starts (1-based, as in the `@@` header) and its lines in order. */
export interface Hunk {
  oldStart: number;
  /** Lines of the old side (context and removed) the header announces. */
  oldLines: number;
  newStart: number;
  /** `@@ -a,b +c,d @@` (without the section heading that may follow). */
  header: string;
  /** The section heading after the second `@@` (often the enclosing `def` or `class`), '' when absent. */
  section: string;
  lines: HunkLine[];
}

/** One file of a unified diff. */
export interface FileDiff {
  /** Path at the base commit; undefined for an added file. */
  oldPath: string | undefined;
  /** Path after the patch; undefined for a deleted file. */
  newPath: string | undefined;
  /** `newPath ?? oldPath`. */
  path: string;
  status: 'modified' | 'added' | 'deleted' | 'renamed';
  hunks: Hunk[];
}

/** `@@ -a,b +c,d @@` as git writes it (a count of 1 left out). */
const hunkHeader = (hunk: DiffHunk): string => {
  const side = (start: number, count: number): string => (count === 1 ? `${start}` : `${start},${count}`);
  return `@@ -${side(hunk.oldStart, hunk.oldLines)} +${side(hunk.newStart, hunk.newLines)} @@`;
};

/**
 * The files of a unified diff with their hunks, read by plugin-kit's `parseUnifiedDiff` (which counts
 * hunk lines, so a removed line reading `--- x` is not a header, and reads git's extended headers and
 * quoted paths). A CR before a line end stays in the line (to compare with base files split at LF); a
 * copy counts as a rename. The one place this package reads diffs.
 */
export function parseFileDiffs(diff: string): FileDiff[] {
  return parseUnifiedDiff(diff, { carriageReturns: 'keep' }).map((file) => ({
    oldPath: file.oldPath ?? undefined,
    newPath: file.newPath ?? undefined,
    path: file.path,
    status: file.status === 'copied' ? 'renamed' : file.status,
    hunks: file.hunks.map((hunk) => ({
      oldStart: hunk.oldStart,
      oldLines: hunk.oldLines,
      newStart: hunk.newStart,
      header: hunkHeader(hunk),
      section: hunk.section,
      lines: hunk.lines.map((line): HunkLine => ({ kind: line.kind, content: line.content })),
    })),
  }));
}

/** Every path a diff names (old and new). */
export function pathsOfDiff(diff: string): string[] {
  const paths = new Set<string>();
  for (const file of parseFileDiffs(diff)) for (const path of [file.oldPath, file.newPath]) if (path !== undefined) paths.add(path);
  return [...paths];
}
