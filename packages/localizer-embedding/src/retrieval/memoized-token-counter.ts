import type { TokenCounter } from '@codemonkeys/protocol';

/** A line as core's renderer numbers it: `  12 | code`. */
const renderedLine = /^( *\d+ \|)( [^\n]*\n?)$/;

/**
 * Remembers token counts of short texts. Core's renderer counts every line it considers as
 * `<number> | <code>`, so the count is split at the bar: the number prefix and the code are counted and
 * remembered apart, and a line of code seen at another line number (or in another instance of the same
 * repository) costs a map lookup. For tiktoken encodings the split is exact: their pre-tokenizer always
 * ends a token at a `|` followed by a space. For other counters it is an estimate, which is safe: the
 * renderer counts the whole text at the end and trims it until it fits the budget.
 */
export function memoizeTokenCounter(counter: TokenCounter, maxEntries = 500_000, maxLength = 2_000, maxBytes = 64 * 1024 * 1024): TokenCounter {
  const counts = new Map<string, number>();
  let heldBytes = 0;
  const remembered = (text: string): number => {
    let count = counts.get(text);
    if (count === undefined) {
      count = counter(text);
      // Capped by bytes as well as entries: long lines would otherwise make a few entries costly.
      const bytes = 2 * text.length + 48;
      if (counts.size >= maxEntries || heldBytes + bytes > maxBytes) {
        counts.clear();
        heldBytes = 0;
      }
      counts.set(text, count);
      heldBytes += bytes;
    }
    return count;
  };
  return (text) => {
    if (text.length > maxLength) return counter(text);
    const line = renderedLine.exec(text);
    if (line) return remembered(line[1]!) + remembered(line[2]!);
    return remembered(text);
  };
}
