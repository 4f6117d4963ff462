import type { DemoAnswerRequest, PluginDemo } from '@codemonkeys/protocol';
import { judgmentSystemPrompt } from './prompts/judgment-prompt';
import { rankingSystemPrompt } from './prompts/ranking-prompt';

/** The part two texts share from their start. */
function commonPrefix(first: string, second: string): string {
  let length = 0;
  while (length < first.length && first[length] === second[length]) length += 1;
  return first.slice(0, length);
}

/** What every ranking system message starts with, whatever its budgets. */
const rankingOpening = commonPrefix(rankingSystemPrompt({ tokenBudget: 1, targetTokens: 1 }), rankingSystemPrompt({ tokenBudget: 2, targetTokens: 2 }));

/** The file a judgment is about (the prompt names it between the issue and its content). */
const judgedPath = (question: string): string | undefined => /<\/issue>\n\nFile: (.+)\n<content>\n/.exec(question)?.[1];

/** The files a ranking lists, in its order. */
const listedPaths = (question: string): string[] => [...question.matchAll(/^File: (.+)\nTokens: \d+\nSummary: /gm)].map((match) => match[1]!);

/**
 * The demo's answers to this plugin's prompts (recognised by their system messages): a judgment finds a
 * file relevant when the instance's gold locations name it, with a summary naming its elements; a
 * ranking lists the gold files it was shown, in the gold order (all files shown, when none is gold).
 */
export const relevanceDemo: PluginDemo = {
  answer(request: DemoAnswerRequest): string | undefined {
    const system = request.messages[0]?.role === 'system' ? request.messages[0].content : undefined;
    if (system === undefined) return undefined;
    const question = request.messages.find((message) => message.role === 'user')?.content ?? '';
    const where = request.instance.locations;
    if (system === judgmentSystemPrompt) {
      const path = judgedPath(question);
      if (path === undefined || !where.files.includes(path)) return 'The file does not touch what the issue describes.\n\nRELEVANCE: Not Relevant';
      const elements = where.elements[path] ?? [];
      const named = elements.length > 0 ? `${elements.join(', ')}, ` : '';
      return `The issue is about this file.\n\nRELEVANCE: Relevant\nSUMMARY: ${path} holds ${named}the code the issue describes; the fix is made here.`;
    }
    if (system.startsWith(rankingOpening)) {
      const listed = listedPaths(question);
      const gold = where.files.filter((path) => listed.includes(path));
      return `The files the fix edits come first.\n\n\`\`\`json\n${JSON.stringify(gold.length > 0 ? gold : listed)}\n\`\`\``;
    }
    return undefined;
  },
};
