import { definePlugin } from '@codemonkeys/protocol';
import manifest from '../package.json' with { type: 'json' };
import { llmGeneratorDemo } from './demo-answers';
import { LlmGeneratorOptionsSchema } from './generator-options';
import { createLlmPatchGenerator } from './llm-patch-generator';

/** The plugin the runner loads as `llm`. */
export const llmGeneratorPlugin = definePlugin({
  meta: { name: manifest.name, version: manifest.version },
  kind: 'generator',
  specificationVersion: 'v1.1',
  description: 'Candidate patches (SEARCH/REPLACE edits) and reproduction tests from a model, one-shot or iterating with the sandbox.',
  optionsSchema: LlmGeneratorOptionsSchema,
  demo: llmGeneratorDemo,
  create: (options, context) => createLlmPatchGenerator(options, context),
});
