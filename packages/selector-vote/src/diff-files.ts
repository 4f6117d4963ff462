import parseDiff from 'parse-diff';

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

const stripPrefix = (path: string | undefined): string | undefined => (path === undefined || path === '/dev/null' ? undefined : path.replace(/^[ab]\//, ''));

/**
 * The files of a unified diff with their hunks, parsed by parse-diff (which counts hunk lines, so a
 * removed line reading `--- x` is not a header); `\ No newline at end of file` markers are dropped.
 * The one place this package reads diffs.
 */
export function parseFileDiffs(diff: string): FileDiff[] {
  const files: FileDiff[] = [];
  for (const file of parseDiff(diff)) {
    const oldPath = file.new ? undefined : stripPrefix(file.from);
    const newPath = file.deleted ? undefined : stripPrefix(file.to);
    const path = newPath ?? oldPath;
    if (path === undefined) continue;
    const status = oldPath === undefined ? 'added' : newPath === undefined ? 'deleted' : oldPath !== newPath ? 'renamed' : 'modified';
    const hunks = file.chunks.map((chunk) => ({
      oldStart: chunk.oldStart,
      oldLines: chunk.oldLines,
      newStart: chunk.newStart,
      header: /^@@[^@]*@@/.exec(chunk.content)?.[0] ?? chunk.content.trim(),
      lines: chunk.changes
        .filter((change) => !change.content.startsWith('\\'))
        .map((change): HunkLine => ({ kind: change.type === 'normal' ? 'context' : change.type === 'del' ? 'removed' : 'added', content: change.content.slice(1) })),
    }));
    files.push({ oldPath, newPath, path, status, hunks });
  }
  return files;
}

/** Every path a diff names (old and new). */
export function pathsOfDiff(diff: string): string[] {
  const paths = new Set<string>();
  for (const file of parseFileDiffs(diff)) for (const path of [file.oldPath, file.newPath]) if (path !== undefined) paths.add(path);
  return [...paths];
}
