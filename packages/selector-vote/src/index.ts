import { votePlugin } from './vote-plugin';

export default votePlugin;
export { votePlugin };
export { packageMeta } from './package-meta';
export { createVoteSelector, type SelectionStep, type VoteSelectionMetadata } from './vote-selector';
export {
  RegressionFilterOptionsSchema,
  VoteOptionsSchema,
  voteModes,
  voteTieBreaks,
  type RegressionFilterOptions,
  type VoteMode,
  type VoteOptions,
  type VoteOptionsInput,
  type VoteTieBreak,
} from './vote-options';
export { changedLineBag, changedLineSimilarity, similarityScores, type SimilarityScores } from './similarity-vote';
export { issueMentionsOf, issueVocabulary, symbolsOfDiff, type IssueMentions } from './issue-mentions';
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
export {
  discoverRegressionTests,
  importsModule,
  parseTestStatuses,
  regressionCacheKey,
  runRegressionFilter,
  type RegressionCandidateOutcome,
  type RegressionOutcome,
  type RegressionTestFile,
  type RegressionTestReason,
} from './regression-filter';
export type { TestVoteMatrix } from './test-vote';
export { InvalidCandidatesError } from '@codemonkeys/protocol';
