import type { Message } from '@codemonkeys/protocol';
import type { ExportCandidate } from './candidate-stream';
import type { CandidateMetadata, PreferenceLine, RewardsLine, SftLine } from './export-schemas';

const withoutGold = ({ gold: _gold, ...metadata }: CandidateMetadata) => metadata;

export function sftLine(candidate: ExportCandidate): SftLine | undefined {
  if (candidate.messages.length === 0) return undefined;
  return { messages: candidate.messages, patch: candidate.patch, metadata: candidate.metadata };
}

export function rewardsLine(candidate: ExportCandidate): RewardsLine {
  return { ...candidate.metadata, patch: candidate.patch, messageCount: candidate.messages.length };
}

const sameMessage = (left: Message, right: Message): boolean => JSON.stringify(left) === JSON.stringify(right);

export interface PreferenceOptions {
  /** `resolved`, or a reward name (higher is preferred). */
  criterion: string;
  /** Least difference of the reward for a pair (ignored for `resolved`). */
  minMargin: number;
  /** Pairs per instance at most (deterministic: by sample order). */
  maxPairsPerInstance: number;
}

/**
 * Pairs of candidates of one instance: resolved against not resolved (unknown verdicts never pair), or
 * a higher against a lower reward by at least the margin. Candidates without a conversation do not pair.
 */
export function preferenceLines(candidates: readonly ExportCandidate[], options: PreferenceOptions): PreferenceLine[] {
  const scored = candidates
    .filter((candidate) => candidate.messages.length > 0)
    .map((candidate) => {
      const value = options.criterion === 'resolved' ? candidate.metadata.resolved : candidate.metadata.rewards[options.criterion];
      return { candidate, score: value === null || value === undefined ? null : Number(value) };
    })
    .filter((entry): entry is { candidate: ExportCandidate; score: number } => entry.score !== null);
  const margin = options.criterion === 'resolved' ? 1 : options.minMargin;
  const lines: PreferenceLine[] = [];
  for (const better of scored) {
    for (const worse of scored) {
      if (lines.length >= options.maxPairsPerInstance) return lines;
      const difference = better.score - worse.score;
      if (difference <= 0 || difference < margin) continue;
      let shared = 0;
      const left = better.candidate.messages;
      const right = worse.candidate.messages;
      while (shared < left.length - 1 && shared < right.length - 1 && sameMessage(left[shared]!, right[shared]!)) shared += 1;
      const { gold } = better.candidate.metadata;
      lines.push({
        prompt: left.slice(0, shared),
        chosen: left.slice(shared),
        rejected: right.slice(shared),
        metadata: {
          runId: better.candidate.metadata.runId,
          experimentId: better.candidate.metadata.experimentId,
          instanceId: better.candidate.metadata.instanceId,
          criterion: options.criterion,
          margin: difference,
          chosen: { ...withoutGold(better.candidate.metadata), patch: better.candidate.patch },
          rejected: { ...withoutGold(worse.candidate.metadata), patch: worse.candidate.patch },
          ...(gold ? { gold } : {}),
        },
      });
    }
  }
  return lines;
}
