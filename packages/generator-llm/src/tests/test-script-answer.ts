import { lastTaggedBlock, normalizeNewlines, unwrapFence } from '../edits/answer-text';

/** A reproduction test script read from an answer, or what was wrong with it, or nothing when the answer has none. */
export type TestScriptAnswer = { content: string } | { problem: string } | undefined;

/**
 * The script between the answer's last `<test>` and `</test>` (a Markdown fence around it is removed).
 * An opened but never closed `<test>` and an empty one are problems.
 */
export function parseTestScript(answer: string): TestScriptAnswer {
  const block = lastTaggedBlock(normalizeNewlines(answer), 'test');
  if (block === undefined) return undefined;
  if ('unterminated' in block) return { problem: 'the <test> block is not closed with </test> (was the answer cut at its token limit?)' };
  const content = unwrapFence(block.content);
  if (content.trim() === '') return { problem: 'the <test> block is empty' };
  return { content: `${content}\n` };
}

/** True when the answer declares the work finished (`<done>`, `<done/>`, `<done>DONE</done>`). */
export function declaresDone(answer: string): boolean {
  return /<done\s*\/?>/i.test(answer);
}
