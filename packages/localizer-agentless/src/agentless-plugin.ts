import { definePlugin } from '@codemonkeys/protocol';
import manifest from '../package.json' with { type: 'json' };
import { createAgentlessLocalizer } from './agentless-localizer';
import { AgentlessOptionsSchema } from './agentless-options';
import { agentlessDemo } from './demo-answers';

/** The plugin the runner loads as `agentless`. */
export const agentlessPlugin = definePlugin({
  meta: { name: manifest.name, version: manifest.version },
  kind: 'localizer',
  specificationVersion: 'v1',
  description: 'Agentless hierarchical localization: files from the tree, elements from skeletons, edit lines from numbered code.',
  optionsSchema: AgentlessOptionsSchema,
  demo: agentlessDemo,
  create: (options, context) => createAgentlessLocalizer(options, context),
});
