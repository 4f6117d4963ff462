import type { TokenCounter } from '@codemonkeys/protocol';

/**
 * `text` cut to at most `maxTokens` tokens (embedding models refuse longer inputs). A token is at least
 * one character, so short texts are never counted; long ones are cut in proportion until they fit.
 */
export function truncateToTokens(text: string, maxTokens: number, countTokens: TokenCounter): string {
  if (text.length <= maxTokens) return text;
  let current = text;
  let tokens = countTokens(current);
  while (tokens > maxTokens && current.length > 0) {
    current = current.slice(0, Math.max(0, Math.floor((current.length * maxTokens * 0.95) / tokens)));
    tokens = countTokens(current);
  }
  return current;
}
