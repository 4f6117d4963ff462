export interface ReciprocalRankFusionOptions {
  /** The constant of reciprocal-rank fusion (60 in Cormack et al. and most hybrid retrievers); at least 0. */
  k: number;
  /** One weight per ranking; a ranking without one weighs 1. */
  weights?: readonly number[];
}

export interface FusedItem<Item> {
  item: Item;
  /** Σ over the rankings that list the item of weight / (k + its best rank there), ranks counted from 1. */
  score: number;
  /** Indices of the rankings that list the item, ascending. */
  rankings: number[];
}

/**
 * Reciprocal-rank fusion (Cormack, Clarke and Büttcher, 2009): each ranking lists items best first; an
 * item at (1-based) position r of ranking i scores weights[i] / (k + r), and its fused score is the sum
 * over the rankings that list it. An item listed more than once in one ranking counts at its first (best)
 * position; positions count every entry, so a repeat still takes a place. Items are told apart as `Map`
 * keys (SameValueZero). The result is best first; equal scores keep the order in which the items first
 * appear (ranking 0 first, then ranking 1, ...), so fusion is deterministic.
 */
export function reciprocalRankFusion<Item>(rankings: ReadonlyArray<Iterable<Item>>, options: ReciprocalRankFusionOptions): Array<FusedItem<Item>> {
  if (!Number.isFinite(options.k) || options.k < 0) throw new RangeError(`reciprocalRankFusion: k must be a finite number ≥ 0, got ${options.k}`);
  const fused = new Map<Item, FusedItem<Item>>();
  rankings.forEach((ranking, rankingIndex) => {
    const weight = options.weights?.[rankingIndex] ?? 1;
    if (!Number.isFinite(weight) || weight < 0) throw new RangeError(`reciprocalRankFusion: the weight of ranking ${rankingIndex} must be a finite number ≥ 0, got ${weight}`);
    const seen = new Set<Item>();
    let rank = 0;
    for (const item of ranking) {
      rank += 1;
      if (seen.has(item)) continue;
      seen.add(item);
      let entry = fused.get(item);
      if (!entry) {
        entry = { item, score: 0, rankings: [] };
        fused.set(item, entry);
      }
      entry.score += weight / (options.k + rank);
      entry.rankings.push(rankingIndex);
    }
  });
  // Map iteration is insertion order, i.e. first appearance; Array.prototype.sort is stable.
  return [...fused.values()].sort((a, b) => b.score - a.score);
}
