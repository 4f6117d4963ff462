import { distance } from 'fastest-levenshtein';
import { changedLines, changedLinesText, goldLines, parseUnifiedDiff, type FileDiff } from '@codemonkeys/swebench';

/** The rewards of a candidate that need only the candidate and the gold patch (no sandbox). */
export interface PatchComparison {
  /** 1 − Levenshtein(candidate, gold) / max(length) over the whitespace-normalized changed lines; 1 when both are empty. */
  similarity: number;
  /** Jaccard overlap of the (base file, line) pairs each diff touches (its own G); null when neither touches a base line. */
  lineOverlap: number | null;
  /** Jaccard overlap of the files each diff touches (old and new paths); 0 for an empty candidate. */
  fileOverlap: number;
  /** Changed lines of the candidate (removed + added, blank lines left out): its size. */
  patchLines: number;
  /** 1 when the candidate changes nothing (no text, or file headers without any change). */
  empty: number;
  /**
   * The candidate is not a usable diff: text that holds no file diff at all (prose, a code block), or a
   * diff that could not be parsed. Every value above is then what an empty candidate gets, and the
   * reason says which it was, so that a report can show "not a diff" apart from "no change".
   */
  unparseable?: string;
}

/**
 * The files of a diff that change something: a hunk, a binary change, a creation, deletion, rename or copy,
 * or a mode change. A `diff --git` header with nothing under it changes nothing and counts for nothing.
 */
export function effectiveFileDiffs(files: readonly FileDiff[]): FileDiff[] {
  return files.filter(
    (file) => file.hunks.length > 0 || file.binary || file.status !== 'modified' || (file.oldMode !== undefined && file.newMode !== undefined && file.oldMode !== file.newMode),
  );
}

function touchedFiles(files: readonly FileDiff[]): Set<string> {
  const paths = new Set<string>();
  for (const file of files) {
    if (file.oldPath !== null) paths.add(file.oldPath);
    if (file.newPath !== null) paths.add(file.newPath);
  }
  return paths;
}

function touchedLines(files: readonly FileDiff[]): Set<string> {
  const pairs = new Set<string>();
  for (const [path, lines] of goldLines(files)) for (const line of lines) pairs.add(`${line}\u0000${path}`);
  return pairs;
}

function jaccard(left: ReadonlySet<string>, right: ReadonlySet<string>): number | null {
  if (left.size === 0 && right.size === 0) return null;
  let both = 0;
  for (const item of left) if (right.has(item)) both += 1;
  return both / (left.size + right.size - both);
}

/** Normalized Levenshtein similarity of two texts: 1 − distance / max(length); 1 for two empty texts. */
export function normalizedLevenshteinSimilarity(left: string, right: string): number {
  const longest = Math.max(left.length, right.length);
  return longest === 0 ? 1 : 1 - distance(left, right) / longest;
}

/**
 * Compares a candidate diff with the gold diff (DESIGN §4 similarity, plus line, file and size measures).
 * The similarity runs over `changedLinesText` of `@codemonkeys/swebench`: the removed and added lines
 * (`-`/`+` kept), files in path order, whitespace collapsed, blank lines dropped, context lines and
 * headers ignored; so a candidate that differs from the gold patch only in indentation or hunk
 * placement scores 1.
 */
export function comparePatches(candidateDiff: string, goldDiff: string | readonly FileDiff[]): PatchComparison {
  const gold = typeof goldDiff === 'string' ? parseUnifiedDiff(goldDiff) : goldDiff;
  let candidate: FileDiff[];
  let unparseable: string | undefined;
  try {
    const parsed = parseUnifiedDiff(candidateDiff);
    if (parsed.length === 0 && candidateDiff.trim() !== '') unparseable = 'not a unified diff: the text holds no file diff';
    candidate = effectiveFileDiffs(parsed);
  } catch (error) {
    candidate = [];
    unparseable = (error as Error).message;
  }
  const candidateText = changedLinesText(candidate);
  const goldText = changedLinesText(gold);
  const fileOverlap = jaccard(touchedFiles(candidate), touchedFiles(gold));
  return {
    similarity: normalizedLevenshteinSimilarity(candidateText, goldText),
    lineOverlap: jaccard(touchedLines(candidate), touchedLines(gold)),
    fileOverlap: fileOverlap ?? 0,
    patchLines: changedLines(candidate).length,
    empty: candidate.length === 0 ? 1 : 0,
    ...(unparseable !== undefined ? { unparseable } : {}),
  };
}
