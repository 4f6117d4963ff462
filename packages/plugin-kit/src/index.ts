// Model answers: ask and re-ask, fenced blocks, paths a model names.
export { addExchangeCost, askAndParse, emptyExchangeCost, type AskAndParseOptions, type ExchangeCost, type ExchangeOutcome } from './model-answers/ask-and-parse';
export { fencedBlocks, fencedCodeBlocks, type FencedBlock } from './model-answers/fenced-blocks';
export {
  cleanModelNamedPath,
  createRepositoryPathResolver,
  type RepositoryPathMatch,
  type RepositoryPathResolver,
  type RepositoryPathResolverOptions,
  type ResolvedRepositoryPath,
} from './model-answers/closest-repository-path';

// Signals
export { followSignal, withFollowedSignal } from './signals/follow-signal';

// Which files of a repository are source, tests or documentation.
export { createSourceFileFilter, documentationPatterns, testFilePatterns, type GlobMatcherFactory, type SourceFileFilterOptions } from './workspace/source-file-filter';

// Context rendering (the format and its parser are in @codemonkeys/protocol).
export { renderContext, type RenderContextOptions, type RenderedContext } from './render/context-renderer';
export { lineRunsOf, type LineRun } from './render/line-runs';
export { contextPresentations, presentPointers, pythonDefinitionLines, type ContextPresentation, type PresentationOptions } from './render/context-presentation';

// The GeneratedTest contract run in a sandbox: applying candidates, the test matrix, test votes.
export { applyDiffInSession, diffHeaderPaths, type ApplyDiffInSessionOptions, type DiffApplication } from './selection/apply-diff-in-session';
export {
  GeneratedTestOutcomeSchema,
  TestMatrixCellSchema,
  TestMatrixSchema,
  generatedTestKey,
  runGeneratedTest,
  runTestMatrix,
  testVotesOf,
  type GeneratedTestOutcome,
  type RunTestMatrixOptions,
  type TestMatrix,
  type TestMatrixCell,
} from './selection/generated-test-matrix';

// Reciprocal-rank fusion of rankings (ranks from 1, weights, stable ties).
export { reciprocalRankFusion, type FusedItem, type ReciprocalRankFusionOptions } from './fusion/reciprocal-rank-fusion';

// Option fragments several plugins declare (spread into a plugin's zod options schema).
export {
  contextPresentationOptions,
  hintOptions,
  localizerOutputOptions,
  localizerOutputs,
  modelOptions,
  sourceFileOptions,
  type LocalizerOutput,
} from './options/plugin-option-fragments';

// A localizer's output (`pointers` or `text`) within a token budget.
export {
  localizationOutput,
  renderPointersWithinBudget,
  type LocalizationOutput,
  type LocalizationOutputOptions,
  type PointersWithinBudgetOptions,
  type RenderedPointers,
} from './render/localization-output';

// The one unified-diff reader (git's extended headers, quoted paths, binary files, missing final newlines).
export type { DiffHunk, DiffLine, FileDiff, FileDiffStatus } from './diff/file-diff';
export { parseUnifiedDiff, unquoteGitPath, type ParseUnifiedDiffOptions } from './diff/parse-unified-diff';
