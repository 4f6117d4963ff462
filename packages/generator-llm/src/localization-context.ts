import { renderContext } from '@codemonkeys/plugin-kit';
import { type LocalizationResult, type TokenCounter, type Workspace } from '@codemonkeys/protocol';

/** What the prompts show of a localization, and how much of the pointers fitted. */
export interface LocalizationContext {
  text: string;
  /** Pointers left out by the token budget or pointing at missing files (pointer input only). */
  omittedPointers: number;
  missingFiles: string[];
  tokens: number;
}

/**
 * The code a localization chose, as prompt text: a string result is used as it is (core's renderer made
 * it), pointers are rendered by core's `renderContext` from the base commit within the token budget.
 */
export async function localizationContext(
  localization: LocalizationResult,
  workspace: Workspace,
  options: { tokenBudget?: number; countTokens: TokenCounter },
): Promise<LocalizationContext> {
  if (typeof localization.content === 'string') return { text: localization.content, omittedPointers: 0, missingFiles: [], tokens: options.countTokens(localization.content) };
  const rendered = await renderContext(localization.content, {
    readFile: async (path) => ((await workspace.fileExists(path).catch(() => false)) ? workspace.readFile(path) : undefined),
    ...(options.tokenBudget ? { tokenBudget: options.tokenBudget } : {}),
    countTokens: options.countTokens,
  });
  return { text: rendered.text, omittedPointers: rendered.omitted.length, missingFiles: rendered.missingFiles, tokens: rendered.tokens };
}
