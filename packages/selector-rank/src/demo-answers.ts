import type { DemoAnswerRequest, PluginDemo } from '@codemonkeys/protocol';
import { systemPrompt } from './prompts/rank-prompts';

/** The lines a unified diff adds (without the `+`), sorted: two diffs that add the same lines make the same fix here. */
const addedLines = (diff: string): string[] =>
  diff
    .split('\n')
    .filter((line) => line.startsWith('+') && !line.startsWith('+++'))
    .map((line) => line.slice(1))
    .sort();

/** The candidates of a comparison prompt, by number: the diff each shows. */
function candidatesOf(comparison: string): Map<number, string> {
  const candidates = new Map<number, string>();
  for (const match of comparison.matchAll(/^### Candidate (\d+)\b[^\n]*###\n```diff\n([\s\S]*?)\n```/gm)) candidates.set(Number(match[1]), match[2]!);
  return candidates;
}

/**
 * The demo's answers to this plugin's prompts: the first candidate that adds exactly the lines the
 * instance's first scripted sample (the fix) adds, else candidate 1, as `<choice>N</choice>`, whatever
 * turn of the conversation it is. A request is one of ours when its system message is ours.
 */
export const rankDemo: PluginDemo = {
  answer(request: DemoAnswerRequest): string | undefined {
    if (request.messages[0]?.role !== 'system' || request.messages[0].content !== systemPrompt) return undefined;
    const comparison = request.messages.find((message) => message.role === 'user')?.content ?? '';
    const fix = addedLines(request.instance.samples[0]?.diff ?? '').join('\n');
    const chosen = fix === '' ? undefined : [...candidatesOf(comparison)].find(([, diff]) => addedLines(diff).join('\n') === fix);
    return `<choice>${chosen?.[0] ?? 1}</choice>`;
  },
};
