import { agentlessPlugin } from './agentless-plugin';

export default agentlessPlugin;
export { agentlessPlugin };
export { packageMeta } from './package-meta';
export { AgentlessLocalizer, createAgentlessLocalizer } from './agentless-localizer';
export { AgentlessOptionsSchema, agentlessDepths, type AgentlessOptions, type AgentlessOptionsInput } from './agentless-options';
export type {
  AgentlessMetadata,
  DroppedName,
  EditLevelRecord,
  EditSampleRecord,
  ElementLevelRecord,
  FileLevelRecord,
  IrrelevantFoldersRecord,
  LevelCost,
  LevelRecord,
  NamedElementRecord,
  PathCorrection,
} from './agentless-metadata';
export { AgentlessLocalizationError } from './localization-failed-error';
export { promptVersion } from './prompts/prompt-version';
export { renderRepositoryTree } from './repository-tree';
// Shared with the other localizers through core; exported here as before.
export { documentationPatterns, testFilePatterns } from '@codemonkeys/plugin-kit';
export { UnparseableAnswerError } from '@codemonkeys/protocol';
