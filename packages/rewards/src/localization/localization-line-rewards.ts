import type { ShownLines } from '@codemonkeys/protocol';
import type { GoldLocalization } from './gold-localization';

/** The rewards of a localization that depend only on the lines it shows and the gold localization. */
export interface LocalizationLineRewards {
  /** |G|. */
  goldLines: number;
  /** |G ∩ C|. */
  shownGoldLines: number;
  /** |G ∩ C| / |G|; null when G is empty (a gold patch that only adds files). */
  goldLineRecall: number | null;
  /** |C|: (file, line) pairs shown. */
  contextLines: number;
  /** Files with at least one line shown. */
  contextFiles: number;
  /** |G ∩ C| / |C|; null when nothing is shown. */
  relevantOverContext: number | null;
  /** Gold files (base paths, added files left out) and those of them with at least one line shown. */
  goldFiles: string[];
  shownGoldFiles: string[];
  /** 1 when every gold file is shown, else 0; null when the gold patch only adds files. */
  fileRecallAll: number | null;
  /** 1 when at least one gold file is shown, else 0; null when the gold patch only adds files. */
  fileRecallAny: number | null;
  /** Gold files shown / gold files (the fraction behind the two above); null like them. */
  fileRecall: number | null;
  /** Hunks of base files in the gold patch. */
  goldHunks: number;
  /** Gold hunks with at least one line of G shown. */
  shownGoldHunks: number;
  /** shownGoldHunks / goldHunks; null when the gold patch has no hunk in a base file. */
  goldHunkRecall: number | null;
  /** Lines of G that are only insertion points, and those of them counted as shown. */
  insertionPoints: number;
  shownInsertionPoints: number;
}

export interface LocalizationLineRewardsOptions {
  /**
   * The base-commit lines of a file (undefined when unknown). With it, an insertion point's neighbours
   * skip blank lines: code inserted after a blank line between two functions is shown when the end of the
   * one and the start of the other are.
   */
  fileLines?: (path: string) => readonly string[] | undefined;
}

/**
 * Whether the insertion point after base line `anchor` is shown: the anchor itself is, or both of its
 * neighbours are, the nearest non-blank line at or before the anchor and the nearest non-blank line after
 * it (a neighbour past either end of the file is not needed). Without the file's lines the neighbours are
 * the anchor and the line after it, so only a shown anchor counts.
 */
function insertionPointShown(anchor: number, shownInFile: ReadonlySet<number>, lines: readonly string[] | undefined): boolean {
  if (shownInFile.has(anchor)) return true;
  if (!lines) return false;
  const blank = (line: number): boolean => lines[line - 1]!.trim() === '';
  let before = anchor;
  while (before >= 1 && blank(before)) before -= 1;
  let after = anchor + 1;
  while (after <= lines.length && blank(after)) after += 1;
  const beforeShown = before < 1 || shownInFile.has(before);
  const afterShown = after > lines.length || shownInFile.has(after);
  // A file of blank lines only has no neighbour to show.
  return beforeShown && afterShown && !(before < 1 && after > lines.length);
}

/**
 * Gold-line recall, gold-hunk recall, file recall and relevant-over-context (DESIGN §4) of the lines C a
 * context shows. A file counts as shown when at least one of its lines is in C. A line of G that is only an
 * insertion point counts as shown when its anchor is, or when both its neighbours are (see
 * `LocalizationLineRewardsOptions.fileLines`).
 */
export function localizationLineRewards(shown: ShownLines, gold: GoldLocalization, options: LocalizationLineRewardsOptions = {}): LocalizationLineRewards {
  let contextLines = 0;
  let contextFiles = 0;
  for (const lines of shown.values()) {
    if (lines.size === 0) continue;
    contextLines += lines.size;
    contextFiles += 1;
  }
  const insertionAt = new Map<string, Set<number>>([...gold.insertionPoints].map(([path, lines]) => [path, new Set(lines)]));
  const fileLinesOf = new Map<string, readonly string[] | undefined>();
  const goldLineShown = (path: string, line: number): boolean => {
    const shownInFile = shown.get(path);
    if (!shownInFile || shownInFile.size === 0) return false;
    if (shownInFile.has(line)) return true;
    if (!insertionAt.get(path)?.has(line)) return false;
    if (!fileLinesOf.has(path)) fileLinesOf.set(path, options.fileLines?.(path));
    return insertionPointShown(line, shownInFile, fileLinesOf.get(path));
  };
  let shownGoldLines = 0;
  for (const [path, lines] of gold.lines) for (const line of lines) if (goldLineShown(path, line)) shownGoldLines += 1;
  let insertionPoints = 0;
  let shownInsertionPoints = 0;
  for (const [path, lines] of gold.insertionPoints) {
    for (const line of lines) {
      insertionPoints += 1;
      if (goldLineShown(path, line)) shownInsertionPoints += 1;
    }
  }
  const shownGoldHunks = gold.hunks.filter((hunk) => hunk.lines.some((line) => goldLineShown(hunk.path, line))).length;
  const shownGoldFiles = gold.files.filter((path) => (shown.get(path)?.size ?? 0) > 0);
  const hasGoldFiles = gold.files.length > 0;
  return {
    goldLines: gold.lineCount,
    shownGoldLines,
    goldLineRecall: gold.lineCount === 0 ? null : shownGoldLines / gold.lineCount,
    contextLines,
    contextFiles,
    relevantOverContext: contextLines === 0 ? null : shownGoldLines / contextLines,
    goldFiles: gold.files,
    shownGoldFiles,
    fileRecallAll: hasGoldFiles ? (shownGoldFiles.length === gold.files.length ? 1 : 0) : null,
    fileRecallAny: hasGoldFiles ? (shownGoldFiles.length > 0 ? 1 : 0) : null,
    fileRecall: hasGoldFiles ? shownGoldFiles.length / gold.files.length : null,
    goldHunks: gold.hunks.length,
    shownGoldHunks,
    goldHunkRecall: gold.hunks.length === 0 ? null : shownGoldHunks / gold.hunks.length,
    insertionPoints,
    shownInsertionPoints,
  };
}
