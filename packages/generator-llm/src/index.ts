import { llmGeneratorPlugin } from './generator-plugin';

export default llmGeneratorPlugin;
export { llmGeneratorPlugin };
export { packageMeta } from './package-meta';
export { createLlmPatchGenerator } from './llm-patch-generator';
export { LlmGeneratorOptionsSchema, testModes, type LlmGeneratorOptions, type LlmGeneratorOptionsInput, type TestMode } from './generator-options';
export { promptVersion } from './prompts/prompt-version';
export { editFormats, type EditFormat, type FileEdit, type ParsedEdits } from './edits/file-edit';
export { parseSearchReplaceBlocks } from './edits/search-replace-parser';
export { parseUnifiedDiffAnswer } from './edits/unified-diff-parser';
export { parseEditAnswer } from './edits/edit-answer';
export { lineSimilarity, locateBlock, type BlockLocation, type BlockMatch, type BlockMiss, type MatchMethod, type MatchSettings } from './edits/block-matcher';
export { createPristineTrackingCopy, type PristineTrackingCopyOptions } from './edits/pristine-tracking-copy';
export {
  describeRefusals,
  planEdits,
  refusalReasons,
  writeEditPlan,
  type AppliedEdit,
  type EditBase,
  type EditPlan,
  type EditRefusal,
  type RefusalReason,
} from './edits/edit-plan';
export { declaresDone, parseTestScript, type TestScriptAnswer } from './tests/test-script-answer';
export { runReproductionTest, type ReproductionTestScript, type TestRun, type TestRunRequest, type TestVerdict } from './tests/reproduction-test-run';
export { finalStates, type FinalState, type Iteration, type RefusedAnswer, type SampleResult, type SampleStatus, type SampleTest } from './samples/sample-record';
export { workStateKey, type SampleWorkState } from './samples/sample-work-state';
