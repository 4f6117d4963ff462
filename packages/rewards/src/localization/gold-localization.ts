import { goldLines, parseUnifiedDiff, type FileDiff } from '@codemonkeys/swebench';

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
  return { lines, files: [...existing].sort(), addedFiles: [...added].sort(), lineCount };
}
