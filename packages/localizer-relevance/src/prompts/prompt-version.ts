/**
 * Version of the prompt texts in this folder. Bump it whenever a prompt's wording or answer format
 * changes: it is written into every result's metadata and is part of the judgment cache key, so a new
 * prompt never reuses judgments made with an old one. `test/prompts.test.ts` pins a hash of the prompts
 * to this version.
 */
export const promptVersion = 'relevance-prompts-1';
