import { withoutTaggedBlocks } from './answer-text';
import type { EditFormat, ParsedEdits } from './file-edit';
import { parseSearchReplaceBlocks } from './search-replace-parser';
import { parseUnifiedDiffAnswer } from './unified-diff-parser';

/**
 * The edits of an answer in the given format; the answer's `<test>` block is left out first (a test
 * script is never an edit). No edit and no problem means the answer holds no edit at all.
 */
export function parseEditAnswer(answer: string, format: EditFormat): ParsedEdits {
  const text = withoutTaggedBlocks(answer, 'test');
  return format === 'search-replace' ? parseSearchReplaceBlocks(text) : parseUnifiedDiffAnswer(text);
}
