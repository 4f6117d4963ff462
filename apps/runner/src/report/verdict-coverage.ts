import { generationRewardNames, selectionRewardNames, type Scorecard, type ScorecardHeadline } from '@codemonkeys/rewards';

/**
 * How much of a run the SWE-bench verdicts cover, and so which verdict figures are known.
 *
 * Without a sandbox (and without labels) the only verdicts are those of empty patches, which SWE-bench
 * counts as not applied and not resolved. A rate over them alone reads 0 % although nothing was
 * measured. A figure derived from candidate verdicts is therefore known only when some non-empty
 * candidate has a verdict (one was measured) or every candidate has one (e.g. all were empty).
 */
export interface VerdictCoverage {
  /** Candidates of the run (generation samples with rewards). */
  candidates: number;
  /** Candidates with a verdict, empty ones included. */
  withVerdict: number;
  /** Candidates with a verdict that are not empty patches: verdicts a sandbox or labels gave. */
  measured: number;
  /** Candidates with a verdict that are empty patches (not applied, not resolved, by SWE-bench's definition). */
  emptyPatches: number;
  /** Candidate verdict figures (applied, candidates resolved, oracle, random, normalized) are known. */
  candidatesKnown: boolean;
  /** The chosen patches' verdict figure (chosen patch resolved) is known. */
  chosenKnown: boolean;
}

/** A candidate's generation records, as the coverage needs them. */
export interface CandidateVerdict {
  /** The `resolved` reward (null or absent: no verdict). */
  resolved: number | null;
  /** The `empty` reward: 1 for a patch that changes nothing. */
  empty: number | null;
}

/** A selection's records, as the coverage needs them. */
export interface ChosenVerdict {
  resolved: number | null;
  /** The chosen diff is empty (from the stored select stage; null: not known). */
  empty: boolean | null;
}

export function verdictCoverage(candidates: readonly CandidateVerdict[], chosen: readonly ChosenVerdict[]): VerdictCoverage {
  const withVerdict = candidates.filter((candidate) => candidate.resolved !== null).length;
  const measured = candidates.filter((candidate) => candidate.resolved !== null && candidate.empty === 0).length;
  const candidatesKnown = measured > 0 || (candidates.length > 0 && withVerdict === candidates.length);
  const chosenMeasured = chosen.some((selection) => selection.resolved !== null && selection.empty === false);
  const chosenKnown = candidatesKnown || chosenMeasured || (chosen.length > 0 && chosen.every((selection) => selection.resolved !== null));
  const emptyPatches = candidates.filter((candidate) => candidate.resolved !== null && candidate.empty === 1).length;
  return { candidates: candidates.length, withVerdict, measured, emptyPatches, candidatesKnown, chosenKnown };
}

const candidateHeadline = [
  'applied',
  'candidateResolved',
  'anyResolved',
  'selectionRandom',
  'selectionOracle',
  'selectionNormalized',
] as const satisfies readonly (keyof ScorecardHeadline)[];
const generationVerdictNames = [generationRewardNames.applied, generationRewardNames.resolved, generationRewardNames.failToPass, generationRewardNames.passToPass];
const selectionCandidateNames = [selectionRewardNames.random, selectionRewardNames.oracle, selectionRewardNames.normalized];

/**
 * The scorecard with the verdict figures that are not known set to null (headline, the means and
 * medians of the stage metrics, and the validity of the pseudo-rewards, which needs real verdicts).
 */
export function withUnknownVerdicts(scorecard: Scorecard, coverage: VerdictCoverage): Scorecard {
  if (coverage.candidatesKnown && coverage.chosenKnown) return scorecard;
  const headline: ScorecardHeadline = { ...scorecard.headline };
  const unknownMetrics = (metrics: Scorecard['stages']['generation']['metrics'], names: readonly string[]) =>
    Object.fromEntries(Object.entries(metrics).map(([name, metric]) => [name, names.includes(name) ? { ...metric, mean: null, median: null } : metric]));
  let generationMetrics = scorecard.stages.generation.metrics;
  let selectionMetrics = scorecard.stages.selection.metrics;
  if (!coverage.candidatesKnown) {
    for (const key of candidateHeadline) headline[key] = null;
    generationMetrics = unknownMetrics(generationMetrics, generationVerdictNames);
    selectionMetrics = unknownMetrics(selectionMetrics, selectionCandidateNames);
  }
  if (!coverage.chosenKnown) {
    headline.selectionResolved = null;
    headline.selectionNormalized = null;
    selectionMetrics = unknownMetrics(selectionMetrics, [selectionRewardNames.resolved, selectionRewardNames.normalized]);
  }
  const { validity, ...rest } = scorecard;
  return {
    ...rest,
    stages: {
      ...scorecard.stages,
      generation: { ...scorecard.stages.generation, metrics: generationMetrics },
      selection: { ...scorecard.stages.selection, metrics: selectionMetrics },
    },
    headline,
    ...(validity && coverage.candidatesKnown ? { validity } : {}),
  };
}
