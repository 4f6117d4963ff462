import binomialCdf from '@stdlib/stats-base-dists-binomial-cdf';
import { bootstrapEstimate, type Estimate } from '@codemonkeys/rewards';

/** The 2 × 2 table of paired binary outcomes (resolved) of runs A and B on the same instances. */
export interface PairedTable {
  /** Resolved by both. */
  both: number;
  /** Resolved by A only (A wins). */
  onlyA: number;
  /** Resolved by B only (B wins). */
  onlyB: number;
  /** Resolved by neither. */
  neither: number;
}

/**
 * McNemar's exact test (two-sided): under the null hypothesis that A and B resolve at the same rate,
 * the discordant pairs split as Binomial(b + c, 1/2); p = min(1, 2 · P(X ≤ min(b, c))). The binomial
 * CDF is @stdlib's (exact, computed in log space, so it stays accurate for hundreds of pairs).
 * No discordant pair: nothing tells the runs apart, p = 1.
 */
export function mcnemarExactPValue(onlyA: number, onlyB: number): number {
  const discordant = onlyA + onlyB;
  if (discordant === 0) return 1;
  return Math.min(1, 2 * binomialCdf(Math.min(onlyA, onlyB), discordant, 0.5));
}

/**
 * Holm's step-down correction of p-values for the family of comparisons: the i-th smallest of m
 * p-values becomes max over j ≤ i of min(1, (m − j + 1) · p_(j)). Controls the family-wise error rate
 * without assuming independence; returned in the order given.
 */
export function holmAdjustedPValues(pValues: readonly number[]): number[] {
  const order = pValues.map((value, index) => ({ value, index })).sort((left, right) => left.value - right.value || left.index - right.index);
  const adjusted = new Array<number>(pValues.length);
  let running = 0;
  order.forEach((entry, rank) => {
    running = Math.max(running, Math.min(1, (pValues.length - rank) * entry.value));
    adjusted[entry.index] = running;
  });
  return adjusted;
}

export interface PairedBootstrapOptions {
  samples: number;
  seed: number;
  confidence: number;
}

/**
 * The mean paired difference B − A with a percentile bootstrap interval that resamples instances (each
 * pair moves as one, so the correlation between the runs is kept); `bootstrapEstimate` of
 * @codemonkeys/rewards (xoroshiro128+ of pure-rand), so the same seed gives the same interval.
 */
export function pairedMeanDifference(pairs: ReadonlyArray<readonly [number, number]>, options: PairedBootstrapOptions): Estimate | null {
  if (pairs.length === 0) return null;
  const differences = pairs.map(([a, b]) => b - a);
  return bootstrapEstimate(differences, (sample) => (sample.length === 0 ? null : sample.reduce((sum, value) => sum + value, 0) / sample.length), {
    samples: options.samples,
    seed: options.seed,
    confidence: options.confidence,
  });
}
