export { packageMeta } from './package-meta';
export { GitCommandError } from './git/git-command-error';

// Datasets and predictions
export { loadDataset, detectDatasetFormat, parseSweBenchRecord, type DatasetFormat, type LoadDatasetOptions } from './dataset/load-dataset';
export { filterInstances, InstanceFilterSchema, type InstanceFilter } from './dataset/instance-filter';
export { formatPredictionsJsonl, loadPredictions, PredictionSchema, writePredictions, type Prediction } from './dataset/predictions';

// Diffs
export type { DiffHunk, DiffLine, FileDiff, FileDiffStatus } from './diff/file-diff';
export { parseUnifiedDiff, unquoteGitPath } from './diff/parse-unified-diff';
export { goldLines, goldLinesByFile, type FileGoldLines, type InsertionAnchorMode } from './diff/gold-lines';
export { changedLines, changedLinesText, normalizeWhitespace, type ChangedLine, type ChangedLinesOptions, type WhitespaceMode } from './diff/changed-lines';
export { normalizeDiff, type NormalizeDiffOptions } from './diff/normalize-diff';
export { applyPatch, patchApplyCommands, type ApplyPatchOptions, type ApplyPatchResult } from './diff/apply-patch';
export { assertPatchStaysInRepository } from './diff/patch-path-safety';
export { PatchApplyError } from './diff/patch-apply-error';

// Log parsers and grading
export { TestStatusSchema, testStatuses, type TestStatus, type TestStatusMap } from './grading/test-status';
export { LogParserNameSchema, logParserByRepo, logParsers, parseTestLog, type LogParser, type LogParserName } from './grading/log-parsers';
export { parseDjangoLog } from './grading/django-log-parser';
export { parseSympyLog } from './grading/sympy-log-parser';
export { parseMatplotlibLog, parsePytestLog, parsePytestOptionsLog, parsePytestV2Log, parseSeabornLog } from './grading/pytest-log-parsers';
export { composeTestLog, evaluationLogMarkers, extractTestOutput, nonceMarkers, type TestOutputExtraction } from './grading/evaluation-log-markers';
export { gradeTests, resolutionStatus, ResolutionStatusSchema, testFailed, testPassed, TestsStatusSchema, type ResolutionStatus, type TestsStatus } from './grading/grade-tests';
export {
  gradeEvaluation,
  graderVersion,
  GradingErrorSchema,
  InfrastructureFailureKindSchema,
  InfrastructureFailureSchema,
  InstanceReportFileSchema,
  InstanceReportSchema,
  type GradedEvaluation,
  type GradeEvaluationOptions,
  type GradingError,
  type InfrastructureFailure,
  type InfrastructureFailureKind,
  type InstanceReport,
  type TestRunRecord,
} from './grading/instance-report';
export { createRunReport, RunReportSchema, type RunReport, type RunReportOptions } from './grading/run-report';

// Outline and skeleton (tree-sitter, Python)
export { outlinePython } from './outline/python-outline';
export { skeletonPython, type Skeleton, type SkeletonOptions } from './outline/python-skeleton';
export { isPythonPath } from './outline/python-parser';

// Repositories and workspaces
export { createRepositoryCache, type ArchiveOptions, type RepositoryCache, type RepositoryCacheOptions, type WorktreeLease } from './repository/repository-cache';
export { RepositoryLockError } from './repository/mirror-lock';
export { openRepositoryWorkspace, type RepositoryWorkspace, type RepositoryWorkspaceOptions } from './repository/repository-workspace';
export { createWorkspaceProvider, type WorkspaceProvider, type WorkspaceProviderOptions } from './repository/workspace-provider';

// Environment specs
export {
  DebianEnvironmentSpecSchema,
  DebianSuiteSchema,
  EnvironmentSpecSchema,
  environmentImageKey,
  environmentWorkdir,
  pythonVersionOfSuite,
  SpecValidationSchema,
  SweBenchImageSpecSchema,
  sweBenchImageName,
  sweBenchImageReference,
  TestSelectionSchema,
  type DebianEnvironmentSpec,
  type DebianSuite,
  type EnvironmentSpec,
  type EnvironmentSpecInput,
  type SweBenchImageSpec,
  type TestSelection,
} from './environment/environment-spec';
export {
  builtInEnvironmentSpecs,
  expandCommand,
  findEnvironmentSpec,
  parseEnvironmentSpecs,
  testCommandFor,
  type FindEnvironmentSpecOptions,
} from './environment/find-environment-spec';
export { shellQuote, testTargetsOf } from './environment/test-targets';

// Evaluation in sandboxes
export * from './evaluation/index';

// The instance sandbox pool: sessions of one instance over any Sandbox, reset to the prepared state between uses.
export {
  InstanceSandboxPoolSettingsSchema,
  createInstanceSandboxPool,
  type InstanceSandboxPool,
  type InstanceSandboxPoolOptions,
  type InstanceSandboxPoolSettings,
  type InstanceSandboxPoolStatistics,
} from './sandbox-pool/instance-sandbox-pool';

// One evaluation environment (specs, repository cache, workspaces, sandbox, instance sandboxes) for every command that runs instances.
export { loadEnvironmentSpecFile } from './evaluation-environment/environment-spec-file';
export {
  openEvaluationEnvironment,
  type EvaluationEnvironment,
  type EvaluationEnvironmentOptions,
  type EvaluationSandboxSource,
} from './evaluation-environment/open-evaluation-environment';
