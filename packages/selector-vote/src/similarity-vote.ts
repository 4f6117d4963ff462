import type { NormalizedFileChange } from './textual-normalization';

/**
 * The normalized change of a candidate as a multiset of changed lines, each tagged with its file and
 * side (`path`, `-` or `+`, line): what two candidates are compared on.
 */
export function changedLineBag(files: readonly NormalizedFileChange[]): Map<string, number> {
  const bag = new Map<string, number>();
  const add = (item: string): void => void bag.set(item, (bag.get(item) ?? 0) + 1);
  for (const file of files) {
    for (const line of file.removed) add(`${file.path}\u0000-${line}`);
    for (const line of file.added) add(`${file.path}\u0000+${line}`);
    // A change with no changed line (a new empty file, a deletion read as raw) still names its file.
    if (file.removed.length + file.added.length === 0) add(`${file.path}\u0000${file.status}`);
  }
  return bag;
}

/**
 * Dice similarity of two changed-line multisets, 2·|A∩B| / (|A| + |B|), in [0, 1]: 1 for equal
 * normalized changes, 0 for changes that share no changed line. Empty against empty is 0 (nothing to agree on).
 */
export function changedLineSimilarity(left: ReadonlyMap<string, number>, right: ReadonlyMap<string, number>): number {
  let sizeLeft = 0;
  let sizeRight = 0;
  let shared = 0;
  for (const count of left.values()) sizeLeft += count;
  for (const [item, count] of right) {
    sizeRight += count;
    shared += Math.min(count, left.get(item) ?? 0);
  }
  return sizeLeft + sizeRight === 0 ? 0 : (2 * shared) / (sizeLeft + sizeRight);
}

export interface SimilarityScores {
  /** Per candidate: the mean similarity to the other eligible candidates (0 for ineligible ones, or when alone). */
  scores: number[];
  /** Eligible candidates compared (the columns of the mean). */
  compared: number[];
}

/**
 * The similarity-weighted vote (the medoid idea): each eligible candidate is scored by its mean
 * similarity to the other eligible candidates, so the change closest to all others wins. Exact
 * duplicates count 1 each, so a majority of equal patches still scores high; a candidate sharing half
 * its lines with every other one beats an outlier. Only eligible candidates vote and are voted for.
 * With `keys` (the normalized changes, e.g. AST hashes), candidates of equal key count as equal whatever their lines.
 */
export function similarityScores(bags: readonly ReadonlyMap<string, number>[], eligible: readonly boolean[], keys?: readonly string[]): SimilarityScores {
  const compared = bags.map((_, index) => index).filter((index) => eligible[index]);
  const scores = bags.map(() => 0);
  if (compared.length < 2) return { scores, compared };
  for (const index of compared) {
    let sum = 0;
    for (const other of compared) if (other !== index) sum += keys && keys[index] === keys[other] ? 1 : changedLineSimilarity(bags[index]!, bags[other]!);
    scores[index] = sum / (compared.length - 1);
  }
  return { scores, compared };
}
