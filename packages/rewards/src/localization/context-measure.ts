import { renderContext } from '@codemonkeys/plugin-kit';
import { parseRenderedContext, pointerLines, type LocalizationResult, type ShownLines, type TokenCounter } from '@codemonkeys/protocol';
import type { BaseFileReader } from './file-reader';

/** The lines C a localization result shows and the tokens it takes. */
export interface ContextMeasure {
  form: 'text' | 'pointers';
  /** C: file → shown line numbers. */
  shown: ShownLines;
  /** Tokens of the context as a model sees it; null for pointers when no file reader was given. */
  tokens: number | null;
  /** Pointers were clamped to their files' lengths (and pointers to missing files dropped) through the file reader. */
  clamped: boolean;
  /** Files that pointers name but that do not exist at the base commit (dropped from C). */
  missingFiles: string[];
}

/**
 * Measures a localization result in either form:
 * - a string (rendered by core's renderer): C = the (file, line) pairs `parseRenderedContext` reads back;
 *   tokens = the whole string's tokens (instructions around the file blocks included: the model sees them);
 * - pointers: rendered with core's `renderContext` (no budget) over the base-commit files, so C = the
 *   lines that rendering shows (pointers clamped to file lengths, missing files dropped) and tokens = the
 *   rendered text's tokens. Without a file reader C = the pointers' lines as given and tokens are unknown.
 */
export async function measureContext(result: LocalizationResult, options: { readFile?: BaseFileReader; countTokens: TokenCounter }): Promise<ContextMeasure> {
  if (typeof result.content === 'string') {
    return { form: 'text', shown: parseRenderedContext(result.content), tokens: result.content === '' ? 0 : options.countTokens(result.content), clamped: false, missingFiles: [] };
  }
  if (!options.readFile) return { form: 'pointers', shown: pointerLines(result.content), tokens: null, clamped: false, missingFiles: [] };
  const rendered = await renderContext(result.content, { readFile: options.readFile, countTokens: options.countTokens });
  return { form: 'pointers', shown: pointerLines(rendered.shown), tokens: rendered.tokens, clamped: true, missingFiles: rendered.missingFiles };
}
