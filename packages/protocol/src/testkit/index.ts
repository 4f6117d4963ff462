export { describeWhenAvailable, isCI, probeTcp, type Availability } from './availability';
export { locateSharedData, sharedDataDirectory, sharedDataEnvironmentVariable, type SharedDataFiles } from './shared-data';
export {
  runSequenceStorageConformance,
  sampleExperiment,
  sampleModelCall,
  sampleRun,
  sampleStageResult,
  type SequenceStorageCreateOptions,
  type SequenceStorageFactory,
} from './sequence-storage-conformance';
export { runStorageDriverConformance, type StorageDriverFactory } from './storage-driver-conformance';
export { runSandboxConformance, type SandboxConformanceFactory } from './sandbox-conformance';
export { goldNeedlesOf, leakedGold } from './gold-leaks';
export { createInMemoryWorkspace, type InMemoryWorkspaceOptions } from './in-memory-workspace';
export { runLocalizerConformance, type LocalizerConformanceFactory, type LocalizerConformanceSetup } from './localizer-conformance';
export { runSelectorConformance, type SelectorConformanceFactory, type SelectorConformanceSetup } from './selector-conformance';
export { runPatchGeneratorConformance, type PatchGeneratorConformanceFactory, type PatchGeneratorConformanceSetup } from './patch-generator-conformance';
export { pluginContextCapabilities, runPluginContextConformance, type PluginContextConformanceFactory, type PluginContextConformanceSetup } from './plugin-context-conformance';
