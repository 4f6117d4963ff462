/**
 * Version of the prompt texts in this folder. Bump it whenever a prompt's wording or answer format
 * changes: it is written into every patch's metadata (and every saved conversation) so that runs with
 * different prompts are never compared, or resumed, unknowingly. `test/prompts.test.ts` pins a hash of
 * the prompts to this version.
 */
export const promptVersion = 'generator-llm-prompts-1';
