import type { Contender } from './contenders';
import type { ConversationResult } from './conversation';

export interface TournamentMatch {
  round: number;
  /** Contender ids compared. */
  contenders: number[];
  winner: number;
  /** Set when the model gave no usable answer and the match went to the best by votes. */
  fallback?: string;
}

/**
 * Rounds of small comparisons when all candidates do not fit one prompt: groups of `groupSize` (2 =
 * pairwise) in vote order, each won by the model's choice (or, without a usable answer, by the best by
 * votes); winners meet in the next round until one is left.
 */
export async function runTournament(
  contenders: readonly Contender[],
  groupSize: number,
  compare: (group: readonly Contender[]) => Promise<ConversationResult>,
): Promise<{ winner: Contender; matches: TournamentMatch[]; results: ConversationResult[] }> {
  let remaining = [...contenders];
  const matches: TournamentMatch[] = [];
  const results: ConversationResult[] = [];
  for (let round = 1; remaining.length > 1; round += 1) {
    const next: Contender[] = [];
    for (let start = 0; start < remaining.length; start += groupSize) {
      const group = remaining.slice(start, start + groupSize);
      if (group.length === 1) {
        next.push(group[0]!);
        continue;
      }
      const result = await compare(group);
      results.push(result);
      const winner = result.status === 'chosen' ? result.contender : group[0]!;
      matches.push({ round, contenders: group.map((contender) => contender.id), winner: winner.id, ...(result.status === 'failed' ? { fallback: result.reason } : {}) });
      next.push(winner);
    }
    remaining = next;
  }
  return { winner: remaining[0]!, matches, results };
}
