import type { DemoInstanceScript, PluginDemo } from '@codemonkeys/protocol';
import { pluginDemoHandler } from '@codemonkeys/llm/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { llmGeneratorPlugin } from '../src/index';
import { createGeneratorHarness, type GeneratorHarness } from './support/generator-harness';

const demoHandler = (demo: PluginDemo, instance: DemoInstanceScript) => pluginDemoHandler(demo, instance, 'generator-llm');

const reproductionTest = ['import sys', 'from textkit.words import count_words', '', 'sys.exit(0 if count_words("a  b") == 2 else 2)'].join('\n');

let harness: GeneratorHarness;
let gold: string;
let regression: string;
let script: DemoInstanceScript;
beforeAll(async () => {
  harness = await createGeneratorHarness({ instances: ['word-count'] });
  const instanceId = harness.instanceId('word-count');
  gold = harness.fixture.instance('word-count').patch;
  regression = harness.fixture.candidates(instanceId).find((candidate) => candidate.name === 'regression')!.diff;
  script = {
    instanceId,
    locations: { files: ['textkit/words.py'], elements: {}, lines: {} },
    samples: [{ diff: gold }, { diff: regression }, { diff: gold, unusableFirst: true }],
    firstSeed: 1000,
    test: reproductionTest,
  };
});
afterAll(async () => {
  await harness.close();
});
beforeEach(() => harness.reset());

describe("generator-llm's demo answers its own current prompts", () => {
  it('is the plugin definition’s demo', () => {
    expect(llmGeneratorPlugin.demo).toBeDefined();
  });

  it('SEARCH/REPLACE with a combined test: each sample (by its seed) gets its scripted diff and the test; an unusable first answer is asked again', async () => {
    harness.server.setHandler(demoHandler(llmGeneratorPlugin.demo!, script));
    const { patches } = await harness.generate({ samples: 3, seed: 1000, tests: 'combined', concurrency: 1 });
    expect(patches.map((patch) => patch.diff)).toEqual([gold, regression, gold]);
    for (const patch of patches) expect(patch.tests?.map((test) => test.content.trimEnd())).toEqual([reproductionTest]);
    expect(patches.map((patch) => (patch.metadata as { refusedAnswers: unknown[] }).refusedAnswers.length)).toEqual([0, 0, 1]);
  });

  it('unified diffs, no tests: the diff as it is', async () => {
    harness.server.setHandler(demoHandler(llmGeneratorPlugin.demo!, script));
    const { patches } = await harness.generate({ samples: 2, seed: 1000, editFormat: 'unified-diff' });
    expect(patches.map((patch) => patch.diff)).toEqual([gold, regression]);
    expect(patches.every((patch) => patch.tests === undefined)).toBe(true);
  });

  it('claims no request whose system message is not generator-llm’s', () => {
    const answer = llmGeneratorPlugin.demo!.answer({
      messages: [
        { role: 'system', content: 'You are a helpful assistant.' },
        { role: 'user', content: 'Fix it with SEARCH/REPLACE blocks. <test>' },
      ],
      lastUserMessage: 'Fix it with SEARCH/REPLACE blocks. <test>',
      prompt: '',
      parameters: {},
      instance: script,
    });
    expect(answer).toBeUndefined();
  });
});
