import { CodemonkeysError, type CodemonkeysErrorOptions } from '@codemonkeys/protocol';

/** A failure of the embedding localizer that is not a model call or storage error: its message says what to change. */
export class EmbeddingLocalizerError extends CodemonkeysError {
  static override readonly errorName: string = 'EmbeddingLocalizerError';

  constructor(message: string, options: CodemonkeysErrorOptions = {}) {
    super(`@codemonkeys/localizer-embedding: ${message}`, options);
  }
}
