import { renderContext } from '@codemonkeys/plugin-kit';
import { type CodePointer, type TokenCounter } from '@codemonkeys/protocol';
import type { CorpusFile } from '../chunking/corpus';
import { toPointer, type ContextSpan } from './context-spans';

export interface BudgetedContext {
  /** The prompt text rendered by core's renderer. */
  text: string;
  /** What the text shows, file by file in rank order, spans merged, each with the score and symbol of the spans it came from. */
  pointers: CodePointer[];
  tokens: number;
  lines: number;
  /** Offered spans left out (or cut) by the budget. */
  omittedSpans: number;
}

/**
 * Renders the spans in order with core's renderer, which keeps the text within the budget (counted
 * with the model's tokenizer), and maps what it shows back to scored pointers.
 */
const contents = new WeakMap<CorpusFile, string>();
const contentOf = (file: CorpusFile): string => {
  let content = contents.get(file);
  if (content === undefined) {
    content = file.lines.join('\n');
    contents.set(file, content);
  }
  return content;
};

export async function renderWithinBudget(
  spans: readonly ContextSpan[],
  fileOf: (path: string) => CorpusFile | undefined,
  tokenBudget: number,
  countTokens: TokenCounter,
): Promise<BudgetedContext> {
  const rendered = await renderContext(spans.map(toPointer), {
    readFile: (path) => {
      const file = fileOf(path);
      return file ? contentOf(file) : undefined;
    },
    tokenBudget,
    countTokens,
  });
  const offeredByPath = new Map<string, ContextSpan[]>();
  for (const span of spans) {
    const list = offeredByPath.get(span.path);
    if (list) list.push(span);
    else offeredByPath.set(span.path, [span]);
  }
  const pointers = rendered.shown.map((shown): CodePointer => {
    const sources = (offeredByPath.get(shown.path) ?? []).filter((span) => span.startLine <= shown.endLine && span.endLine >= shown.startLine);
    const best = sources.reduce<ContextSpan | undefined>((top, span) => (top === undefined || span.score > top.score ? span : top), undefined);
    const whole = sources.length === 1 && best !== undefined && best.startLine === shown.startLine && best.endLine === shown.endLine;
    return {
      ...shown,
      kind: whole ? best.kind : 'lines',
      ...(best ? { score: best.score } : {}),
      ...(best?.symbol ? { symbol: best.symbol } : {}),
    };
  });
  return { text: rendered.text, pointers, tokens: rendered.tokens, lines: rendered.lines, omittedSpans: rendered.omitted.length };
}
