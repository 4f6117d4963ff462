import { definePlugin } from '@codemonkeys/protocol';
import manifest from '../package.json' with { type: 'json' };
import { EmbeddingLocalizer } from './embedding-localizer';
import { EmbeddingLocalizerOptionsSchema } from './options/embedding-localizer-options';

/** The plugin the runner loads as `embedding` (or `@codemonkeys/localizer-embedding`). */
export const embeddingLocalizerPlugin = definePlugin({
  meta: { name: manifest.name, version: manifest.version },
  kind: 'localizer',
  specificationVersion: 'v1',
  description: 'Chunk, embed (local lexical, endpoint or hybrid) and retrieve code within a token budget.',
  optionsSchema: EmbeddingLocalizerOptionsSchema,
  create: (options, context) => new EmbeddingLocalizer(options, context),
});
