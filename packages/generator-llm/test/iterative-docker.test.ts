import { runTestMatrix } from '@codemonkeys/plugin-kit';
import { type InstanceSandbox, type Patch } from '@codemonkeys/protocol';
import { describeWhenAvailable } from '@codemonkeys/protocol/testkit';
import type { LoopbackRequest } from '@codemonkeys/llm/testing';
import { createInstanceSandboxProvider, evaluatePatch } from '@codemonkeys/swebench';
import { createDockerSandbox, type DockerSandbox } from '@codemonkeys/sandbox-docker';
import { containersOf, dockerAvailability } from '@codemonkeys/sandbox-docker/testing';
import { fixtureEnvironmentSpec, openFixtureSandboxes, type FixtureSandboxes } from '@codemonkeys/swebench/testing';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { workStateKey, type Iteration, type RefusedAnswer, type SampleWorkState } from '../src/index';
import { block, fenced, testBlock, wordCountExact, wordCountTest } from './support/answers';
import { conversationOf, createGeneratorHarness, scriptedConversations, type GeneratorHarness } from './support/generator-harness';

const docker = await dockerAvailability();
/** On every container of these tests besides the sandbox's own labels (targeted cleanup). */
const testLabels = { 'codemonkeys.test': 'generator-llm' };

/** Fixes repeated spaces but not line breaks: the reproduction test still exits with 2. */
const wrongEdit = `Empty strings between repeated spaces are counted as words; dropping them should do.\n\n${fenced(
  block('textkit/words.py', ['    return text.split(WORD_SEPARATOR)'], ['    return [word for word in text.split(WORD_SEPARATOR) if word]']),
)}`;
/** A test that does not reproduce the issue (it checks text typed by hand, which works). */
const weakTest = 'import sys\nfrom textkit import count_words\n\nprint(count_words("the quick brown fox"))\nsys.exit(0 if count_words("the quick brown fox") == 4 else 2)\n';
const lineBreakFailure = "count_words('the quick\\nbrown\\tfox\\n') = 2, expected 4";

type Metadata = {
  status: string;
  finalState: string;
  attempts: { editing: number; testing?: number };
  iterations: Iteration[];
  refusedAnswers: RefusedAnswer[];
  resumed: boolean;
  failure?: { reason: string; message: string };
};
const metadataOf = (patch: Patch): Metadata => patch.metadata as Metadata;

/** A scripted reply that only answers as planned when the feedback says what it must; otherwise it gives up. */
const whenFeedback = (needles: string[], reply: string) => (request: LoopbackRequest) => {
  const feedback = request.lastUserMessage ?? '';
  return needles.every((needle) => feedback.includes(needle)) ? reply : `The feedback did not show what the test expected (${needles.join(' / ')}); giving up.`;
};

describeWhenAvailable('iterative generation in Docker on the fixture repository', docker, () => {
  let harness: GeneratorHarness;
  let sandbox: DockerSandbox;
  let evaluation: FixtureSandboxes;
  /** When set, the context's sandbox for every instance (a closed one, to see sandbox failures). */
  let sandboxOverride: InstanceSandbox | undefined;

  beforeAll(async () => {
    let opened: FixtureSandboxes | undefined;
    harness = await createGeneratorHarness({
      instances: ['word-count', 'sentence-stats'],
      sandboxFor: (fixture) => (instanceId) => sandboxOverride ?? opened?.sandboxFor(fixture.instances.find((instance) => instance.instanceId === instanceId)!),
    });
    sandbox = await createDockerSandbox({ labels: testLabels });
    opened = await openFixtureSandboxes({ sandbox, fixture: harness.fixture, labels: testLabels });
    evaluation = opened;
  }, 600_000);

  afterAll(async () => {
    await harness?.close();
    await evaluation?.close();
    await sandbox?.close();
    if (sandbox) expect(await containersOf(sandbox)).toEqual([]);
  });

  beforeEach(() => harness.reset());

  const evaluate = (patch: Patch) => {
    const instance = harness.fixture.instance('word-count');
    return evaluatePatch({ instance, patch: patch.diff, instanceSandbox: evaluation.provider.sandboxFor(instance) });
  };

  it('writes a reproducing test, makes a wrong edit, sees it fail, fixes it, and ends with a candidate SWE-bench resolves', async () => {
    harness.server.setHandler(
      scriptedConversations({
        test: [
          testBlock(wordCountTest),
          whenFeedback(['exit code 2: the issue is not fixed', 'expected 4'], 'The test fails on the original code for the reason in the issue.\n<done>'),
        ],
        editing: [
          whenFeedback(['This reproduction test was written for the issue', 'exit code 2'], wrongEdit),
          whenFeedback(
            ['On the edited code (exit code 2: the issue is not fixed)', lineBreakFailure],
            `Line breaks are still not separators. Split on any whitespace instead.\n\n${wordCountExact}`,
          ),
          whenFeedback(
            ['On the edited code (exit code 0: the issue is fixed)', '-    return text.split(WORD_SEPARATOR)\n+    return text.split()'],
            'Exit 2 before, 0 after: fixed.\n<done>',
          ),
        ],
      }),
    );
    const { patches, messages } = await harness.generate({ maxAttempts: 4, tests: 'independent' });
    const [patch] = patches;
    const metadata = metadataOf(patch!);
    expect(metadata).toMatchObject({ status: 'ok', finalState: 'done', attempts: { testing: 2, editing: 3 }, refusedAnswers: [] });
    expect(metadata.iterations).toEqual([
      { attempt: 1, changed: 'edit', originalExitCode: 2, originalVerdict: 'not-fixed', editedExitCode: 2, editedVerdict: 'not-fixed' },
      { attempt: 2, changed: 'edit', originalExitCode: 2, originalVerdict: 'not-fixed', editedExitCode: 0, editedVerdict: 'fixed' },
    ]);
    expect(patch!.diff).toBe(harness.fixture.instance('word-count').patch);
    const verdict = await evaluate(patch!);
    expect(verdict.infrastructureFailure).toBeUndefined();
    expect(verdict.resolved).toBe(true);
    // The test comes back with what it did on the original and the edited code.
    expect(patch!.tests).toHaveLength(1);
    expect(patch!.tests![0]).toMatchObject({ path: 'reproduce_issue.py', command: 'python3 reproduce_issue.py', content: wordCountTest });
    expect(patch!.tests![0]!.metadata).toMatchObject({
      source: 'independent',
      testingFinalState: 'done',
      reproducesOnOriginal: true,
      original: { exitCode: 2 },
      edited: { exitCode: 0 },
    });
    // Both conversations are returned: testing (4 messages: system, ask, test, feedback... done) then editing.
    expect(messages.filter((message) => message.role === 'assistant')).toHaveLength(5);
    expect(messages.some((message) => message.content.includes(lineBreakFailure))).toBe(true);
  }, 300_000);

  it('combined: revises a test that does not reproduce the issue, then declares done', async () => {
    harness.server.setHandler(
      scriptedConversations({
        combined: [
          `${testBlock(weakTest)}\n${wordCountExact}`,
          whenFeedback(
            ['The test on the original code (exit code 0: the issue is fixed)'],
            `The test passes on the original code, so it shows nothing. A better one:\n${testBlock(wordCountTest)}`,
          ),
          whenFeedback(['The test on the original code (exit code 2', 'On the edited code (exit code 0'], '<done>'),
        ],
      }),
    );
    const { patches } = await harness.generate({ maxAttempts: 5, tests: 'combined' });
    const metadata = metadataOf(patches[0]!);
    expect(metadata).toMatchObject({ status: 'ok', finalState: 'done', attempts: { editing: 3 } });
    expect(metadata.iterations.map((iteration) => [iteration.changed, iteration.originalExitCode, iteration.editedExitCode])).toEqual([
      ['edit-and-test', 0, 0],
      ['test', 2, 0],
    ]);
    expect(patches[0]!.tests![0]!.content).toBe(wordCountTest);
    expect((await evaluate(patches[0]!)).resolved).toBe(true);
  }, 300_000);

  it('counts re-asks as attempts and stops when they are used up, keeping the last accepted edit as the candidate', async () => {
    harness.server.setHandler(scriptedConversations({ combined: [`${testBlock(wordCountTest)}\n${wrongEdit}`, 'Let me think about this differently.'] }));
    const { patches } = await harness.generate({ maxAttempts: 2, tests: 'combined' });
    const metadata = metadataOf(patches[0]!);
    expect(metadata).toMatchObject({ status: 'ok', finalState: 'attempts-exhausted', attempts: { editing: 2 } });
    expect(metadata.refusedAnswers.map((answer) => answer.problems)).toEqual([['the answer holds no edit, no test between <test> and </test>, and no <done>']]);
    expect(patches[0]!.diff).toContain('+    return [word for word in text.split(WORD_SEPARATOR) if word]');
    expect((await evaluate(patches[0]!)).resolved).toBe(false);
    expect(harness.chats()).toHaveLength(2);
  }, 300_000);

  it('stops a conversation before the next call would overflow the context window', async () => {
    harness.server.setHandler(scriptedConversations({ combined: [`${testBlock(wordCountTest)}\n${wrongEdit}`] }));
    // Room for the first prompt and its answer, not for the feedback that follows.
    const firstPrompt = await (async () => {
      const probe = await harness.generate({ maxAttempts: 1, tests: 'combined', runGeneratedTests: false });
      return probe.patches[0]!.metadata.usage as { inputTokens: number };
    })();
    harness.reset();
    harness.server.setHandler(scriptedConversations({ combined: [`${testBlock(wordCountTest)}\n${wrongEdit}`, '<done>'] }));
    const { patches } = await harness.generate({ maxAttempts: 5, tests: 'combined', maxAnswerTokens: 500, contextWindow: firstPrompt.inputTokens + 700 });
    const metadata = metadataOf(patches[0]!);
    expect(harness.chats()).toHaveLength(1);
    expect(metadata).toMatchObject({ status: 'ok', finalState: 'context-exceeded', attempts: { editing: 1 } });
    expect(metadata.failure?.message).toMatch(/would not fit the context window/);
  }, 300_000);

  it('resumes a stopped run: the testing conversation is not repeated and the editing conversation continues where it stopped', async () => {
    const controller = new AbortController();
    let editingCalls = 0;
    harness.server.setHandler(
      scriptedConversations({
        test: [testBlock(wordCountTest), '<done>'],
        editing: [
          wrongEdit,
          () => {
            editingCalls += 1;
            controller.abort(new Error('the run was stopped'));
            return 'this answer never arrives';
          },
        ],
      }),
    );
    await expect(harness.generate({ maxAttempts: 4, tests: 'independent' }, { runId: 'stopped-run', signal: controller.signal })).rejects.toThrow('the run was stopped');
    expect(editingCalls).toBe(1);
    const saved = await harness.storage.getWorkState('stopped-run', harness.instanceId('word-count'), workStateKey(0));
    const state = saved!.state as SampleWorkState;
    expect(state.status).toBe('running');
    if (state.status !== 'running') return;
    expect(state.state.phase).toBe('editing');
    expect(state.state.editing!.messages.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'user']);

    harness.reset();
    harness.server.setHandler(scriptedConversations({ editing: [whenFeedback([lineBreakFailure], wordCountExact), '<done>'] }));
    const { patches } = await harness.generate({ maxAttempts: 4, tests: 'independent' }, { runId: 'stopped-run' });
    const chats = harness.chats();
    expect(chats.map(conversationOf)).toEqual(['editing', 'editing']);
    expect(chats[0]!.messages.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(chats[0]!.messages[2]!.content).toBe(wrongEdit);
    const metadata = metadataOf(patches[0]!);
    expect(metadata).toMatchObject({ status: 'ok', finalState: 'done', resumed: true, attempts: { testing: 2, editing: 3 } });
    expect((await evaluate(patches[0]!)).resolved).toBe(true);
  }, 300_000);

  it('one-shot, independent and combined tests are runnable and honour the exit-code contract (2 on the original, 0 with the fix)', async () => {
    const instance = harness.fixture.instance('word-count');
    const sandbox = evaluation.provider.sandboxFor(instance);
    const noFix = harness.fixture.candidates(instance.instanceId).find((candidate) => candidate.name === 'no-fix')!.diff;
    for (const tests of ['independent', 'combined'] as const) {
      harness.reset();
      harness.server.setHandler(
        scriptedConversations(
          tests === 'combined' ? { combined: [`${testBlock(wordCountTest)}\n${wordCountExact}`] } : { edit: [wordCountExact], test: [testBlock(wordCountTest)] },
        ),
      );
      const { patches } = await harness.generate({ tests });
      const [test] = patches[0]!.tests!;
      expect(test!.metadata, tests).toMatchObject({
        source: tests,
        reproducesOnOriginal: true,
        original: { exitCode: 2, verdict: 'not-fixed' },
        edited: { exitCode: 0, verdict: 'fixed' },
      });
      // Run by core's test matrix, as selectors will: 2 on the original and on a candidate that fixes nothing, 0 with the gold patch.
      const matrix = await runTestMatrix({ sandbox, tests: [test!], diffs: [instance.patch, noFix, patches[0]!.diff] });
      expect(
        matrix.original!.map((cell) => cell.outcome),
        tests,
      ).toEqual(['not-fixed']);
      expect(
        matrix.cells[0]!.map((cell) => cell.outcome),
        tests,
      ).toEqual(['fixed', 'not-fixed', 'fixed']);
    }
  }, 300_000);

  it('records a sandbox that fails as a sandbox-error run and keeps the candidate', async () => {
    // A real instance sandbox whose provider was closed: every use fails with core's SandboxError.
    const closedProvider = createInstanceSandboxProvider({ sandbox, repositoryCache: evaluation.repositoryCache, specs: [fixtureEnvironmentSpec(harness.fixture.repo)] });
    sandboxOverride = closedProvider.sandboxFor(harness.fixture.instance('word-count'));
    await closedProvider.close();
    try {
      harness.server.setHandler(scriptedConversations({ combined: [`${testBlock(wordCountTest)}\n${wordCountExact}`] }));
      const { patches } = await harness.generate({ tests: 'combined' });
      expect(patches[0]!.diff).toBe(harness.fixture.instance('word-count').patch);
      expect(patches[0]!.tests![0]!.metadata).toMatchObject({ reproducesOnOriginal: false, original: { exitCode: null, verdict: 'sandbox-error' } });
      expect((patches[0]!.tests![0]!.metadata as { original: { output: string } }).original.output).toMatch(/^The test could not be run: .*closed/);
    } finally {
      sandboxOverride = undefined;
    }
  }, 120_000);
});
