import type { CodeTokenizer } from './code-tokenizer';

/**
 * Terms of an issue text with their query weights. A term repeated in the issue counts more, with
 * diminishing returns; terms of identifiers written as code (`snake_case`, `camelCase`, dotted names,
 * calls, words in backticks or code blocks) count more than words of the prose around them.
 */
export function queryTermWeights(text: string, tokenizer: CodeTokenizer, codeWeight = 2): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (term: string, weight: number): void => {
    counts.set(term, (counts.get(term) ?? 0) + weight);
  };
  const codeSpans = new Set<number>();
  // Backtick spans and fenced blocks: everything inside is code.
  for (const match of text.matchAll(/```[\s\S]*?```|`[^`\n]+`/g)) {
    for (let offset = match.index; offset < match.index + match[0].length; offset += 1) codeSpans.add(offset);
  }
  for (const match of text.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)) {
    const identifier = match[0];
    const looksLikeCode =
      codeSpans.has(match.index) ||
      identifier.includes('_') ||
      /[a-z][A-Z]/.test(identifier) ||
      text[match.index + identifier.length] === '(' ||
      text[match.index + identifier.length] === '.' ||
      text[match.index - 1] === '.';
    for (const term of tokenizer.identifierTerms(identifier)) add(term, looksLikeCode ? codeWeight : 1);
  }
  // Saturate repetitions: the tenth mention of a word is worth much less than the first.
  const weights = new Map<string, number>();
  for (const [term, count] of counts) weights.set(term, Math.log1p(count));
  return weights;
}
