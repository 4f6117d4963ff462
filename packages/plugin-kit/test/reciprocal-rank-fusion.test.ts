import { describe, expect, it } from 'vitest';
import { reciprocalRankFusion } from '../src/index';

describe('reciprocalRankFusion', () => {
  it('scores an item weight / (k + rank) per ranking, ranks from 1, summed over the rankings that list it', () => {
    const fused = reciprocalRankFusion(
      [
        ['a', 'b', 'c'],
        ['c', 'a'],
      ],
      { k: 60 },
    );
    expect(fused.map(({ item }) => item)).toEqual(['a', 'c', 'b']);
    expect(fused[0]).toEqual({ item: 'a', score: 1 / 61 + 1 / 62, rankings: [0, 1] });
    expect(fused[1]).toEqual({ item: 'c', score: 1 / 63 + 1 / 61, rankings: [0, 1] });
    expect(fused[2]).toEqual({ item: 'b', score: 1 / 62, rankings: [0] });
  });

  it('weighs each ranking by its weight, a ranking without one by 1', () => {
    const fused = reciprocalRankFusion([['a'], ['b'], ['c']], { k: 0, weights: [1, 3] });
    expect(fused.map(({ item, score }) => [item, score])).toEqual([
      ['b', 3],
      ['a', 1],
      ['c', 1],
    ]);
  });

  it('breaks equal scores by first appearance, ranking 0 first', () => {
    // x and y both score 1/(k+1) + 1/(k+2); z and w score 1/(k+3) once each.
    const fused = reciprocalRankFusion(
      [
        ['y', 'x', 'z'],
        ['x', 'y', 'w'],
      ],
      { k: 10 },
    );
    expect(fused.map(({ item }) => item)).toEqual(['y', 'x', 'z', 'w']);
  });

  it('counts an item listed twice in one ranking at its first position, the repeat still taking a place', () => {
    const fused = reciprocalRankFusion([['a', 'a', 'b']], { k: 1 });
    expect(fused).toEqual([
      { item: 'a', score: 1 / 2, rankings: [0] },
      { item: 'b', score: 1 / 4, rankings: [0] },
    ]);
  });

  it('tells objects apart by identity and takes any iterable', () => {
    const first = { id: 1 };
    const second = { id: 1 };
    const fused = reciprocalRankFusion([new Set([first, second]), [second]], { k: 60 });
    expect(fused.map(({ item }) => item)).toEqual([second, first]);
  });

  it('fuses nothing to nothing and refuses a negative k or weight', () => {
    expect(reciprocalRankFusion([], { k: 60 })).toEqual([]);
    expect(() => reciprocalRankFusion([['a']], { k: -1 })).toThrow(/k must be a finite number ≥ 0/);
    expect(() => reciprocalRankFusion([['a']], { k: 60, weights: [-2] })).toThrow(/weight of ranking 0/);
  });
});
