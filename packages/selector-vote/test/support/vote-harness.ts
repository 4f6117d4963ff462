import { instantiatePlugin, type Patch, type PluginContext, type SelectorV1 } from '@codemonkeys/protocol';
import { createModelClient, type LlmModelClient } from '@codemonkeys/llm';
import { startLoopbackModelServer, type LoopbackModelServer } from '@codemonkeys/llm/testing';
import { createFixtureRepository, createTestPluginContext, unifiedDiffOf, type FixtureRepository, type TestPluginContext } from '@codemonkeys/swebench/testing';
import { votePlugin, type VoteOptionsInput } from '../../src/index';

export interface VoteHarness {
  fixture: FixtureRepository;
  context: TestPluginContext;
  server: LoopbackModelServer;
  model: LlmModelClient;
  instanceId: string;
  selector(options?: VoteOptionsInput, context?: PluginContext): Promise<SelectorV1>;
  /** Candidates of word-count: the gold fix in three cosmetic variants, other fixtures' candidates, by name. */
  candidates(): Promise<Record<string, Patch>>;
  close(): Promise<void>;
}

/**
 * The word-count fixture behind a test plugin context. The vote makes no model call; the loopback
 * server is there so that a call would be seen (and fail the conformance suite's expectations).
 */
export async function createVoteHarness(options: { sandbox?: TestPluginContext['sandbox'] } = {}): Promise<VoteHarness> {
  const fixture = await createFixtureRepository({ instances: ['word-count'] });
  const server = await startLoopbackModelServer();
  const model = createModelClient({ endpoint: server.endpoint(), retry: { maxRetries: 0 } });
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
    instanceId: instance.instanceId,
    selector: (voteOptions = {}, selectorContext = context) => instantiatePlugin(votePlugin, voteOptions, selectorContext),
    async candidates() {
      const base = await fixture.fileAt(instance.baseCommit, 'textkit/words.py');
      const fixed = base.replace('    return text.split(WORD_SEPARATOR)\n', '    return text.split()\n');
      const patch = (name: string, diff: string): Patch => ({ instanceId: instance.instanceId, diff, metadata: { name } });
      const byName = Object.fromEntries(fixture.candidates(instance.instanceId).map((candidate) => [candidate.name, patch(candidate.name, candidate.diff)]));
      return {
        ...byName,
        // Three spellings of one fix (not the gold patch, which also drops WORD_SEPARATOR).
        fixPlain: patch('fixPlain', await unifiedDiffOf('textkit/words.py', base, fixed)),
        fixCommented: patch(
          'fixCommented',
          await unifiedDiffOf(
            'textkit/words.py',
            base,
            fixed.replace(
              '    return text.split()\n',
              '    # split() without arguments treats any run of whitespace as one separator\n    return  text.split()   # was: split(WORD_SEPARATOR)\n',
            ),
            { context: 5 },
          ),
        ),
        fixDocumented: patch(
          'fixDocumented',
          await unifiedDiffOf(
            'textkit/words.py',
            base,
            fixed.replace(
              '    """Return the words of ``text`` in order."""\n',
              '    """Return the words of ``text`` in order.\n\n    Words are separated by runs of whitespace (spaces, tabs, line breaks).\n    """\n\n',
            ),
            { context: 1 },
          ),
        ),
      };
    },
    async close() {
      await model.close();
      await context.close();
      await server.close();
      await fixture.cleanup();
    },
  };
}
