import { UnparseableAnswerError } from '@codemonkeys/protocol';

export type Judgment = { relevant: true; summary: string } | { relevant: false };

/**
 * Reads the decision at the end of a judgment: the last `RELEVANCE:` line (`Relevant` or `Not
 * Relevant`), and for a relevant file the `SUMMARY:` text after it (which may span lines). Markdown
 * emphasis around the keywords is ignored. Throws UnparseableAnswerError when there is no decision.
 */
export function parseJudgment(answer: string): Judgment {
  const text = answer.replace(/\r\n/g, '\n').replace(/\*\*|__/g, '');
  const decisions = [...text.matchAll(/^[ \t>#-]*RELEVANCE\s*:\s*(not\s+relevant|irrelevant|relevant)\b/gim)];
  const decision = decisions.at(-1);
  if (!decision) {
    throw new UnparseableAnswerError(
      'it has no line "RELEVANCE: Relevant" or "RELEVANCE: Not Relevant". End your answer with one of them (and a SUMMARY line for a relevant file).',
    );
  }
  if (!/^relevant$/i.test(decision[1]!)) return { relevant: false };
  const rest = text.slice(decision.index! + decision[0].length);
  const summary = /^[ \t>#-]*SUMMARY\s*:\s*([\s\S]*)$/im.exec(rest)?.[1]?.trim();
  if (!summary) throw new UnparseableAnswerError('it says "RELEVANCE: Relevant" but has no "SUMMARY:" line after it. Add the summary of why the file matters.');
  return { relevant: true, summary };
}
