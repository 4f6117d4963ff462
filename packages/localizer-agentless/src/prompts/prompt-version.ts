/**
 * Version of the prompt texts in this folder. Bump it whenever a prompt's wording or answer format
 * changes: it is written into every result's metadata so that runs with different prompts are never
 * compared unknowingly. `test/prompts.test.ts` pins a hash of the prompts to this version.
 */
export const promptVersion = 'agentless-prompts-1';
