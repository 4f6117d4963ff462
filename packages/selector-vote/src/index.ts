import { votePlugin } from './vote-plugin';

export default votePlugin;
export { votePlugin };
export { packageMeta } from './package-meta';
export { createVoteSelector, type VoteSelectionMetadata } from './vote-selector';
export { VoteOptionsSchema, type VoteOptions, type VoteOptionsInput } from './vote-options';
export {
  normalizeDiffText,
  normalizedKeyOf,
  type NormalizationBasis,
  type NormalizedFileChange,
  type TextualNormalization,
  type TextualNormalizationOptions,
} from './textual-normalization';
export { rankCandidates, type CandidateRanking, type PatchGroup, type RankedCandidate } from './candidate-ranking';
export { checkAgainstBase, type BaseApplication } from './base-application-check';
export { discoverRegressionTests, parseTestStatuses, type RegressionOutcome } from './regression-filter';
export type { TestVoteMatrix } from './test-vote';
export { InvalidCandidatesError } from '@codemonkeys/protocol';
