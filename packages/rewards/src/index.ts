export { packageMeta } from './package-meta';

// Names of stages and rewards (the `stage` and `name` of every RewardRecord written here)
export {
  defaultRewardStages,
  generationRewardNames,
  localizationRewardNames,
  selectionRewardNames,
  stageCostRewardNames,
  staticGenerationRewardNames,
  type RewardStages,
} from './reward-names';

// Instrumentation points: what the runner calls after each stage
export {
  createRewarder,
  type CandidateRewards,
  type GenerationRewardOutcome,
  type LocalizationRewardOutcome,
  type RewardGenerationInput,
  type RewardLocalizationInput,
  type Rewarder,
  type RewarderOptions,
  type RewardSandboxes,
  type RewardSelectionInput,
  type SelectionRewardOutcome,
} from './instrumentation/rewarder';
export { readRewardRecords, storedModelCallCost, type StageCost } from './instrumentation/stage-cost';
export {
  CachedVerdictSchema,
  createStorageVerdictCache,
  environmentDigest,
  isDefiniteVerdict,
  verdictCacheKey,
  verdictCacheKeyParts,
  verdictCacheKeyPrefix,
  verdictCacheVersion,
  verdictDiffHash,
  verdictTestsHash,
  VerdictOriginSchema,
  type CachedVerdict,
  type StorageVerdictCacheOptions,
  type VerdictCache,
  type VerdictCacheKeyParts,
  type VerdictOrigin,
} from './instrumentation/verdict-cache';

// Localization
export { goldLocalizationOf, type GoldHunk, type GoldLocalization } from './localization/gold-localization';
export { goldFileRanks, type GoldFileRanks } from './localization/gold-file-ranks';
export { localizationLineRewards, type LocalizationLineRewards, type LocalizationLineRewardsOptions } from './localization/localization-line-rewards';
export { measureContext, type ContextMeasure } from './localization/context-measure';
export { countLines, workspaceFileReader, type BaseFileReader } from './localization/file-reader';
export { FileSizeCache, ScannedMetadataSchema, defaultSourceExtensions, scannedMetadataOf, type ScannedMeasure, type ScannedMetadata } from './localization/scanned-files';
export { computeLocalizationRewards, type LocalizationRewards, type LocalizationRewardsOptions } from './localization/localization-rewards';

// Generation
export { comparePatches, normalizedLevenshteinSimilarity, type PatchComparison } from './generation/patch-comparison';
export { evaluateGoldTests, goldTestVerdictOf, type GoldTestVerdict } from './generation/gold-test-verdict';
export {
  evaluateGeneratedTest,
  goldAddedLines,
  type EvaluateGeneratedTestOptions,
  type GeneratedTestEvaluation,
  type GeneratedTestRun,
  type GoldLineCoverage,
} from './generation/generated-test-evaluation';

// Selection
export { normalizedSelectionScore, selectionRewards, type SelectionRewards } from './selection/selection-rewards';

// Validity
export { rocAuc } from './validity/roc-auc';
export { pointBiserialCorrelation } from './validity/point-biserial';
export { bootstrapEstimate, type BootstrapOptions, type Estimate } from './validity/bootstrap';
export { rewardValidity, type RewardObservation, type RewardValidity, type ValidityOptions } from './validity/reward-validity';
export { pseudoRewardNames, validityFromRecords } from './validity/validity-from-records';

// Scorecards
export {
  buildScorecard,
  scorecardFromStorage,
  type MetricSummary,
  type Scorecard,
  type ScorecardHeadline,
  type ScorecardOptions,
  type StageScorecard,
} from './scorecard/scorecard';
export { formatScorecardMarkdown, formatScorecardValue, formatValidityMarkdown, scorecardRows } from './scorecard/format-scorecard';

// Offline mode
export { rewardPredictions, type PredictionsRewards, type PredictionsRun, type RewardPredictionsOptions } from './offline/reward-predictions';
export { labelOf, loadResolvedLabels, parseResolvedLabels, type ResolvedLabels } from './offline/resolved-labels';
