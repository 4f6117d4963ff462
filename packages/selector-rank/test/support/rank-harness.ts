import { instantiatePlugin, type ModelCallRecord, type Patch, type PluginContext, type SelectorV1 } from '@codemonkeys/protocol';
import { createModelClient, type LlmModelClient } from '@codemonkeys/llm';
import { startLoopbackModelServer, type LoopbackModelServer } from '@codemonkeys/llm/testing';
import { createFixtureRepository, createTestPluginContext, unifiedDiffOf, type FixtureRepository, type TestPluginContext } from '@codemonkeys/swebench/testing';
import { rankPlugin, type RankOptionsInput } from '../../src/index';

export interface RankHarness {
  fixture: FixtureRepository;
  context: TestPluginContext;
  server: LoopbackModelServer;
  model: LlmModelClient;
  records: ModelCallRecord[];
  instanceId: string;
  selector(options?: RankOptionsInput, context?: PluginContext): Promise<SelectorV1>;
  /** word-count candidates by name: the fixture's (gold, empty, not-applying, no-fix, regression) and `fixPlain`. */
  candidates(): Promise<Record<string, Patch>>;
  /** The user messages of every chat request, in order. */
  prompts(): string[];
  close(): Promise<void>;
}

/** The word-count fixture, a loopback model server and a real model client (no retries, priced) behind a test plugin context. */
export async function createRankHarness(options: { sandbox?: TestPluginContext['sandbox'] } = {}): Promise<RankHarness> {
  const fixture = await createFixtureRepository({ instances: ['word-count'] });
  const server = await startLoopbackModelServer();
  const records: ModelCallRecord[] = [];
  const model = createModelClient({
    endpoint: server.endpoint(),
    retry: { maxRetries: 0 },
    prices: { [server.model]: { inputPerMillion: 1, outputPerMillion: 2 } },
    recorder: async (batch) => {
      records.push(...batch);
    },
  });
  const context = createTestPluginContext({
    instances: fixture.instances,
    repositorySources: fixture.repositorySources,
    model,
    ...(options.sandbox ? { sandbox: options.sandbox } : {}),
  });
  const instance = fixture.instance('word-count');
  return {
    fixture,
    context,
    server,
    model,
    records,
    instanceId: instance.instanceId,
    selector: (rankOptions = {}, selectorContext = context) => instantiatePlugin(rankPlugin, rankOptions, selectorContext),
    async candidates() {
      const base = await fixture.fileAt(instance.baseCommit, 'textkit/words.py');
      const patch = (name: string, diff: string): Patch => ({ instanceId: instance.instanceId, diff, metadata: { name } });
      const byName = Object.fromEntries(fixture.candidates(instance.instanceId).map((candidate) => [candidate.name, patch(candidate.name, candidate.diff)]));
      return {
        ...byName,
        fixPlain: patch('fixPlain', await unifiedDiffOf('textkit/words.py', base, base.replace('    return text.split(WORD_SEPARATOR)\n', '    return text.split()\n'))),
        noFix: patch(
          'noFix',
          await unifiedDiffOf('textkit/words.py', base, base.replace('    return text.split(WORD_SEPARATOR)\n', '    return [word for word in text.split(WORD_SEPARATOR)]\n')),
        ),
      };
    },
    prompts: () => server.requests.filter((request) => request.protocol === 'openai-chat').map((request) => request.lastUserMessage ?? ''),
    async close() {
      await model.close();
      await context.close();
      await server.close();
      await fixture.cleanup();
    },
  };
}
