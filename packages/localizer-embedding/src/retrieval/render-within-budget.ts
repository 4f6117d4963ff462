import { renderPointersWithinBudget, type ContextPresentation } from '@codemonkeys/plugin-kit';
import { type CodePointer, type TokenCounter } from '@codemonkeys/protocol';
import type { CorpusFile } from '../chunking/corpus';
import { toPointer, type ContextSpan } from './context-spans';

export interface BudgetedContext {
  /** The prompt text rendered by plugin-kit's renderer. */
  text: string;
  /** What the text shows, file by file in rank order, spans merged, each with the score and symbol of the spans it came from. */
  pointers: CodePointer[];
  tokens: number;
  lines: number;
  /** Offered spans left out (or cut) by the budget. */
  omittedSpans: number;
}

const contents = new WeakMap<CorpusFile, string>();
const contentOf = (file: CorpusFile): string => {
  let content = contents.get(file);
  if (content === undefined) {
    content = file.lines.join('\n');
    contents.set(file, content);
  }
  return content;
};

/**
 * Renders the spans in order with plugin-kit's `renderPointersWithinBudget`, which keeps the text within
 * the budget (counted with the model's tokenizer) and maps what it shows back to scored pointers.
 */
export async function renderWithinBudget(
  spans: readonly ContextSpan[],
  fileOf: (path: string) => CorpusFile | undefined,
  tokenBudget: number,
  countTokens: TokenCounter,
  presentation: ContextPresentation = 'spans',
): Promise<BudgetedContext> {
  const rendered = await renderPointersWithinBudget(spans.map(toPointer), {
    readFile: (path) => {
      const file = fileOf(path);
      return file ? contentOf(file) : undefined;
    },
    tokenBudget,
    countTokens,
    presentation,
  });
  return { text: rendered.text, pointers: rendered.pointers, tokens: rendered.tokens, lines: rendered.lines, omittedSpans: rendered.omitted };
}
