import { instantiatePlugin } from '@codemonkeys/protocol';
import { runLocalizerConformance } from '@codemonkeys/protocol/testkit';
import { relevancePlugin } from '../src/index';
import { createRelevanceHarness, notRelevant, rankingReply, relevanceHandler, relevant } from './support/relevance-harness';

for (const output of ['text', 'pointers'] as const) {
  runLocalizerConformance(`@codemonkeys/localizer-relevance (${output})`, {
    async create() {
      const harness = await createRelevanceHarness({ instances: ['word-count'] });
      harness.server.setHandler(
        relevanceHandler({
          judge: (path) =>
            path === 'textkit/words.py' ? relevant('split_words splits on one space.') : path === 'textkit/__init__.py' ? relevant('exports count_words.') : notRelevant,
          rankings: [rankingReply(['textkit/words.py', 'textkit/__init__.py']), rankingReply(['textkit/words.py'])],
        }),
      );
      const context = harness.createContext();
      const localizer = await instantiatePlugin(relevancePlugin, { output, rankings: 2, tokenBudget: 400 }, context);
      return {
        localizer,
        context,
        instance: harness.fixture.instance('word-count'),
        requests: () => harness.server.requests,
        cleanup: () => harness.close(),
      };
    },
  });
}
