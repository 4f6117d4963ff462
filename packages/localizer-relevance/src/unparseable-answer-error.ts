import { CodemonkeysError } from '@codemonkeys/core';

/**
 * A model answer that cannot be used: no RELEVANCE line, or a ranking with no JSON list of real
 * paths. Its message is shown to the model when the question is asked again, so it says what
 * was wrong in words a model can act on.
 */
export class UnparseableAnswerError extends CodemonkeysError {
  static override readonly errorName: string = 'UnparseableAnswerError';
}
