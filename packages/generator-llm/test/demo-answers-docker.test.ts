import type { DemoInstanceScript, Patch, PluginDemo } from '@codemonkeys/protocol';
import { describeWhenAvailable } from '@codemonkeys/protocol/testkit';
import { pluginDemoHandler } from '@codemonkeys/llm/testing';
import { createDockerSandbox, type DockerSandbox } from '@codemonkeys/sandbox-docker';
import { containersOf, dockerAvailability } from '@codemonkeys/sandbox-docker/testing';
import { openFixtureSandboxes, type FixtureSandboxes } from '@codemonkeys/swebench/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { llmGeneratorPlugin } from '../src/index';
import { createGeneratorHarness, type GeneratorHarness } from './support/generator-harness';

const docker = await dockerAvailability();
const testLabels = { 'codemonkeys.test': 'generator-llm-demo' };

const demoHandler = (demo: PluginDemo, instance: DemoInstanceScript) => pluginDemoHandler(demo, instance, 'generator-llm');

/** Exits 2 on the original code (repeated spaces make empty words) and 0 once fixed. */
const reproductionTest = [
  'import sys',
  'from textkit.words import count_words',
  '',
  'count = count_words("the  quick   brown fox")',
  'print(f"count = {count}, expected 4")',
  'sys.exit(0 if count == 4 else 2)',
].join('\n');

const metadataOf = (patch: Patch) => patch.metadata as { status: string; finalState: string; attempts: { editing: number; testing?: number }; refusedAnswers: unknown[] };

describeWhenAvailable("generator-llm's demo answers the iterative machines' prompts (Docker)", docker, () => {
  let harness: GeneratorHarness;
  let sandbox: DockerSandbox;
  let sandboxes: FixtureSandboxes | undefined;
  let script: DemoInstanceScript;

  beforeAll(async () => {
    harness = await createGeneratorHarness({
      instances: ['word-count'],
      sandboxFor: (fixture) => (instanceId) => sandboxes?.sandboxFor(fixture.instances.find((instance) => instance.instanceId === instanceId)!),
    });
    sandbox = await createDockerSandbox({ labels: testLabels });
    sandboxes = await openFixtureSandboxes({ sandbox, fixture: harness.fixture, labels: testLabels });
    script = {
      instanceId: harness.instanceId('word-count'),
      locations: { files: ['textkit/words.py'], elements: {}, lines: {} },
      samples: [{ diff: harness.fixture.instance('word-count').patch }],
      test: reproductionTest,
    };
    harness.server.setHandler(demoHandler(llmGeneratorPlugin.demo!, script));
  }, 600_000);

  afterAll(async () => {
    await harness?.close();
    await sandboxes?.close();
    await sandbox?.close();
    if (sandbox) expect(await containersOf(sandbox)).toEqual([]);
  });

  it('combined: the test and the fix in the first answer, then <done> once the runs show exit 2 before and 0 after', async () => {
    harness.reset();
    const { patches } = await harness.generate({ maxAttempts: 3, tests: 'combined' });
    const [patch] = patches;
    expect(metadataOf(patch!)).toMatchObject({ status: 'ok', finalState: 'done', attempts: { editing: 2 }, refusedAnswers: [] });
    expect(patch!.diff).toBe(script.samples[0]!.diff);
    expect(patch!.tests?.map((test) => test.content.trimEnd())).toEqual([reproductionTest]);
  }, 300_000);

  it('independent: the testing conversation gets the test alone and <done>; the editing one the fix and <done>', async () => {
    harness.reset();
    const { patches } = await harness.generate({ maxAttempts: 3, tests: 'independent' });
    const [patch] = patches;
    expect(metadataOf(patch!)).toMatchObject({ status: 'ok', finalState: 'done', attempts: { testing: 2, editing: 2 }, refusedAnswers: [] });
    expect(patch!.diff).toBe(script.samples[0]!.diff);
  }, 300_000);
});
