import { sampleCorrelation } from 'simple-statistics';

/**
 * Point-biserial correlation of a score with a binary outcome: Pearson's r between the score and the
 * outcome coded 1/0 (simple-statistics). Null when either variable is constant (r is undefined) or with
 * fewer than two observations.
 */
export function pointBiserialCorrelation(scores: readonly number[], outcomes: readonly boolean[]): number | null {
  if (scores.length < 2) return null;
  const coded = outcomes.map((outcome) => (outcome ? 1 : 0));
  const correlation = sampleCorrelation([...scores], coded);
  return Number.isFinite(correlation) ? correlation : null;
}
