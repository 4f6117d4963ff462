import { runLocalizerConformance } from '@codemonkeys/protocol/testkit';
import { createModelClient } from '@codemonkeys/llm';
import { startLoopbackModelServer } from '@codemonkeys/llm/testing';
import { createFixtureRepository, createTestPluginContext } from '@codemonkeys/swebench/testing';
import { createEmbeddingLocalizer, type EmbeddingLocalizerOptionsInput } from '../src/index';

const setupWith = (options: EmbeddingLocalizerOptionsInput) => async () => {
  const server = await startLoopbackModelServer();
  const fixture = await createFixtureRepository({ instances: ['sentence-stats'] });
  const context = createTestPluginContext({
    instances: fixture.instances,
    repositorySources: fixture.repositorySources,
    model: createModelClient({ endpoint: server.endpoint() }),
  });
  return {
    localizer: createEmbeddingLocalizer(options, context),
    context,
    instance: fixture.instances[0]!,
    // The local embedder calls no model; the others' requests are searched for gold data.
    ...(options.embedder === 'hybrid' || options.embedder === 'endpoint' ? { requests: () => server.requests } : {}),
    cleanup: async () => {
      await context.close();
      await fixture.cleanup();
      await server.close();
    },
  };
};

runLocalizerConformance('embedding (local, pointers)', { create: setupWith({ tokenBudget: 600 }) });
runLocalizerConformance('embedding (local, text)', { create: setupWith({ output: 'text' }) });
runLocalizerConformance('embedding (hybrid, through the loopback embeddings endpoint)', { create: setupWith({ embedder: 'hybrid', tokenBudget: 2_000 }) });

// The line-level packing reads more of the issue (identifiers, traceback frames) and of the repository
// (the definition graph), and renders in other presentations: the same leak checks hold, with hints off
// (the default) and on.
const lineLevel = { costExponent: 0.5, namedSymbolWeight: 2, neighbourWeight: 1, wholeDefinitionLines: 200 };
runLocalizerConformance('embedding (local, line-level packing, skeleton+spans)', { create: setupWith({ tokenBudget: 800, packing: lineLevel, presentation: 'skeleton+spans' }) });
runLocalizerConformance('embedding (local, line-level packing, windows, hints on)', {
  create: setupWith({ tokenBudget: 800, packing: lineLevel, presentation: 'windows', useHints: true }),
});
runLocalizerConformance('embedding (hybrid, line-level packing, full files, hints on)', {
  create: setupWith({ embedder: 'hybrid', tokenBudget: 2_000, packing: lineLevel, presentation: 'full-files', useHints: true }),
});
