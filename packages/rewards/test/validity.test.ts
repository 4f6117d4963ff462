import { describe, expect, it } from 'vitest';
import { bootstrapEstimate, pointBiserialCorrelation, rewardValidity, rocAuc } from '../src/index';

describe('ROC-AUC', () => {
  it('counts pairs ranked right, ties as one half', () => {
    // Resolved {3, 4} against unresolved {1, 2, 3}: 3 > 1, 2 and ties 3 (2.5); 4 beats all three: 5.5 / 6.
    expect(rocAuc([3, 4, 1, 2, 3], [true, true, false, false, false])).toBeCloseTo(5.5 / 6, 12);
    expect(rocAuc([1, 2], [false, true])).toBe(1);
    expect(rocAuc([1, 2], [true, false])).toBe(0);
    expect(rocAuc([5, 5, 5], [true, false, true])).toBe(0.5);
  });

  it('is undefined with one class only', () => {
    expect(rocAuc([1, 2], [true, true])).toBeNull();
  });
});

describe('point-biserial correlation', () => {
  it("is Pearson's r with the outcome coded 1/0", () => {
    // (M₁ − M₀) / s · √(pq) = (3.5 − 2) / √1.04 · √0.24.
    expect(pointBiserialCorrelation([3, 4, 1, 2, 3], [true, true, false, false, false])).toBeCloseTo(1.5 * Math.sqrt(0.24 / 1.04), 12);
  });

  it('is undefined for a constant score or outcome', () => {
    expect(pointBiserialCorrelation([2, 2, 2], [true, false, true])).toBeNull();
    expect(pointBiserialCorrelation([1, 2, 3], [true, true, true])).toBeNull();
  });
});

describe('bootstrap intervals', () => {
  const observations = Array.from({ length: 60 }, (_, index) => ({
    score: index % 10,
    resolved: index % 10 >= 5 !== (index % 7 === 0),
    group: `instance-${Math.floor(index / 3)}`,
  }));

  it('is reproducible with a seed and changes with it', () => {
    const first = rewardValidity('score', observations, { seed: 7, samples: 500 });
    const again = rewardValidity('score', observations, { seed: 7, samples: 500 });
    const other = rewardValidity('score', observations, { seed: 8, samples: 500 });
    expect(again).toEqual(first);
    expect(other.rocAuc!.value).toBe(first.rocAuc!.value);
    expect([other.rocAuc!.low, other.rocAuc!.high]).not.toEqual([first.rocAuc!.low, first.rocAuc!.high]);
  });

  it('brackets the estimate and counts groups', () => {
    const validity = rewardValidity('score', observations, { samples: 500 });
    expect(validity).toMatchObject({ observations: 60, groups: 20 });
    expect(validity.rocAuc!.low!).toBeLessThanOrEqual(validity.rocAuc!.value);
    expect(validity.rocAuc!.high!).toBeGreaterThanOrEqual(validity.rocAuc!.value);
    expect(validity.pointBiserial!.low!).toBeLessThan(validity.pointBiserial!.high!);
  });

  it('is wider when correlated observations are resampled as clusters', () => {
    // Every group holds ten copies of one observation: as clusters there are only ten independent draws.
    const copies = Array.from({ length: 10 }, (_, group) =>
      Array.from({ length: 10 }, () => ({ score: group, resolved: group >= 4 !== (group === 8), group: `g${group}` })),
    ).flat();
    const width = (estimate: { low: number | null; high: number | null } | null): number => estimate!.high! - estimate!.low!;
    const clustered = rewardValidity('score', copies, { samples: 1000 });
    const independent = rewardValidity(
      'score',
      copies.map(({ score, resolved }) => ({ score, resolved })),
      { samples: 1000 },
    );
    expect(clustered.rocAuc!.value).toBe(independent.rocAuc!.value);
    expect(width(clustered.rocAuc)).toBeGreaterThan(width(independent.rocAuc) * 2);
  });

  it('counts only the resamples where the statistic is defined, and gives no interval when most are not', () => {
    // One resolved candidate in 100: about 1 − (0.99)^100 ≈ 63% of resamples hold it.
    const rare = [{ score: 1, resolved: true }, ...Array.from({ length: 99 }, (_, index) => ({ score: index % 3, resolved: false }))];
    const auc = (sample: readonly { score: number; resolved: boolean }[]): number | null =>
      rocAuc(
        sample.map((o) => o.score),
        sample.map((o) => o.resolved),
      );
    const estimate = bootstrapEstimate(rare, auc, { samples: 400 });
    expect(estimate!.value).toBeCloseTo(auc(rare)!, 12);
    expect(estimate!.resamples).toBeGreaterThan(200);
    expect(estimate!.resamples).toBeLessThan(320);
    // A statistic defined in a quarter of the resamples has no interval.
    let calls = 0;
    const sometimes = bootstrapEstimate(rare, () => (calls++ % 4 === 0 ? 0.5 : null), { samples: 400 });
    expect(sometimes).toMatchObject({ value: 0.5, low: null, high: null, resamples: 100 });
  });
});
