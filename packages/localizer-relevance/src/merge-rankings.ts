export interface MergedRank {
  path: string;
  /** Mean over the rankings of position / length (0 = first); 1 where a ranking left the file out. */
  meanRelativeRank: number;
  /** Rankings that listed the file. */
  listedIn: number;
}

/**
 * Merges rankings by mean relative rank: in a ranking of n files the file at position i (from 0)
 * scores i / n, a file the ranking left out scores 1 (after every listed file). Lower is better; ties
 * go to the file listed by more rankings, then to its best position, then to the order of `files`.
 */
export function mergeRankings(files: readonly string[], rankings: ReadonlyArray<readonly string[]>): MergedRank[] {
  const merged = files.map((path, order) => {
    let sum = 0;
    let listedIn = 0;
    let best = Number.POSITIVE_INFINITY;
    for (const ranking of rankings) {
      const position = ranking.indexOf(path);
      if (position < 0) sum += 1;
      else {
        const relative = position / ranking.length;
        sum += relative;
        listedIn += 1;
        best = Math.min(best, relative);
      }
    }
    return { path, meanRelativeRank: rankings.length === 0 ? 1 : sum / rankings.length, listedIn, best, order };
  });
  merged.sort((a, b) => a.meanRelativeRank - b.meanRelativeRank || b.listedIn - a.listedIn || a.best - b.best || a.order - b.order);
  return merged.map(({ path, meanRelativeRank, listedIn }) => ({ path, meanRelativeRank, listedIn }));
}
