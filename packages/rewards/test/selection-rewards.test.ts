import { describe, expect, it } from 'vitest';
import { normalizedSelectionScore, selectionRewards } from '../src/index';

describe('selection rewards', () => {
  it('scores a choice against random and the oracle', () => {
    // Two of four resolved: random 0.5, oracle 1.
    expect(selectionRewards([true, false, false, true], false)).toEqual({ candidates: 4, unknownCandidates: 0, resolved: 0, random: 0.5, oracle: 1, normalized: -1 });
    expect(selectionRewards([true, false, false, true], true)).toMatchObject({ resolved: 1, normalized: 1 });
    // One of four: a correct choice is worth (1 − 0.25) / (1 − 0.25) = 1, a wrong one (0 − 0.25) / 0.75 = −1/3.
    expect(selectionRewards([true, false, false, false], false).normalized).toBeCloseTo(-1 / 3, 12);
  });

  it('leaves normalized undefined when oracle = random (all resolved or none)', () => {
    expect(selectionRewards([false, false], false)).toMatchObject({ random: 0, oracle: 0, normalized: null });
    expect(selectionRewards([true, true], true)).toMatchObject({ random: 1, oracle: 1, normalized: null });
  });

  it('leaves random and oracle unknown while a candidate verdict is unknown (unless a known candidate resolves)', () => {
    // An unknown verdict leaves random unknown (it could be either), and the oracle unknown unless a known candidate resolves.
    expect(selectionRewards([true, null, false], true)).toMatchObject({ candidates: 2, unknownCandidates: 1, random: null, oracle: 1, resolved: 1, normalized: null });
    expect(selectionRewards([false, null, false], false)).toMatchObject({ candidates: 2, unknownCandidates: 1, random: null, oracle: null, resolved: 0, normalized: null });
    expect(selectionRewards([null, null], null)).toMatchObject({ candidates: 0, random: null, oracle: null, resolved: null, normalized: null });
  });

  it('normalizes a run by sums, so degenerate instances neither help nor hurt', () => {
    // (1 + 0 + 0 − 0.5 − 0 − 0.25) / (1 + 0 + 1 − 0.5 − 0 − 0.25) = 0.25 / 1.25.
    expect(
      normalizedSelectionScore([
        { resolved: 1, random: 0.5, oracle: 1 },
        { resolved: 0, random: 0, oracle: 0 },
        { resolved: 0, random: 0.25, oracle: 1 },
        { resolved: null, random: 0.5, oracle: 1 },
      ]),
    ).toBeCloseTo(0.2, 12);
    expect(normalizedSelectionScore([{ resolved: 1, random: 1, oracle: 1 }])).toBeNull();
  });
});
