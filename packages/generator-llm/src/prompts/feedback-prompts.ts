import type { EditFormat } from '../edits/file-edit';
import type { TestRun } from '../tests/reproduction-test-run';
import { editFormatName } from './edit-format-instructions';

const meaningOf = (run: TestRun): string => {
  switch (run.verdict) {
    case 'not-fixed':
      return 'exit code 2: the issue is not fixed';
    case 'fixed':
      return 'exit code 0: the issue is fixed';
    case 'timeout':
      return 'it did not finish in time and was stopped';
    case 'sandbox-error':
      return 'it could not be run';
    case 'not-applied':
      return 'the edit could not be applied to the code, so the test did not run';
    default:
      return `exit code ${run.exitCode}: the script itself went wrong`;
  }
};

const outputBlock = (tag: string, run: TestRun): string => `<${tag}>\n${run.output.trimEnd() === '' ? '(no output)' : run.output.trimEnd()}\n</${tag}>`;

/** Testing machine: the test's run on the original code; the model approves it or revises it. */
export function testRunFeedbackPrompt(run: TestRun): string {
  return `I ran your test on the original code (${meaningOf(run)}). Its output:\n\n${outputBlock('output_on_original', run)}\n\nA useful test exits with 2 on the original code because of the problem the issue describes, not for another reason. Decide:\n- if the test reproduces the issue that way, answer <done>;\n- otherwise write the whole revised script between <test> and </test>.\nExplain your reasoning first; put your decision last.`;
}

/** Testing machine: the model said done, but its test does not exit with 2 on the original code. */
export function testNotReproducingPrompt(run: TestRun | undefined): string {
  if (!run) return 'There is no test yet. Write the whole script between <test> and </test>.';
  return `The test cannot be used yet: on the original code it gave ${meaningOf(run)}, and it must exit with 2 there. Write the whole revised script between <test> and </test>.`;
}

/** Editing machine, tests written beforehand: the test, its output on the original code, and the task of editing. */
export function editingStartPrompt(test: string, run: TestRun | undefined, format: EditFormat): string {
  const ran = run ? `\n\nIts output on the original code (${meaningOf(run)}):\n\n${outputBlock('output_on_original', run)}` : '';
  return `This reproduction test was written for the issue:\n\n<test>\n${test.trimEnd()}\n</test>${ran}\n\n# Your task\n\nFix the issue. First explain what causes it and how you will change the code; then give the edit as ${editFormatName(format)}, as the last part of your answer. Do not change the test now: after your edit, I will run it on the original and on the edited code and show you the results.`;
}

/** Editing machine: the current edit as a diff and the test's runs on the original and the edited code. */
export function editFeedbackPrompt(parts: { diff: string; original: TestRun; edited: TestRun | undefined; format: EditFormat }): string {
  const edited = parts.edited
    ? `On the edited code (${meaningOf(parts.edited)}):\n\n${outputBlock('output_on_edited', parts.edited)}`
    : 'There is no edit yet, so the test ran only on the original code.';
  const diff = parts.diff === '' ? '(no edit yet)' : parts.diff.trimEnd();
  return `Your current edit, as a diff against the original code:\n\n<diff>\n${diff}\n</diff>\n\nThe test on the original code (${meaningOf(parts.original)}):\n\n${outputBlock('output_on_original', parts.original)}\n\n${edited}\n\nThe fix works when the test exits with 2 on the original code and with 0 on the edited code. The test may be wrong too: do not treat it as an oracle. Choose one:\n- the issue is fixed: answer <done>;\n- the edit must change: give a new edit as ${editFormatName(parts.format)}. It replaces the current edit entirely, so write it against the original code;\n- the test must change: give the whole new script between <test> and </test>.\nExplain your reasoning first; put your decision last.`;
}

/** Sent after an answer that could not be used, with the reasons. */
export function reaskPrompt(problems: readonly string[], expected: string): string {
  const listed = problems.map((problem) => (problem.startsWith('- ') ? problem : `- ${problem}`)).join('\n');
  return `I could not use your answer:\n${listed}\n\nAnswer again with ${expected}, exactly in the format described. You do not need to repeat your reasoning.`;
}
