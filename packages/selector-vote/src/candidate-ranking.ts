/** What the ranking knows of one candidate. */
export interface RankedCandidate {
  index: number;
  /** Normalized change ('' = changes nothing). */
  key: string;
  changedLines: number;
  /** false when the diff does not apply; undefined when unknown. */
  applies: boolean | undefined;
  /** Tests passed in the test vote (0 without one). */
  testVotes: number;
  /** New failures of the repository's own tests (0 without the regression filter). */
  regressionFailures: number;
  /**
   * The consensus score of the similarity vote (mean similarity to the others); undefined in the patch
   * vote, where the size of the candidate's group of equal patches is the consensus.
   */
  similarity?: number;
  /** Issue mentions of the tie-break (more first); 0 without one. */
  mentions?: number;
}

export interface PatchGroup {
  /** Candidate indices, first seen first. */
  members: number[];
  changedLines: number;
  /** Empty (or no-op after normalization) or not applying: never wins while another group exists. */
  eligible: boolean;
}

export interface CandidateRanking {
  /** Every candidate index, best first. */
  order: number[];
  groups: PatchGroup[];
  /** Group of each candidate (index into `groups`). */
  groupOf: number[];
}

/** Scores compared as equal when they differ by rounding only (a mean summed in another order). */
const rounded = (score: number): number => Math.round(score * 1e9) / 1e9;

/**
 * Orders candidates: eligible ones (non-empty after normalization, applying) first; then fewest new
 * regression failures (the regression filter); then most test votes; then the consensus: the highest
 * similarity score when there is one, else the largest group of equal normalized patches (the patch
 * vote); then most issue mentions (the tie-break, when chosen); then fewest changed lines; then first seen.
 */
export function rankCandidates(candidates: readonly RankedCandidate[]): CandidateRanking {
  const groups: PatchGroup[] = [];
  const groupByKey = new Map<string, number>();
  const groupOf: number[] = [];
  for (const candidate of candidates) {
    const eligible = candidate.key !== '' && candidate.applies !== false;
    // Non-applying candidates are grouped apart from applying ones with the same text.
    const groupKey = `${eligible ? 'eligible' : 'ineligible'}\u0000${candidate.key}`;
    let group = groupByKey.get(groupKey);
    if (group === undefined) {
      group = groups.length;
      groupByKey.set(groupKey, group);
      groups.push({ members: [], changedLines: candidate.changedLines, eligible });
    }
    groups[group]!.members.push(candidate.index);
    groupOf[candidate.index] = group;
  }
  const byIndex = new Map(candidates.map((candidate) => [candidate.index, candidate]));
  const sortKey = (index: number): number[] => {
    const candidate = byIndex.get(index)!;
    const group = groups[groupOf[index]!]!;
    const consensus = candidate.similarity === undefined ? group.members.length : rounded(candidate.similarity);
    return [group.eligible ? 0 : 1, candidate.regressionFailures, -candidate.testVotes, -consensus, -(candidate.mentions ?? 0), candidate.changedLines, candidate.index];
  };
  const order = candidates
    .map((candidate) => candidate.index)
    .sort((left, right) => {
      const a = sortKey(left);
      const b = sortKey(right);
      for (let position = 0; position < a.length; position += 1) if (a[position] !== b[position]) return a[position]! - b[position]!;
      return 0;
    });
  return { order, groups, groupOf };
}
