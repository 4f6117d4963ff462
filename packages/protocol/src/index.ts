// Errors
export { CodemonkeysError, type CodemonkeysErrorOptions } from './errors/codemonkeys-error';
export { InvalidPluginError, InvalidPluginOptionsError, NoSuchPluginError, UnsupportedSpecificationVersionError } from './errors/plugin-errors';
export { BudgetExceededError, ModelCallError } from './errors/model-errors';
export { SandboxError, SandboxTimeoutError } from './errors/sandbox-errors';
export { DatasetError, NotFoundError, PathOutsideRepositoryError, SchemaValidationError } from './errors/data-errors';
export { StorageError, UnsupportedCapabilityError } from './errors/capability-errors';
export { UnparseableAnswerError } from './errors/unparseable-answer-error';
export { formatZodError } from './schema/format-zod-error';
export { parseWithSchema } from './schema/parse-with-schema';

// Instances and tasks
export { InstanceSchema, SweBenchRecordSchema, toSweBenchRecord, type Instance, type SweBenchRecord } from './instance/v1/instance';
export { TaskSchema, toTask, type Task } from './instance/v1/task';

// Stage data
export { CodePointerKindSchema, CodePointerSchema, type CodePointer, type CodePointerKind } from './code-pointer/v1/code-pointer';
export { LocalizationResultSchema, type LocalizationResult } from './localization/v1/localization-result';
export {
  parseRenderedContext,
  pointerLines,
  renderedFileFooter,
  renderedFileHeader,
  renderedGapMarker,
  renderedLinePattern,
  shownLinesOf,
  type ShownLines,
} from './localization/v1/shown-lines';
export { GeneratedTestSchema, PatchSchema, type GeneratedTest, type Patch } from './patch/v1/patch';

// Messages and models
export { MessageRoleSchema, MessageSchema, ToolCallSchema, type Message, type MessageRole, type ToolCall } from './message/v1/message';
export { UsageSchema, addUsage, emptyUsage, type Usage } from './model/v1/usage';
export {
  ChatChoiceSchema,
  ChatRequestSchema,
  ChatResponseSchema,
  EmbeddingRequestSchema,
  EmbeddingResponseSchema,
  ToolDefinitionSchema,
  type ChatChoice,
  type ChatRequest,
  type ChatResponse,
  type EmbeddingRequest,
  type EmbeddingResponse,
  type NormalizedChatRequest,
  type ToolDefinition,
} from './model/v1/model-call';
export type { ModelCallOptions, ModelClient } from './model/v1/model-client';
export { CallLabelsSchema, currentCallLabels, withCallLabels, type CallLabels } from './call-labels/call-labels';
export { approximateTokenCount, type TokenCounter } from './tokens/token-counter';

// Workspaces and sandboxes
export { OutlineEntrySchema, type OutlineEntry } from './workspace/v1/outline';
export type { Workspace, WorkspaceCapabilities, WritableWorkspace } from './workspace/v1/workspace';
export { normalizeRepositoryPath, resolveRepositoryPath } from './workspace/repository-path';
export {
  ExecResultSchema,
  SandboxLimitsSchema,
  type ExecOptions,
  type ExecResult,
  type InstanceSandbox,
  type Sandbox,
  type SandboxCapabilities,
  type SandboxFile,
  type SandboxLimits,
  type SandboxSession,
  type SandboxSpec,
} from './sandbox/v1/sandbox';
export { sandboxImagesOf, type SandboxImage, type SandboxImageDefinition, type SandboxImages } from './sandbox/v1/sandbox-images';

// Storage
export * from './storage/v1/records';
export * from './storage/v1/instance-leases';
export type * from './storage/v1/queries';
export type { SequenceStorage, SequenceWriter, StorageCapabilities } from './storage/v1/sequence-storage';
export { createSequenceWriter, exportRunRecords, importExportRecords, readAllPages } from './storage/v1/storage-helpers';
export { compareCodePoints, compareSortKeys, decodeCursor, encodeCursor } from './storage/v1/page-cursor';
export { PageRequestSchema, defaultPageSize, maxPageSize, resolvePageRequest, type ResolvedPageRequest } from './storage/v1/page-request';
export { emptyRunSummary, roundCostUsd, summarizeRunRecords } from './storage/v1/run-summary';
export { formatExportLine, parseExportLine } from './storage/v1/export-jsonl';
export { createSecretRedactor, isSecretKey, redactedPlaceholder, type SecretRedactor, type SecretRedactorOptions } from './storage/secret-redactor';
export {
  createStorageRecordCodec,
  storageRecordSchemas,
  type StorageRecordCodec,
  type StorageRecordCodecOptions,
  type StorageRecordKind,
  type StorageRecordOf,
} from './storage/storage-record-codec';
export { InMemorySequenceStorage, createInMemorySequenceStorage, type InMemorySequenceStorageOptions } from './storage/in-memory-sequence-storage';
export type {
  IndexValue,
  StorageCollection,
  StorageDriver,
  StorageDriverAggregate,
  StorageDriverAggregation,
  StorageDriverEntry,
  StorageDriverQuery,
  StorageDriverWrite,
} from './storage/driver/storage-driver';
export { DriverSequenceStorage, createSequenceStorage, type SequenceStorageOptions } from './storage/driver/driver-sequence-storage';
export { MemoryStorageDriver, createMemoryStorageDriver } from './storage/driver/memory-storage-driver';
export {
  collectionNamed,
  orderNamed,
  recordCatalogue,
  runInstancesCollection,
  runStagesCollection,
  sequenceStorageCollections,
  type CatalogueEntry,
} from './storage/driver/sequence-storage-collections';

// Protocols
export type { LocalizerV1, LocalizerV1 as Localizer } from './localization/v1/localizer';
export type { LocalizerV1_1 } from './localization/v1_1/localizer';
export type { PatchGeneratorV1, PatchGeneratorV1 as PatchGenerator } from './generator/v1/patch-generator';
export { CandidateSchema, type Candidate, type CandidateInput, type PatchGeneratorV1_1 } from './generator/v1_1/patch-generator';
export type { SelectorV1, SelectorV1 as Selector } from './selector/v1/selector';
export { SelectionSchema, type Selection, type SelectionInput, type SelectorV1_1 } from './selector/v1_1/selector';
export { InvalidCandidatesError, assertSelectorCandidates } from './selector/v1/selector-candidates';
export { FailureReasonSchema, FailureSchema, infrastructureFailureReasons, isInfrastructureFailure, type Failure, type FailureReason } from './failure/v1_1/failure';
export type { ExperimentV1, ExperimentV1 as Experiment } from './experiment/v1/experiment';
export {
  defineExperiment,
  isExperimentDefinition,
  type ExperimentContext,
  type ExperimentDefinition,
  type ExperimentDefinitionInput,
  type ExperimentPipeline,
  type ExperimentStages,
} from './experiment/v1_1/define-experiment';
export type { PluginContext, PluginContext as PluginContextV1 } from './plugin/v1/plugin-context';
export type { PluginCache, PluginCheckpoint, PluginContextV1_1 } from './plugin/v1_1/plugin-context';
export {
  PluginMetaSchema,
  assertPluginDefinition,
  assertPluginInstance,
  assertSupportedVersion,
  definePlugin,
  isPluginDefinition,
  parsePluginOptions,
  pluginKinds,
  supportedSpecificationVersions,
  type PluginDefinition,
  type PluginDefinitionV1,
  type PluginDefinitionV1_1,
  type PluginInstanceByKind,
  type PluginInstanceByKindV1,
  type PluginInstanceByKindV1_1,
  type PluginKind,
  type PluginMeta,
  type SpecificationVersion,
} from './plugin/define-plugin';
export { createPluginInstance, instantiatePlugin } from './plugin/create-plugin-instance';
export { pluginContextV1Of, pluginContextV1_1Of, type PluginRunIdentity } from './plugin/adapters/context-adapters';
export {
  candidatesFromV1,
  candidatesToV1,
  generatorV1From,
  generatorV1_1From,
  localizerV1From,
  localizerV1_1From,
  selectionIndexFromV1,
  selectorV1From,
  selectorV1_1From,
  type V1MessageRange,
} from './plugin/adapters/instance-adapters';
export { pluginCacheKey } from './plugin/adapters/plugin-cache-key';
export type { DemoAnswerRequest, DemoInstanceScript, PluginDemo } from './demo/v1_1/demo-answers';

// Logging
export { createConsoleLogger, silentLogger, type LogLevel, type Logger } from './logger/logger';
