import { CodemonkeysError } from '../errors/codemonkeys-error';

/**
 * A model answer that cannot be used: no block in the asked format, nothing in it that names a real
 * file or element, no choice among the candidates. Its message is shown to the model when the question
 * is asked again (`askAndParse`), so it says what was wrong in words a model can act on.
 */
export class UnparseableAnswerError extends CodemonkeysError {
  static override readonly errorName: string = 'UnparseableAnswerError';
}
