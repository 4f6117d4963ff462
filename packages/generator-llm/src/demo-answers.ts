import type { DemoAnswerRequest, DemoInstanceScript, PluginDemo } from '@codemonkeys/protocol';
import type { EditFormat } from './edits/file-edit';
import { parseUnifiedDiffAnswer } from './edits/unified-diff-parser';
import { editFormatInstructions, editFormatName } from './prompts/edit-format-instructions';
import { editingStartPrompt, reaskPrompt } from './prompts/feedback-prompts';
import { systemPrompt } from './prompts/system-prompt';
import { testScriptInstructions } from './prompts/test-script-instructions';

/** The opening line of a prompt, the same whatever the issue. */
const openingOf = (prompt: string): string => prompt.split('\n')[0]!;
const openings = {
  testInstructions: openingOf(testScriptInstructions('')),
  editingStart: openingOf(editingStartPrompt('', undefined, 'search-replace')),
  reask: openingOf(reaskPrompt([], '')),
};

/** The edit format a question asks for: its instructions (task prompts) or its name (the editing machine's start). */
const formatAskedIn = (question: string): EditFormat | undefined =>
  (['search-replace', 'unified-diff'] as const).find(
    (format) => question.includes(editFormatInstructions(format)) || question.includes(`give the edit as ${editFormatName(format)}`),
  );

/** A unified diff written in the edit format asked for: one SEARCH/REPLACE block per hunk, or the diff in a ```diff block. */
function editOf(diff: string, format: EditFormat): string {
  if (format === 'unified-diff') return `\`\`\`diff\n${diff.trimEnd()}\n\`\`\``;
  return parseUnifiedDiffAnswer(diff)
    .edits.map((edit) => `${edit.path}\n<<<<<<< SEARCH\n${edit.search}=======\n${edit.replace}>>>>>>> REPLACE`)
    .join('\n\n');
}

/** The sample a request is for, by its seed (the generator sends `seed + i` with sample i). */
function sampleOf(request: DemoAnswerRequest): DemoInstanceScript['samples'][number] | undefined {
  const { samples, firstSeed = 0 } = request.instance;
  const seed = request.parameters['seed'];
  const offset = typeof seed === 'number' ? seed - firstSeed : 0;
  return samples[((offset % samples.length) + samples.length) % samples.length];
}

/**
 * The demo's answers to this plugin's prompts. A request is one of ours when its system message is ours.
 * A task (or a re-ask of it) is answered with the sample's edit, in the format the question asks for,
 * after the reproduction test when the question asks for one too (or with the test alone when that is
 * all it asks for); a sample scripted `unusableFirst` answers its first question with prose. The
 * feedback of the iterative machines (test runs, edit results) is answered `<done>`.
 */
export const llmGeneratorDemo: PluginDemo = {
  answer(request: DemoAnswerRequest): string | undefined {
    if (request.messages[0]?.role !== 'system' || request.messages[0].content !== systemPrompt) return undefined;
    const users = request.messages.filter((message) => message.role === 'user');
    const question = users[0]?.content ?? '';
    if (users.length > 1 && !request.lastUserMessage.startsWith(openings.reask)) return '<done>';
    const sample = sampleOf(request);
    if (!sample) return 'No sample is scripted for this instance.';
    const reasked = request.messages.some((message) => message.role === 'assistant');
    if (sample.unusableFirst && !reasked) return 'I looked at the code but I am not sure what causes the issue yet.';
    const format = formatAskedIn(question);
    const asksTest = question.includes(openings.testInstructions);
    const test = request.instance.test === undefined ? undefined : `<test>\n${request.instance.test.trimEnd()}\n</test>`;
    if (!format) return asksTest ? (test ?? 'No reproduction test is scripted for this instance.') : undefined;
    const testPart = asksTest && test ? `\n${test}\n` : '';
    return `The fix changes the code the issue points at.\n${testPart}\n${editOf(sample.diff, format)}\n`;
  },
};
