import { instantiatePlugin } from '@codemonkeys/protocol';
import { runLocalizerConformance } from '@codemonkeys/protocol/testkit';
import { agentlessPlugin } from '../src/index';
import { createAgentlessHarness, scriptedLevels } from './support/agentless-harness';

for (const output of ['pointers', 'text'] as const) {
  runLocalizerConformance(`@codemonkeys/localizer-agentless (${output})`, {
    async create() {
      const harness = await createAgentlessHarness({ instances: ['word-count'] });
      harness.server.setHandler(
        scriptedLevels({
          files: ['```\ntextkit/words.py\ntextkit/case.py\n```'],
          elements: ['```\ntextkit/words.py\nvariable: WORD_SEPARATOR\nfunction: split_words\nfunction: count_words\n```'],
          edits: ['```\ntextkit/words.py\nline: 3\nline: 8\n```', '```\ntextkit/words.py\nlines: 7-8\n```'],
        }),
      );
      const localizer = await instantiatePlugin(agentlessPlugin, { output, samples: 2 }, harness.context);
      return {
        localizer,
        context: harness.context,
        instance: harness.fixture.instance('word-count'),
        requests: () => harness.server.requests,
        cleanup: () => harness.close(),
      };
    },
  });
}
