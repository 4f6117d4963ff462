import { definePlugin } from '@codemonkeys/protocol';
import manifest from '../package.json' with { type: 'json' };
import { rankDemo } from './demo-answers';
import { RankOptionsSchema } from './rank-options';
import { createRankSelector } from './rank-selector';

/** The plugin the runner loads as `rank`. */
export const rankPlugin = definePlugin({
  meta: { name: manifest.name, version: manifest.version },
  kind: 'selector',
  specificationVersion: 'v1',
  description: 'LLM selection: single-turn choice, the CodeMonkeys selection state machine (discriminating tests in the sandbox), tournaments, topK by test vote.',
  optionsSchema: RankOptionsSchema,
  demo: rankDemo,
  create: (options, context) => createRankSelector(options, context),
});
