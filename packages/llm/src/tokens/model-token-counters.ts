import type { TokenCounter } from '@codemonkeys/protocol';
import { defaultTokenCounterFor } from './tiktoken-counter';

/** `countTokens(text, model)` with one counter per model: the caller's own when it has one, else the default. */
export function createModelTokenCounters(own: ((model: string) => TokenCounter | undefined) | undefined): (text: string, model: string) => number {
  const counters = new Map<string, TokenCounter>();
  return (text, model) => {
    let counter = counters.get(model);
    if (!counter) {
      counter = own?.(model) ?? defaultTokenCounterFor(model);
      counters.set(model, counter);
    }
    return counter(text);
  };
}
