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
}

/**
 * Gold-line recall, file recall and relevant-over-context (DESIGN §4) of the lines C a context shows.
 * A file counts as shown when at least one of its lines is in C.
 */
export function localizationLineRewards(shown: ShownLines, gold: GoldLocalization): LocalizationLineRewards {
  let contextLines = 0;
  let contextFiles = 0;
  for (const lines of shown.values()) {
    if (lines.size === 0) continue;
    contextLines += lines.size;
    contextFiles += 1;
  }
  let shownGoldLines = 0;
  for (const [path, lines] of gold.lines) {
    const shownInFile = shown.get(path);
    if (!shownInFile) continue;
    for (const line of lines) if (shownInFile.has(line)) shownGoldLines += 1;
  }
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
  };
}
