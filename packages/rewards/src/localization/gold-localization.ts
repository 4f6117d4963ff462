import { goldLines, goldLinesByFile, parseUnifiedDiff, type FileDiff } from '@codemonkeys/swebench';

/** One hunk of the gold patch in a base file: the lines of G it contributes. */
export interface GoldHunk {
  path: string;
  /** Sorted base lines of G in this hunk (its removed lines, or the anchor of an insert-only hunk). */
  lines: number[];
}

/**
 * What a localization is measured against (DESIGN §4): the gold line set G (base-commit lines the gold
 * patch removes or replaces, plus the anchor of every insert-only hunk, from `@codemonkeys/swebench`'s
 * `goldLines`) and the gold files (base-commit paths of the files the gold patch changes).
 */
export interface GoldLocalization {
  /** Base path → sorted base lines of G. Files the gold patch adds have no base lines and are not keys. */
  lines: Map<string, number[]>;
  /** Base paths of the files the gold patch modifies, deletes or renames (sorted). */
  files: string[];
  /** Files the gold patch adds: no context of the base commit can show them, so file recall leaves them out. */
  addedFiles: string[];
  /** |G|. */
  lineCount: number;
  /** The hunks of base files, each with its lines of G (gold-hunk recall). */
  hunks: GoldHunk[];
  /**
   * Base path → lines of G that are only insertion points (the anchor of an insert-only hunk, a line the
   * patch does not remove): the new code goes right after the anchor, which may be a blank line.
   */
  insertionPoints: Map<string, number[]>;
}

/** The gold localization of a gold patch (a unified diff, or its parsed files). */
export function goldLocalizationOf(goldPatch: string | readonly FileDiff[]): GoldLocalization {
  const files = typeof goldPatch === 'string' ? parseUnifiedDiff(goldPatch) : goldPatch;
  const existing = new Set<string>();
  const added = new Set<string>();
  for (const file of files) {
    if (file.oldPath === null) added.add(file.path);
    else existing.add(file.oldPath);
  }
  const lines = new Map<string, number[]>();
  for (const [path, fileLines] of goldLines(files)) if (existing.has(path)) lines.set(path, fileLines);
  let lineCount = 0;
  for (const fileLines of lines.values()) lineCount += fileLines.length;

  const hunks: GoldHunk[] = [];
  const insertionPoints = new Map<string, number[]>();
  const byFile = goldLinesByFile(files);
  files.forEach((file, index) => {
    if (file.oldPath === null) return;
    const path = file.oldPath;
    const removed = new Set(byFile[index]!.removedLines);
    const anchors = byFile[index]!.insertOnlyAnchors.filter((line) => !removed.has(line));
    if (anchors.length > 0) insertionPoints.set(path, anchors);
    for (const hunk of file.hunks) {
      const hunkLines = hunk.lines.flatMap((line) => (line.kind === 'removed' ? [line.oldLine!] : []));
      if (hunkLines.length === 0) {
        // Insert-only: its anchor is the base line before the first added line (0 at the top of a file counts as 1).
        let previous = hunk.oldLines === 0 ? hunk.oldStart : hunk.oldStart - 1;
        for (const line of hunk.lines) {
          if (line.kind === 'added') break;
          previous = line.oldLine!;
        }
        hunkLines.push(Math.max(previous, 1));
      }
      hunks.push({ path, lines: hunkLines.sort((a, b) => a - b) });
    }
  });
  return { lines, files: [...existing].sort(), addedFiles: [...added].sort(), lineCount, hunks, insertionPoints };
}
