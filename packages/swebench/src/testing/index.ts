export {
  createFixtureRepository,
  fixtureInstanceNames,
  type FixtureCandidate,
  type FixtureInstanceName,
  type FixtureRepository,
  type FixtureRepositoryOptions,
} from './create-fixture-repository';
export { fixtureEnvironmentSpec } from './fixture-environment-spec';
export { createTestPluginContext, type TestPluginContext, type TestPluginContextOptions } from './create-test-plugin-context';
export { openFixtureSandboxes, type FixtureSandboxes, type FixtureSandboxesOptions } from './fixture-sandboxes';
export { unifiedDiffOf } from './unified-diff-of';
export { recordGitCalls, type GitCallRecorder } from './git-call-recorder';
