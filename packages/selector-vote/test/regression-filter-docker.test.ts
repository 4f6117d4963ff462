import { afterAll, beforeAll, expect, it } from 'vitest';
import { createInMemorySequenceStorage, instantiatePlugin, TaskSchema, type GeneratedTest, type Instance, type Patch, type SelectorV1 } from '@codemonkeys/protocol';
import { describeWhenAvailable } from '@codemonkeys/protocol/testkit';
import { createModelClient, type LlmModelClient } from '@codemonkeys/llm';
import { startLoopbackModelServer, type LoopbackModelServer } from '@codemonkeys/llm/testing';
import { createDockerSandbox, type DockerSandbox } from '@codemonkeys/sandbox-docker';
import { containersOf, dockerAvailability } from '@codemonkeys/sandbox-docker/testing';
import {
  createFixtureRepository,
  createTestPluginContext,
  openFixtureSandboxes,
  unifiedDiffOf,
  type FixtureRepository,
  type FixtureSandboxes,
  type TestPluginContext,
} from '@codemonkeys/swebench/testing';
import { RegressionFilterOptionsSchema, runRegressionFilter, votePlugin, type VoteOptionsInput, type VoteSelectionMetadata } from '../src/index';

const docker = await dockerAvailability();
const testLabels = { 'codemonkeys.test': 'selector-vote-regression' };
const goldFields = ['patch', 'testPatch', 'failToPass', 'passToPass'] as const;

/**
 * The instance with its gold fields made unavailable: reading any of them (directly, by a spread or by a
 * schema parse) records the read and throws. Whatever the selector or the context reads, it is not these.
 */
function withoutGold(instance: Instance, reads: string[]): Instance {
  const copy: Record<string, unknown> = { ...instance };
  for (const field of goldFields) {
    delete copy[field];
    Object.defineProperty(copy, field, {
      enumerable: true,
      get() {
        reads.push(field);
        throw new Error(`the gold field ${field} of ${instance.instanceId} was read`);
      },
    });
  }
  return copy as unknown as Instance;
}

describeWhenAvailable('regression filter in a real Docker sandbox (fixture repository, its own pytest tests)', docker, () => {
  let fixture: FixtureRepository;
  let sandbox: DockerSandbox;
  let sandboxes: FixtureSandboxes;
  let server: LoopbackModelServer;
  let model: LlmModelClient;
  let context: TestPluginContext;
  let instance: Instance;
  const goldReads: string[] = [];
  let candidates: Record<string, Patch>;

  beforeAll(async () => {
    fixture = await createFixtureRepository({ instances: ['word-count'] });
    instance = withoutGold(fixture.instance('word-count'), goldReads);
    server = await startLoopbackModelServer();
    model = createModelClient({ endpoint: server.endpoint(), retry: { maxRetries: 0 } });
    sandbox = await createDockerSandbox({ labels: testLabels });
    sandboxes = await openFixtureSandboxes({ sandbox, fixture, labels: testLabels });
    context = createTestPluginContext({
      instances: [instance],
      repositorySources: fixture.repositorySources,
      model,
      sandbox: () => sandboxes.sandboxFor(instance),
    });
    const base = await fixture.fileAt(fixture.instance('word-count').baseCommit, 'textkit/words.py');
    const patch = async (name: string, after: string): Promise<Patch> => ({
      instanceId: instance.instanceId,
      diff: await unifiedDiffOf('textkit/words.py', base, after),
      metadata: { name },
    });
    const byName = Object.fromEntries(fixture.candidates(instance.instanceId).map((candidate) => [candidate.name, candidate.diff]));
    candidates = {
      // Breaks test_longest_word, which passes at the base commit (the fixture's `regression` candidate).
      regression: { instanceId: instance.instanceId, diff: byName.regression!, metadata: { name: 'regression' } },
      // Fixes the issue and keeps every existing test passing.
      fix: await patch('fix', base.replace('    return text.split(WORD_SEPARATOR)\n', '    return text.split()\n')),
      // Another passing spelling, so that the patch vote alone would not decide.
      fixOther: await patch('fixOther', base.replace('    return text.split(WORD_SEPARATOR)\n', '    return [word for word in text.split() if word]\n')),
      // Behaves like the base code: keeps the tests passing, fixes nothing.
      noFix: await patch('noFix', base.replace('    return text.split(WORD_SEPARATOR)\n', '    return [word for word in text.split(WORD_SEPARATOR)]\n')),
    };
  }, 600_000);

  afterAll(async () => {
    await context?.close();
    await sandboxes?.close();
    await sandbox?.close();
    if (sandbox) expect(await containersOf(sandbox)).toEqual([]);
    await model?.close();
    await server?.close();
    await fixture?.cleanup();
  });

  const selectorOf = (options: VoteOptionsInput): Promise<SelectorV1> => instantiatePlugin(votePlugin, options, context);

  it('the plugin context has no gold test lists: its task is the gold-free Task, and the instance behind it refuses them', async () => {
    const task = await context.task(instance.instanceId);
    expect(TaskSchema.parse(task)).toEqual(task);
    for (const field of [...goldFields, 'FAIL_TO_PASS', 'PASS_TO_PASS', 'test_patch']) expect(task).not.toHaveProperty(field);
    expect(() => instance.failToPass).toThrow(/gold field failToPass/);
    goldReads.length = 0;
  });

  it('drops the candidate that breaks an existing passing test and keeps the ones that pass, reading no gold field', async () => {
    // Two copies of the regression: without the filter they would be the majority.
    const patches = [candidates.regression!, candidates.regression!, candidates.fix!, candidates.fixOther!];
    const unfiltered = await (await selectorOf({ normalization: 'text', mode: 'patch-vote' })).run(patches, instance.instanceId);
    expect(unfiltered.metadata.name).toBe('regression');

    const selector = await selectorOf({ normalization: 'text', mode: 'patch-vote', regressionFilter: {} });
    const chosen = await selector.run(patches, instance.instanceId);
    const selection = chosen.metadata.selection as VoteSelectionMetadata;
    const regression = selection.regression!;
    expect(chosen.metadata.name).toBe('fix');
    expect(regression.status).toBe('ran');
    // Found from the base commit's files (named after textkit/words.py), not from any test list.
    expect(regression.testFiles).toEqual(['tests/test_words.py']);
    expect(regression.testFileReasons).toEqual(['named-after']);
    expect(regression.original).toMatchObject({ exitCode: 0, tests: 3, passed: 3, cached: false });
    expect(regression.newlyFailing).toEqual({ 0: ['tests/test_words.py::test_longest_word'], 1: ['tests/test_words.py::test_longest_word'], 2: [], 3: [] });
    expect(regression.dropped).toEqual([0, 1]);
    expect(selection.candidates.map((candidate) => candidate.regressionFailures)).toEqual([1, 1, 0, 0]);
    // The second copy of the regression is the same diff: its run is the first copy's, from the cache.
    expect(Object.values(regression.candidates).map((candidate) => candidate.status)).toEqual(['ran', 'cached', 'ran', 'ran']);
    expect(regression.containerMs).toBeGreaterThan(0);
    expect(selection.topK.slice(0, 2).sort()).toEqual([2, 3]);
    // Every step is recorded, in ranking order.
    expect(selection.steps.map((step) => `${step.step}:${step.status}`)).toEqual([
      'eligibility:applied',
      'regression-filter:applied',
      'test-vote:skipped',
      'consensus:applied',
      'tie-break:skipped',
      'smaller-patch:applied',
    ]);
    expect(selection.steps[1]!.detail).toContain('#0, #1');
    expect(goldReads).toEqual([]);

    // The same selection again: every run (base and candidates) comes from the plugin's cache.
    const again = (await selector.run(patches, instance.instanceId)).metadata.selection as VoteSelectionMetadata;
    expect(again.regression!.original).toMatchObject({ cached: true, passed: 3 });
    expect(Object.values(again.regression!.candidates).map((candidate) => candidate.status)).toEqual(['cached', 'cached', 'cached', 'cached']);
    expect(again.regression!.containerMs).toBe(0);
    expect(again.regression!.newlyFailing).toEqual(regression.newlyFailing);
    expect(goldReads).toEqual([]);
  }, 300_000);

  it('one ranking: the filter first, then the generated tests (reproduction vote), then the consensus, each step recorded', async () => {
    // A reproduction test by the GeneratedTest contract (exit 0 = fixed, 2 = not fixed).
    const reproduction: GeneratedTest = {
      path: 'reproduce_spaces.py',
      content: 'import sys\nfrom textkit import count_words\n\nsys.exit(0 if count_words("the  quick   brown fox") == 4 else 2)\n',
      command: 'python3 reproduce_spaces.py',
      metadata: {},
    };
    // The regression also fixes the issue (it passes the reproduction), and noFix has the majority.
    const patches = [{ ...candidates.regression!, tests: [reproduction] }, candidates.noFix!, candidates.noFix!, candidates.fix!];
    const chosen = await (await selectorOf({ normalization: 'text', regressionFilter: {} })).run(patches, instance.instanceId);
    const selection = chosen.metadata.selection as VoteSelectionMetadata;
    expect(chosen.metadata.name).toBe('fix');
    expect(selection.candidates.map((candidate) => [candidate.regressionFailures, candidate.testVotes])).toEqual([
      [1, 1],
      [0, 0],
      [0, 0],
      [0, 1],
    ]);
    // The regression is ranked below everything that keeps the tests; the majority (noFix) below the candidate that passes the reproduction.
    expect(selection.topK).toEqual([3, 1, 2]);
    expect(selection.steps.map((step) => `${step.step}:${step.status}`)).toEqual([
      'eligibility:applied',
      'regression-filter:applied',
      'test-vote:applied',
      'consensus:applied',
      'tie-break:skipped',
      'smaller-patch:applied',
    ]);
    expect(selection.reasoning).toMatch(/0 new failure\(s\) in 1 existing test file\(s\); passes 1 of 1 generated test\(s\)/);
    expect(goldReads).toEqual([]);
  }, 300_000);

  it('keeps to the instance time box: a base run cut off by it leaves the filter skipped, with the reason', async () => {
    // A fresh cache, and a box (1 ms) that the base run cannot finish in.
    const fresh = createTestPluginContext({
      instances: [instance],
      repositorySources: fixture.repositorySources,
      model,
      storage: createInMemorySequenceStorage(),
      sandbox: () => sandboxes.sandboxFor(instance),
    });
    try {
      const selector = await instantiatePlugin(votePlugin, { normalization: 'text', mode: 'patch-vote', regressionFilter: { instanceBudgetMs: 1 } }, fresh);
      const selection = (await selector.run([candidates.regression!, candidates.regression!, candidates.fix!], instance.instanceId)).metadata.selection as VoteSelectionMetadata;
      expect(selection.regression).toMatchObject({ status: 'skipped', reason: 'the related tests timed out at the base commit', budgetMs: 1 });
      expect(selection.steps.find((step) => step.step === 'regression-filter')).toMatchObject({ status: 'skipped', detail: 'the related tests timed out at the base commit' });
      // Unfiltered, the patch vote decides.
      expect(selection.chosen).toBe(0);
      expect(goldReads).toEqual([]);
    } finally {
      await fresh.close();
    }
  }, 300_000);

  it('keeps to the instance time box: candidates not reached in it are left unfiltered and recorded', async () => {
    // The box is counted on a clock that advances 100 s per sandbox use, so that no real timing decides the test.
    let clock = 0;
    const real = sandboxes.sandboxFor(instance);
    const ticking = {
      instanceId: real.instanceId,
      use: async <T>(fn: Parameters<typeof real.use<T>>[0]): Promise<T> => {
        const result = await real.use(fn);
        clock += 100_000;
        return result;
      },
    };
    const outcome = await runRegressionFilter({
      sandbox: ticking,
      workspace: await context.workspace(instance.instanceId),
      diffs: [candidates.regression!.diff, candidates.fixOther!.diff, candidates.fix!.diff],
      changedFiles: ['textkit/words.py'],
      runnable: [0, 1, 2],
      settings: RegressionFilterOptionsSchema.parse({ instanceBudgetMs: 150_000 }),
      now: () => clock,
    });
    // Base run (0 → 100 s), candidate 0 (50 s left, → 200 s), then the box is spent.
    expect(outcome.status).toBe('ran');
    expect(outcome.candidates[0]).toMatchObject({ status: 'ran', newlyFailing: ['tests/test_words.py::test_longest_word'] });
    expect(outcome.overBudget).toEqual([1, 2]);
    expect(outcome.candidates[1]).toMatchObject({ status: 'over-budget' });
    expect(outcome.failures).toEqual([1, 0, 0]);
    expect(outcome.reason).toBe("the instance's time box (150000 ms) was spent before 2 candidate(s) ran");
    expect(goldReads).toEqual([]);
  }, 300_000);
});
