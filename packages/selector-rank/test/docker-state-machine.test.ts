import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import type { GeneratedTest, Patch } from '@codemonkeys/protocol';
import { describeWhenAvailable } from '@codemonkeys/protocol/testkit';
import { queueHandler } from '@codemonkeys/llm/testing';
import type { RankSelectionMetadata } from '../src/index';
import { createDockerSandbox, type DockerSandbox } from '@codemonkeys/sandbox-docker';
import { containersOf, dockerAvailability } from '@codemonkeys/sandbox-docker/testing';
import { openFixtureSandboxes, type FixtureSandboxes } from '@codemonkeys/swebench/testing';
import { createRankHarness, type RankHarness } from './support/rank-harness';

const docker = await dockerAvailability();
/** On every container of these tests besides the sandbox's own labels (targeted cleanup). */
const testLabels = { 'codemonkeys.test': 'selector-rank' };

const reproduction = (name: string, check: string): GeneratedTest => ({
  path: `reproduce_${name}.py`,
  content: `import sys\nfrom textkit import count_words, longest_word\n\nsys.exit(0 if ${check} else 2)\n`,
  command: `python3 reproduce_${name}.py`,
  metadata: {},
});

/** The test a careful model would write to tell the candidates apart: tabs, newlines and the longest word. */
const discriminatingTest = [
  '```python',
  'from textkit import count_words, longest_word',
  'print("tabs:", count_words("a\\tb c"))',
  'print("longest:", longest_word("a quick fox"))',
  '```',
].join('\n');

describeWhenAvailable('selection state machine in a real Docker sandbox (word-count fixture)', docker, () => {
  let harness: RankHarness;
  let sandbox: DockerSandbox;
  let sandboxes: FixtureSandboxes;
  let c: Record<string, Patch>;

  beforeAll(async () => {
    // The instance's sandbox as the runner gives it to plugins: swebench's provider over the Docker sandbox.
    harness = await createRankHarness({ sandbox: () => sandboxes.sandboxFor(harness.fixture.instance('word-count')) });
    sandbox = await createDockerSandbox({ labels: testLabels });
    sandboxes = await openFixtureSandboxes({ sandbox, fixture: harness.fixture, labels: testLabels });
    c = await harness.candidates();
  }, 600_000);

  afterAll(async () => {
    await sandboxes?.close();
    await sandbox?.close();
    if (sandbox) expect(await containersOf(sandbox)).toEqual([]);
    await harness?.close();
  });

  beforeEach(() => harness.server.reset());

  it('runs the model’s discriminating test on the original code and every candidate, shows the results, then takes its choice', async () => {
    harness.server.setHandler(queueHandler([discriminatingTest, 'Candidate 2 counts tabs and keeps longest_word working.\n<choice>2</choice>']));
    const selector = await harness.selector({ mode: 'state-machine', maxAttempts: 2 });
    const chosen = await selector.run([c.regression!, c.fixPlain!, c.noFix!], harness.instanceId);
    const selection = chosen.metadata.selection as RankSelectionMetadata;
    expect(chosen.metadata.name).toBe('fixPlain');
    expect(selection).toMatchObject({ mode: 'state-machine', decidedBy: 'model', modelCalls: 2 });
    expect(selection.modelTests).toHaveLength(1);
    const results = selection.modelTests[0]!.results;
    expect(Object.keys(results)).toEqual(['original', 'candidate 1', 'candidate 2', 'candidate 3']);
    // The regression's longest_word breaks on None: the script errors there and nowhere else.
    expect(results['candidate 1']).toMatchObject({ outcome: 'error' });
    expect(results['candidate 2']).toMatchObject({ exitCode: 0 });
    // What the model saw before choosing: the outputs of each run.
    const shown = harness.server.requests[1]!.lastUserMessage ?? '';
    expect(shown).toContain('### Original code ###');
    expect(shown).toMatch(/### Candidate 2 ###\nExit code 0\.\n```\ntabs: 3\nlongest: quick/);
    expect(shown).toMatch(/### Original code ###\nExit code 0\.\n```\ntabs: 2/);
    expect(shown).toContain('TypeError');
    expect(shown).toContain('1 more test script');
  }, 300_000);

  it('makes the model choose once its attempts are spent', async () => {
    harness.server.setHandler(queueHandler([discriminatingTest, discriminatingTest, '<choice>1</choice>']));
    const selector = await harness.selector({ mode: 'state-machine', maxAttempts: 1 });
    const chosen = await selector.run([c.fixPlain!, c.noFix!], harness.instanceId);
    const selection = chosen.metadata.selection as RankSelectionMetadata;
    expect(selection.modelTests).toHaveLength(1);
    expect(selection.modelCalls).toBe(3);
    expect(harness.server.requests[1]!.lastUserMessage).toContain('no test runs left');
    expect(harness.server.requests[2]!.lastUserMessage).toContain('No more test runs are possible');
    expect(chosen.metadata.name).toBe('fixPlain');
  }, 300_000);

  it('narrows the candidates to the top K by the test vote, shows the generated test results, and falls back to the vote winner', async () => {
    harness.server.setHandler(queueHandler(['I am not sure.', 'Still not sure.']));
    const patches: Patch[] = [
      { ...c.noFix!, tests: [reproduction('longest', 'longest_word("a quick fox") == "quick"')] },
      { ...c.regression!, tests: [reproduction('lines', 'count_words("a\\nb") == 2')] },
      { ...c.fixPlain!, tests: [reproduction('spaces', 'count_words("the  quick   brown fox") == 4')] },
      c['not-applying']!,
    ];
    const selector = await harness.selector({ mode: 'single-turn', topK: 2 });
    const chosen = await selector.run(patches, harness.instanceId);
    const selection = chosen.metadata.selection as RankSelectionMetadata;
    // Votes: noFix 1, regression 2, fixPlain 3; the not-applying candidate runs nothing.
    expect(selection.contenders.map((contender) => contender.votes)).toEqual([1, 2, 3, 0]);
    expect(selection.contenders[3]).toMatchObject({ applies: false });
    expect(selection.compared).toEqual([1, 2]);
    expect(selection.testMatrix!.original).toEqual(['fixed', 'not-fixed', 'not-fixed']);
    const prompt = harness.prompts()[0]!;
    expect(prompt.match(/### Candidate \d ###/g)).toHaveLength(2);
    expect(prompt).toContain('reproduce_spaces.py: fixed (exit 0)');
    expect(prompt).toContain('### Generated tests on the original (unpatched) code ###');
    expect(selection.decidedBy).toBe('vote-fallback');
    expect(chosen.metadata.name).toBe('fixPlain');
  }, 300_000);
});
