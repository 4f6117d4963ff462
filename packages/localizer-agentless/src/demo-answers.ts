import type { DemoAnswerRequest, DemoInstanceScript, PluginDemo } from '@codemonkeys/protocol';
import { editLevelPrompt } from './prompts/edit-level-prompt';
import { elementLevelPrompt } from './prompts/element-level-prompt';
import { fileLevelPrompt } from './prompts/file-level-prompt';
import { irrelevantFoldersPrompt } from './prompts/irrelevant-folders-prompt';
import { systemPrompt } from './prompts/system-prompt';

/** The opening line of a prompt, the same whatever the issue (each level's prompt opens with its own). */
const openingOf = (prompt: string): string => prompt.split('\n')[0]!;
const empty = { problemStatement: '', hintsText: '' };
const openings = {
  folders: openingOf(irrelevantFoldersPrompt({ ...empty, tree: '' })),
  files: openingOf(fileLevelPrompt({ ...empty, tree: '', maxFiles: 1 })),
  elements: openingOf(elementLevelPrompt({ ...empty, skeletons: [] })),
  edits: openingOf(editLevelPrompt({ ...empty, code: '' })),
};

const fenced = (lines: readonly string[]): string => `\`\`\`\n${lines.join('\n')}\n\`\`\``;

const lineRuns = (runs: DemoInstanceScript['locations']['lines'][string]): string[] =>
  runs.map((run) => (run.startLine === run.endLine ? `line: ${run.startLine}` : `lines: ${run.startLine}-${run.endLine}`));

/**
 * The demo's answers to this plugin's prompts: at each level, the instance's gold locations in the
 * level's answer format (no folder is irrelevant). A request is one of ours when its system message is
 * ours; the level is told by the opening line of its question (a re-ask keeps the question first, and is
 * answered the same).
 */
export const agentlessDemo: PluginDemo = {
  answer(request: DemoAnswerRequest): string | undefined {
    if (request.messages[0]?.role !== 'system' || request.messages[0].content !== systemPrompt) return undefined;
    const question = request.messages.find((message) => message.role === 'user')?.content ?? '';
    const where = request.instance.locations;
    if (question.startsWith(openings.folders)) return fenced([]);
    if (question.startsWith(openings.files)) return fenced(where.files);
    if (question.startsWith(openings.elements)) return fenced(where.files.flatMap((path) => [path, ...(where.elements[path] ?? []), '']));
    if (question.startsWith(openings.edits)) return fenced(where.files.flatMap((path) => [path, ...lineRuns(where.lines[path] ?? []), '']));
    return undefined;
  },
};
