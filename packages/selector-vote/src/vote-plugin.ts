import { definePlugin } from '@codemonkeys/protocol';
import manifest from '../package.json' with { type: 'json' };
import { VoteOptionsSchema } from './vote-options';
import { createVoteSelector } from './vote-selector';

/** The plugin the runner loads as `vote`. */
export const votePlugin = definePlugin({
  meta: { name: manifest.name, version: manifest.version },
  kind: 'selector',
  specificationVersion: 'v1',
  description: 'Majority vote over normalized patches (AST or textual), voting by generated tests and a regression filter in the sandbox.',
  optionsSchema: VoteOptionsSchema,
  create: (options, context) => createVoteSelector(options, context),
});
