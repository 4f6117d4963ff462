import { quantileSorted } from 'simple-statistics';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

/** A statistic with its bootstrap confidence interval. */
export interface Estimate {
  value: number;
  /** Percentile interval bounds; null when too few resamples gave a value. */
  low: number | null;
  high: number | null;
  /** Resamples in which the statistic was defined (e.g. both classes present). */
  resamples: number;
}

export interface BootstrapOptions {
  /** Resamples (default 2000). */
  samples?: number;
  /** Coverage of the interval (default 0.95). */
  confidence?: number;
  /** Seed of the xoroshiro128+ generator (pure-rand); the same seed gives the same interval. */
  seed?: number;
}

/**
 * Percentile bootstrap: resamples the observations' groups with replacement (each group keeps all its
 * observations: candidates of one instance move together, since they are not independent), computes the
 * statistic on each resample and takes the (1 − c)/2 and (1 + c)/2 quantiles. Observations without a
 * group are groups of one. Seeded, so the interval is reproducible.
 */
export function bootstrapEstimate<T>(
  observations: readonly T[],
  statistic: (sample: readonly T[]) => number | null,
  options: BootstrapOptions & { groupOf?: (observation: T) => string | undefined } = {},
): Estimate | null {
  const value = statistic(observations);
  if (value === null) return null;
  const samples = options.samples ?? 2000;
  const confidence = options.confidence ?? 0.95;
  const groups = groupObservations(observations, options.groupOf);
  const generator = xoroshiro128plus(options.seed ?? 1);
  const values: number[] = [];
  for (let index = 0; index < samples; index += 1) {
    const resample: T[] = [];
    for (let pick = 0; pick < groups.length; pick += 1) resample.push(...groups[uniformInt(generator, 0, groups.length - 1)]!);
    const resampled = statistic(resample);
    if (resampled !== null && Number.isFinite(resampled)) values.push(resampled);
  }
  // Fewer than half the resamples defined: an interval from them would describe another population.
  if (values.length < Math.max(10, samples / 2)) return { value, low: null, high: null, resamples: values.length };
  values.sort((left, right) => left - right);
  return { value, low: quantileSorted(values, (1 - confidence) / 2), high: quantileSorted(values, (1 + confidence) / 2), resamples: values.length };
}

function groupObservations<T>(observations: readonly T[], groupOf: ((observation: T) => string | undefined) | undefined): T[][] {
  if (!groupOf) return observations.map((observation) => [observation]);
  const groups = new Map<string, T[]>();
  const singles: T[][] = [];
  for (const observation of observations) {
    const key = groupOf(observation);
    if (key === undefined) {
      singles.push([observation]);
      continue;
    }
    const group = groups.get(key);
    if (group) group.push(observation);
    else groups.set(key, [observation]);
  }
  return [...groups.values(), ...singles];
}
