/**
 * Stage names under which reward records are stored (the `stage` of a RewardRecord). They are the
 * stage names the runner labels model calls and stage results with; pass others to `createRewarder`
 * when a runner uses different ones.
 */
export const defaultRewardStages = {
  localization: 'localize',
  generation: 'generate',
  selection: 'select',
} as const;

export interface RewardStages {
  localization: string;
  generation: string;
  selection: string;
}

/** Localization rewards: one record each per (run, instance, localization stage, sample). */
export const localizationRewardNames = {
  goldLineRecall: 'gold-line-recall',
  fileRecallAll: 'file-recall-all',
  fileRecallAny: 'file-recall-any',
  contextLines: 'context-lines',
  contextTokens: 'context-tokens',
  compressionLines: 'compression-lines',
  compressionTokens: 'compression-tokens',
  relevantOverContext: 'relevant-over-context',
} as const;

/** Generation rewards: one record each per candidate (sample = the candidate's index). */
export const generationRewardNames = {
  /** Static: need only the candidate and the gold patch. */
  similarity: 'similarity',
  lineOverlap: 'line-overlap',
  fileOverlap: 'file-overlap',
  patchLines: 'patch-lines',
  empty: 'empty',
  /** Gold tests in the sandbox (SWE-bench verdict). */
  applied: 'applied',
  resolved: 'resolved',
  failToPass: 'fail-to-pass',
  passToPass: 'pass-to-pass',
  /** Generated tests in the sandbox. */
  generatedTestValidity: 'generated-test-validity',
  generatedTestCoverage: 'generated-test-coverage',
} as const;

/** Selection rewards: one record each per (run, instance, selection stage), sample 0. */
export const selectionRewardNames = {
  resolved: 'resolved',
  random: 'random',
  oracle: 'oracle',
  normalized: 'normalized',
  candidates: 'candidates',
} as const;

/** Cost of a stage, recorded by every stage function at sample 0 when known. */
export const stageCostRewardNames = {
  durationMs: 'duration-ms',
  tokens: 'tokens',
  costUsd: 'cost-usd',
} as const;

/** Generation rewards that need no sandbox: what offline mode computes from a predictions file. */
export const staticGenerationRewardNames = [
  generationRewardNames.similarity,
  generationRewardNames.lineOverlap,
  generationRewardNames.fileOverlap,
  generationRewardNames.patchLines,
  generationRewardNames.empty,
] as const;
