import { createRequire } from 'node:module';
import type { TokenCounter } from '@codemonkeys/protocol';

export type TiktokenEncodingName = 'o200k_base' | 'cl100k_base';

interface Encoder {
  encode(text: string, allowedSpecial?: string[] | 'all', disallowedSpecial?: string[] | 'all'): number[];
}

const require = createRequire(import.meta.url);
const encoders = new Map<TiktokenEncodingName, Encoder>();

// The rank tables are several MB: load one only when a count is first asked for (synchronously, because
// ModelClient.countTokens is synchronous), and keep it for the process.
function encoderFor(encoding: TiktokenEncodingName): Encoder {
  let encoder = encoders.get(encoding);
  if (!encoder) {
    const { Tiktoken } = require('js-tiktoken/lite') as { Tiktoken: new (ranks: unknown) => Encoder };
    const ranksModule = require(`js-tiktoken/ranks/${encoding}`) as { default?: unknown };
    encoder = new Tiktoken(ranksModule.default ?? ranksModule);
    encoders.set(encoding, encoder);
  }
  return encoder;
}

/**
 * Counts tokens with OpenAI's BPE encodings (js-tiktoken). Special-token text such as `<|endoftext|>`
 * (which appears in real repositories) is counted as ordinary text instead of throwing.
 */
export function tiktokenCounter(encoding: TiktokenEncodingName): TokenCounter {
  return (text) => (text === '' ? 0 : encoderFor(encoding).encode(text, [], []).length);
}

/**
 * The default counter for a model: cl100k_base for the GPT-3.5/GPT-4 generation and the OpenAI embedding
 * models, o200k_base for everything else. For non-OpenAI models (Claude, Qwen, Llama, ...) o200k is an
 * approximation (typically within 10-20%); plug in the model's own tokenizer through `tokenCounter`.
 */
export function defaultTokenCounterFor(model: string): TokenCounter {
  const name = model.slice(model.lastIndexOf('/') + 1);
  const cl100k = /^(gpt-3\.5|gpt-4(?!o|\.1|\.5)|text-embedding-(3|ada))/.test(name);
  return tiktokenCounter(cl100k ? 'cl100k_base' : 'o200k_base');
}
