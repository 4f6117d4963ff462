import type { EditFormat } from '../edits/file-edit';
import { editFormatInstructions, editFormatName } from './edit-format-instructions';
import { testScriptInstructions } from './test-script-instructions';

export interface TaskPromptParts {
  /** `issueSection(...)`. */
  issue: string;
  /** `codeSection(...)`. */
  code: string;
  editFormat: EditFormat;
  /** The command the test is run with, e.g. `python3 reproduce_issue.py`. */
  testCommand: string;
}

/** One answer with the fix (tests: none or independent, one-shot). */
export function editTaskPrompt(parts: TaskPromptParts): string {
  return `${parts.issue}\n\n${parts.code}\n\n${editFormatInstructions(parts.editFormat)}\n\n# Your task\n\nFix the issue. First explain briefly what causes it and how you will change the code; then give the edit as ${editFormatName(parts.editFormat)}, as the last part of your answer.`;
}

/** One answer with a reproduction test and the fix (tests: combined). */
export function combinedTaskPrompt(parts: TaskPromptParts): string {
  return `${parts.issue}\n\n${parts.code}\n\n${editFormatInstructions(parts.editFormat)}\n\n${testScriptInstructions(parts.testCommand)}\n\n# Your task\n\nFix the issue and write a reproduction test for it, in one answer. First explain briefly what causes the issue, how the test shows it and how you will change the code; then give the test between <test> and </test>, and last the edit as ${editFormatName(parts.editFormat)}. The test must exit with 2 on the code as it is now and with 0 once your edit is applied.`;
}

/** A separate conversation that only writes the test (tests: independent). */
export function testTaskPrompt(parts: Omit<TaskPromptParts, 'editFormat'>): string {
  return `${parts.issue}\n\n${parts.code}\n\n${testScriptInstructions(parts.testCommand)}\n\n# Your task\n\nWrite a reproduction test for the issue. Do not fix the issue: only write the test, which we will use to check fixes later. First explain briefly how the test shows the issue; then give the whole script between <test> and </test> as the last part of your answer.`;
}
