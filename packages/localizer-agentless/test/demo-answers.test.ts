import { instantiatePlugin, type CodePointer, type DemoInstanceScript, type PluginDemo } from '@codemonkeys/protocol';
import { pluginDemoHandler } from '@codemonkeys/llm/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentlessPlugin } from '../src/index';
import { createAgentlessHarness, levelOf, type AgentlessHarness } from './support/agentless-harness';

const demoHandler = (demo: PluginDemo, instance: DemoInstanceScript) => pluginDemoHandler(demo, instance, 'localizer-agentless');

let harness: AgentlessHarness;
let script: DemoInstanceScript;
beforeAll(async () => {
  harness = await createAgentlessHarness({ instances: ['sentence-stats'] });
  // The gold locations of sentence-stats (its fix changes line 3 of sentences.py and line 13 of stats.py).
  script = {
    instanceId: harness.instanceId('sentence-stats'),
    locations: {
      files: ['textkit/sentences.py', 'textkit/stats.py'],
      elements: { 'textkit/sentences.py': ['variable: SENTENCE_ENDINGS'], 'textkit/stats.py': ['function: average_word_length'] },
      lines: { 'textkit/sentences.py': [{ startLine: 3, endLine: 3 }], 'textkit/stats.py': [{ startLine: 13, endLine: 13 }] },
    },
    samples: [],
  };
});
afterAll(async () => {
  await harness.close();
});

async function localize(options: Record<string, unknown>): Promise<CodePointer[]> {
  harness.server.reset();
  harness.server.setHandler(demoHandler(agentlessPlugin.demo!, script));
  const localizer = await instantiatePlugin(agentlessPlugin, options, harness.context);
  const result = await localizer.run(script.instanceId);
  await harness.model.flush();
  return typeof result.content === 'string' ? [] : result.content;
}

describe("localizer-agentless's demo answers its own current prompts", () => {
  it('every level (and the irrelevant-folders pass) is answered, and the localization is the gold lines', async () => {
    const pointers = await localize({ irrelevantFolders: true });
    const levels = harness.server.requests.filter((request) => request.protocol === 'openai-chat').map((request) => levelOf(request));
    expect(levels).toEqual(['folders', 'files', 'elements', 'edits']);
    const lines = new Set(
      pointers.flatMap((pointer) => Array.from({ length: pointer.endLine - pointer.startLine + 1 }, (_, offset) => `${pointer.path}:${pointer.startLine + offset}`)),
    );
    expect(lines).toContain('textkit/sentences.py:3');
    expect(lines).toContain('textkit/stats.py:13');
    expect(new Set(pointers.map((pointer) => pointer.path))).toEqual(new Set(['textkit/sentences.py', 'textkit/stats.py']));
  });

  it('claims no request whose system message is not agentless’s', () => {
    const question = '### Repository structure ###\n### Skeletons ###\n### Code ###';
    expect(
      agentlessPlugin.demo!.answer({
        messages: [
          { role: 'system', content: 'You rank candidates.' },
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
