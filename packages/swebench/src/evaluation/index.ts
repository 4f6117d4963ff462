export { EnvironmentImageError, EnvironmentSetupError } from './evaluation-errors';
export {
  baseImageName,
  ensureEnvironmentImage,
  environmentImageDefinition,
  environmentImageLabels,
  environmentImageTag,
  isEnvironmentImage,
  type EnsureEnvironmentImageOptions,
  type EnvironmentImage,
  type EnvironmentImageOptions,
} from './environment-image';
export { colorForcingVariables, environmentShell, sandboxEnvironment } from './environment-shell';
export {
  createInstanceSandboxProvider,
  instanceSandboxLabels,
  type EnvironmentInstanceSandbox,
  type InstanceSandboxProvider,
  type InstanceSandboxProviderOptions,
  type SandboxInstance,
} from './instance-sandbox-provider';
// Kept names for core's `applyDiffInSession`, which evaluation, selectors and generators share.
export {
  applyDiffInSession as applyPatchInSandbox,
  type ApplyDiffInSessionOptions as ApplyPatchInSandboxOptions,
  type DiffApplication as SandboxPatchApplication,
} from '@codemonkeys/plugin-kit';
export { pathsOfDiff, prepareTestsScript, runnerFilesOf, testRunScript } from './evaluation-scripts';
export { evaluatePatch, infrastructureFailureOf, type CandidateApplication, type EvaluatedInstance, type EvaluatePatchOptions, type PatchEvaluation } from './evaluate-patch';
export { regradeEvaluation, type RegradedEvaluation, type RegradeEvaluationOptions } from './regrade-evaluation';
export { runOnPatchedRepository, type PatchedRepositoryRun, type RunOnPatchedRepositoryOptions } from './run-on-patched-repository';
export { checkInstanceEnvironment, type CheckInstanceEnvironmentOptions, type InstanceEnvironmentCheck } from './check-instance-environment';
export { evaluationArtifactNames, readEvaluationReport, writeEvaluationArtifacts } from './evaluation-artifacts';
