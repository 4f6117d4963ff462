import { definePlugin } from '@codemonkeys/protocol';
import manifest from '../package.json' with { type: 'json' };
import { relevanceDemo } from './demo-answers';
import { createRelevanceLocalizer } from './relevance-localizer';
import { RelevanceOptionsSchema } from './relevance-options';

/** The plugin the runner loads as `relevance`. */
export const relevancePlugin = definePlugin({
  meta: { name: manifest.name, version: manifest.version },
  kind: 'localizer',
  specificationVersion: 'v1',
  description: "CodeMonkeys' context stage: per-file relevance judgments, merged rankings, whole files within a token budget.",
  optionsSchema: RelevanceOptionsSchema,
  demo: relevanceDemo,
  create: (options, context) => createRelevanceLocalizer(options, context),
});
