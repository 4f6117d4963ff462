import { instantiatePlugin, type CodePointer, type DemoInstanceScript, type PluginDemo } from '@codemonkeys/protocol';
import { pluginDemoHandler } from '@codemonkeys/llm/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relevancePlugin } from '../src/index';
import { callKindOf, createRelevanceHarness, judgedPathOf, type RelevanceHarness } from './support/relevance-harness';

const demoHandler = (demo: PluginDemo, instance: DemoInstanceScript) => pluginDemoHandler(demo, instance, 'localizer-relevance');

let harness: RelevanceHarness;
let script: DemoInstanceScript;
beforeAll(async () => {
  harness = await createRelevanceHarness({ instances: ['sentence-stats'] });
  script = {
    instanceId: harness.instanceId('sentence-stats'),
    locations: {
      files: ['textkit/sentences.py', 'textkit/stats.py'],
      elements: { 'textkit/sentences.py': ['variable: SENTENCE_ENDINGS'], 'textkit/stats.py': ['function: average_word_length'] },
      lines: {},
    },
    samples: [],
  };
});
afterAll(async () => {
  await harness.close();
});

describe("localizer-relevance's demo answers its own current prompts", () => {
  it('judges exactly the gold files relevant, ranks them in the gold order, and the localization is those files', async () => {
    harness.server.reset();
    harness.server.setHandler(demoHandler(relevancePlugin.demo!, script));
    const localizer = await instantiatePlugin(relevancePlugin, { rankings: 2, cache: false }, harness.createContext());
    const result = await localizer.run(script.instanceId);
    const chats = harness.server.requests.filter((request) => request.protocol === 'openai-chat');
    expect(new Set(chats.map((request) => callKindOf(request)))).toEqual(new Set(['judge', 'rank']));
    expect(chats.filter((request) => callKindOf(request) === 'rank')).toHaveLength(2);
    // Every source file was judged (more than the gold ones), and no answer was re-asked.
    const judged = chats.filter((request) => callKindOf(request) === 'judge').map((request) => judgedPathOf(request));
    expect(judged.length).toBeGreaterThan(2);
    expect(chats.every((request) => request.messages.length === 2)).toBe(true);
    const pointers = result.content as CodePointer[];
    expect(pointers.map((pointer) => pointer.path)).toEqual(['textkit/sentences.py', 'textkit/stats.py']);
  });

  it('claims no request whose system message is not one of relevance’s', () => {
    const question = '<issue>\nx\n</issue>\n\nFile: textkit/stats.py\n<content>\n\n</content>';
    expect(
      relevancePlugin.demo!.answer({
        messages: [
          { role: 'system', content: 'You localize bugs.' },
          { role: 'user', content: question },
        ],
        lastUserMessage: question,
        prompt: question,
        parameters: {},
        instance: script,
      }),
    ).toBeUndefined();
  });
});
