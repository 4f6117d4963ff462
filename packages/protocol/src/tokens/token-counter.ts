/** Counts the tokens of a text for one model. @codemonkeys/llm provides real tokenizers. */
export type TokenCounter = (text: string) => number;

/**
 * A rough counter (four characters a token) for places that have no model client. Prefer
 * `context.model.countTokens`, which uses the model's tokenizer.
 */
export const approximateTokenCount: TokenCounter = (text) => Math.ceil(text.length / 4);
