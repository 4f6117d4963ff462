/** One line of a hunk. Line numbers are 1-based: `oldLine` in the base file, `newLine` in the patched one. */
export interface DiffLine {
  kind: 'context' | 'removed' | 'added';
  /** The line without its one-character prefix. */
  content: string;
  /** Set for context and removed lines. */
  oldLine?: number;
  /** Set for context and added lines. */
  newLine?: number;
}

export interface DiffHunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  /** The text after the second `@@` (often the enclosing function), '' when absent. */
  section: string;
  lines: DiffLine[];
}

export type FileDiffStatus = 'modified' | 'added' | 'deleted' | 'renamed' | 'copied';

/** The changes of one file in a unified diff. */
export interface FileDiff {
  /** Path before the change; null for an added file. Relative to the repository root (prefix `a/` removed). */
  oldPath: string | null;
  /** Path after the change; null for a deleted file. */
  newPath: string | null;
  /** `newPath ?? oldPath`: the path that names this file in reports. */
  path: string;
  status: FileDiffStatus;
  oldMode?: string;
  newMode?: string;
  /** Rename/copy similarity in percent, from git's extended header. */
  similarity?: number;
  /** A binary change (`Binary files ... differ` or `GIT binary patch`): no hunks are parsed. */
  binary: boolean;
  hunks: DiffHunk[];
  /** The base file's last line has no newline (`\ No newline at end of file` after a removed/context line). */
  oldMissingNewlineAtEnd: boolean;
  /** The patched file's last line has no newline. */
  newMissingNewlineAtEnd: boolean;
}
