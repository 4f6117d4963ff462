import type { DemoInstanceScript, Patch, PluginDemo } from '@codemonkeys/protocol';
import { pluginDemoHandler } from '@codemonkeys/llm/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rankPlugin } from '../src/index';
import { createRankHarness, type RankHarness } from './support/rank-harness';

const demoHandler = (demo: PluginDemo, instance: DemoInstanceScript) => pluginDemoHandler(demo, instance, 'selector-rank');

let harness: RankHarness;
let candidates: Record<string, Patch>;
let script: DemoInstanceScript;
beforeAll(async () => {
  harness = await createRankHarness();
  candidates = await harness.candidates();
  script = {
    instanceId: harness.instanceId,
    locations: { files: ['textkit/words.py'], elements: {}, lines: {} },
    samples: [{ diff: harness.fixture.instance('word-count').patch }],
  };
});
afterAll(() => harness?.close());

describe("selector-rank's demo answers its own current prompts", () => {
  it('chooses the candidate that makes the scripted fix, wherever it is among the candidates', async () => {
    harness.server.setHandler(demoHandler(rankPlugin.demo!, script));
    const selector = await harness.selector();
    for (const order of [
      ['regression', 'noFix', 'gold'],
      ['fixPlain', 'regression'],
      ['noFix', 'fixPlain', 'regression', 'empty'],
    ]) {
      harness.server.reset();
      const chosen = await selector.run(
        order.map((name) => candidates[name]!),
        harness.instanceId,
      );
      expect(chosen.metadata.name).toBe(order.find((name) => name === 'gold' || name === 'fixPlain'));
      expect(harness.server.requests.filter((request) => request.protocol === 'openai-chat')).toHaveLength(1);
    }
  });

  it('claims no request whose system message is not rank’s', () => {
    const question = '### Candidate 1 ###\n```diff\n+x\n```\n<choice>N</choice>';
    expect(
      rankPlugin.demo!.answer({
        messages: [
          { role: 'system', content: 'You fix issues.' },
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
