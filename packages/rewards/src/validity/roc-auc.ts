import { wilcoxonRankSum } from 'simple-statistics';

/**
 * ROC-AUC of a score for a binary outcome: the probability that a random positive scores higher than a
 * random negative, ties counting one half. Computed from the Wilcoxon rank sum W of the positives
 * (simple-statistics, average ranks for ties): AUC = (W − n₊(n₊+1)/2) / (n₊·n₋). Null when either class is empty.
 */
export function rocAuc(scores: readonly number[], outcomes: readonly boolean[]): number | null {
  const positives: number[] = [];
  const negatives: number[] = [];
  scores.forEach((score, index) => (outcomes[index] ? positives : negatives).push(score));
  if (positives.length === 0 || negatives.length === 0) return null;
  const rankSum = wilcoxonRankSum(positives, negatives);
  return (rankSum - (positives.length * (positives.length + 1)) / 2) / (positives.length * negatives.length);
}
