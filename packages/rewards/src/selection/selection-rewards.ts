/** The selection rewards of one instance (DESIGN §4). */
export interface SelectionRewards {
  /** Candidates with a verdict. */
  candidates: number;
  /** Candidates without a verdict (infrastructure failure, no sandbox). */
  unknownCandidates: number;
  /** 1 when the chosen patch is resolved, 0 when not; null when its verdict is unknown. */
  resolved: number | null;
  /**
   * Expected resolved rate of a uniformly random choice: resolved candidates / candidates; null when any
   * candidate's verdict is unknown (the rate over the known ones alone would guess the unknown ones).
   */
  random: number | null;
  /** 1 when any candidate is resolved; 0 when every verdict is known and none is; else null (an unknown one might). */
  oracle: number | null;
  /**
   * (resolved − random) / (oracle − random): 0 = no better than chance, 1 = as good as the oracle,
   * negative = worse than chance. Null when oracle = random (every candidate resolved, or none: the
   * choice cannot matter) or when a term is unknown; run-level figures use sums instead (see the scorecard).
   */
  normalized: number | null;
}

/**
 * Selection rewards from the verdicts of the candidates (true = resolved, null = unknown) and that of the
 * chosen patch. Identical candidates count separately: random choice picks among the candidates as the
 * selector received them.
 */
export function selectionRewards(verdicts: readonly (boolean | null)[], chosen: boolean | null): SelectionRewards {
  const known = verdicts.filter((verdict): verdict is boolean => verdict !== null);
  const resolvedCount = known.filter(Boolean).length;
  const resolved = chosen === null ? null : chosen ? 1 : 0;
  const allKnown = known.length === verdicts.length && known.length > 0;
  const random = allKnown ? resolvedCount / known.length : null;
  const oracle = resolvedCount > 0 ? 1 : allKnown ? 0 : null;
  const normalized = resolved === null || random === null || oracle === null || oracle === random ? null : (resolved - random) / (oracle - random);
  return { candidates: known.length, unknownCandidates: verdicts.length - known.length, resolved, random, oracle, normalized };
}

/**
 * Run-level normalized selection score from per-instance sums: (Σ resolved − Σ random) / (Σ oracle − Σ
 * random) over the instances where all three are known. Instances where oracle = random add nothing to
 * either side, so they neither help nor hurt; null when the sums are equal (no instance where choice mattered).
 */
export function normalizedSelectionScore(instances: readonly Pick<SelectionRewards, 'resolved' | 'random' | 'oracle'>[]): number | null {
  let score = 0;
  let random = 0;
  let oracle = 0;
  for (const instance of instances) {
    if (instance.resolved === null || instance.random === null || instance.oracle === null) continue;
    score += instance.resolved;
    random += instance.random;
    oracle += instance.oracle;
  }
  return Math.abs(oracle - random) < 1e-12 ? null : (score - random) / (oracle - random);
}
