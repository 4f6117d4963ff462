import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createInMemorySequenceStorage, type GeneratedTest, type Patch, type RewardRecord } from '@codemonkeys/protocol';
import { describeWhenAvailable } from '@codemonkeys/protocol/testkit';
import { createDockerSandbox, type DockerSandbox } from '@codemonkeys/sandbox-docker';
import { dockerAvailability } from '@codemonkeys/sandbox-docker/testing';
import { baseImageName, createInstanceSandboxProvider, createRepositoryCache, type InstanceSandboxProvider, type RepositoryCache } from '@codemonkeys/swebench';
import { createFixtureRepository, fixtureEnvironmentSpec, type FixtureRepository } from '@codemonkeys/swebench/testing';
import { createRewarder, evaluateGeneratedTest, scorecardFromStorage } from '../src/index';

const testLabel = { 'codemonkeys.test': 'rewards-sandbox' };

const docker = await dockerAvailability({ image: baseImageName('bookworm') });

/** A generated test following the GeneratedTest contract: exit 0 when fixed, 2 when not. */
const pythonTest = (name: string, body: string): GeneratedTest => ({
  path: `${name}.py`,
  content: `import sys\n${body}\n`,
  command: `python3 ${name}.py`,
  metadata: {},
});

const wordCountTest = pythonTest('reproduce_word_count', 'from textkit.words import count_words\nsys.exit(0 if count_words("the  quick   brown fox") == 4 else 2)');
/** Passes on the base commit too: not a valid reproduction. */
const alwaysPassingTest = pythonTest('reproduce_simple', 'from textkit.words import count_words\nsys.exit(0 if count_words("a b") == 2 else 2)');
/** Runs the check in a Python subprocess: coverage must follow it. */
const subprocessTest: GeneratedTest = {
  path: 'reproduce_in_subprocess.py',
  content:
    'import subprocess, sys\nsys.exit(subprocess.call([sys.executable, "-c", "import sys; from textkit.words import count_words; sys.exit(0 if count_words(\'x  y\') == 2 else 2)"]))\n',
  command: 'python3 reproduce_in_subprocess.py',
  metadata: {},
};
const averageTest = pythonTest('reproduce_average', 'from textkit.stats import average_word_length\nsys.exit(0 if average_word_length("Tiny cats nap. Dogs run.") == 3.6 else 2)');
/** Touches sentences.py (one of the two gold statements) but not the average in stats.py. */
const sentencesOnlyTest = pythonTest('reproduce_sentences', 'from textkit.sentences import split_sentences\nsys.exit(0 if len(split_sentences("Is it? Yes!")) == 2 else 2)');
const wrapTest = pythonTest('reproduce_wrap', 'from textkit.wrap import wrap\nsys.exit(0 if wrap("a extraordinarily long", 6) == ["a", "extraordinarily", "long"] else 2)');

describeWhenAvailable('sandbox rewards in Docker on the fixture instances', docker, () => {
  let fixture: FixtureRepository;
  let cache: RepositoryCache;
  let cacheDirectory: string;
  let sandbox: DockerSandbox;
  let provider: InstanceSandboxProvider;

  beforeAll(async () => {
    fixture = await createFixtureRepository({ instances: ['word-count', 'sentence-stats', 'wrap-hang'] });
    cacheDirectory = await fs.mkdtemp(path.join(os.tmpdir(), 'rewards-cache-'));
    cache = createRepositoryCache({ directory: cacheDirectory, repositorySources: fixture.repositorySources });
    sandbox = await createDockerSandbox({ labels: testLabel });
    provider = createInstanceSandboxProvider({ sandbox, repositoryCache: cache, specs: [fixtureEnvironmentSpec()], labels: testLabel });
    await provider.sandboxFor(fixture.instance('word-count')).image();
  }, 600_000);

  afterAll(async () => {
    await provider?.close();
    if (sandbox) {
      const label = `${sandbox.instanceLabel.key}=${sandbox.instanceLabel.value}`;
      await sandbox.close();
      const left = await sandbox.docker.listContainers({ all: true, filters: { label: [label] } });
      expect(left).toEqual([]);
    }
    await cache?.close();
    await fixture?.cleanup();
    if (cacheDirectory) await fs.rm(cacheDirectory, { recursive: true, force: true });
  });

  it('finds a reproduction test valid and measures its coverage of the gold lines, following subprocesses', async () => {
    const instance = fixture.instance('word-count');
    const instanceSandbox = provider.sandboxFor(instance);
    const valid = await evaluateGeneratedTest({ goldPatch: instance.patch, test: wordCountTest, instanceSandbox });
    expect(valid.base).toMatchObject({ outcome: 'not-fixed', exitCode: 2 });
    expect(valid.gold).toMatchObject({ outcome: 'fixed', exitCode: 0 });
    expect(valid.valid).toBe(true);
    // The gold patch adds one line, `return text.split()` (line 6 of the patched file), a statement the test runs.
    expect(valid.coverage).toMatchObject({ statements: 1, covered: 1, value: 1, files: { 'textkit/words.py': { statements: [6], executed: [6] } } });
    expect(valid.coverage.coverageVersion).toMatch(/^\d+\./);

    const passing = await evaluateGeneratedTest({ goldPatch: instance.patch, test: alwaysPassingTest, instanceSandbox });
    expect([passing.base.outcome, passing.gold.outcome, passing.valid]).toEqual(['fixed', 'fixed', false]);

    const subprocess = await evaluateGeneratedTest({ goldPatch: instance.patch, test: subprocessTest, instanceSandbox });
    expect(subprocess.gold.outcome).toBe('fixed');
    expect(subprocess.coverage.value).toBe(1);
  }, 120_000);

  it('measures partial coverage of a two-file gold patch, and zero for a test that never reaches it', async () => {
    const instance = fixture.instance('sentence-stats');
    const instanceSandbox = provider.sandboxFor(instance);
    const full = await evaluateGeneratedTest({ goldPatch: instance.patch, test: averageTest, instanceSandbox });
    expect(full.valid).toBe(true);
    // Gold statements: `SENTENCE_ENDINGS = ".!?"` (sentences.py:3) and the new return (stats.py:13).
    expect(full.coverage).toMatchObject({ statements: 2, covered: 2, value: 1 });
    const partial = await evaluateGeneratedTest({ goldPatch: instance.patch, test: sentencesOnlyTest, instanceSandbox });
    expect(partial.coverage.files['textkit/sentences.py']).toEqual({ statements: [3], executed: [3] });
    expect(partial.coverage.files['textkit/stats.py']!.executed).toEqual([]);
    expect(partial.coverage.value).toBe(0.5);
    const unrelated = await evaluateGeneratedTest({ goldPatch: instance.patch, test: pythonTest('reproduce_nothing', 'sys.exit(2)'), instanceSandbox });
    expect(unrelated).toMatchObject({ valid: false, coverage: { statements: 2, covered: 0, value: 0 } });
  }, 120_000);

  it('records verdicts, generated tests and selection for every candidate, with infrastructure failures apart', async () => {
    const storage = createInMemorySequenceStorage();
    // A time limit never decides a verdict here: wrap-hang's candidates and tests that hang loop for ever, so
    // they pass any limit on any machine; word-count's get limits no loaded machine reaches (a safety net).
    const limitsOf = (name: 'word-count' | 'wrap-hang') =>
      name === 'wrap-hang' ? { goldTestTimeoutMs: 8_000, generatedTestTimeoutMs: 5_000 } : { goldTestTimeoutMs: 600_000, generatedTestTimeoutMs: 600_000 };
    const rewarders = {
      'word-count': createRewarder({ storage, sandboxes: provider, ...limitsOf('word-count') }),
      'wrap-hang': createRewarder({ storage, sandboxes: provider, ...limitsOf('wrap-hang') }),
    };
    const runId = 'docker-run';
    const expected = new Map<string, { resolved: boolean; hangs: boolean }>();
    for (const name of ['word-count', 'wrap-hang'] as const) {
      const instance = fixture.instance(name);
      // wrap-hang: only the candidates that hang (they pass any limit), so its short limits decide nothing by speed.
      const fixtureCandidates = fixture.candidates(instance.instanceId).filter((candidate) => name === 'word-count' || candidate.expected.hangs);
      const tests = name === 'word-count' ? [wordCountTest, alwaysPassingTest] : [wrapTest];
      const candidates: Patch[] = fixtureCandidates.map((candidate) => ({ instanceId: instance.instanceId, diff: candidate.diff, tests, metadata: { name: candidate.name } }));
      for (const candidate of fixtureCandidates) expected.set(`${instance.instanceId}/${candidate.name}`, candidate.expected);
      const rewarder = rewarders[name];
      const outcome = await rewarder.rewardGeneration({ runId, instance, candidates });
      outcome.candidates.forEach((rewards, index) => {
        const candidate = fixtureCandidates[index]!;
        const label = `${name}/${candidate.name}`;
        if (candidate.expected.hangs && candidate.diff.trim() !== '') {
          // The test run is stopped at its limit: no verdict about the candidate, and it says why.
          expect(rewards.verdict!.resolved, label).toBeNull();
          expect(rewards.verdict!.infrastructureFailure?.kind, label).toBe('timeout');
        } else {
          expect(rewards.verdict!.resolved, label).toBe(candidate.expected.resolved ? 1 : 0);
          expect(rewards.verdict!.applied, label).toBe(candidate.expected.applies && candidate.diff.trim() !== '' ? 1 : 0);
        }
      });
      // Tests do not depend on the candidate: identical tests run once per instance and give every candidate the same figures.
      const validity = new Set(outcome.candidates.map((rewards) => rewards.generatedTestValidity));
      expect(validity).toEqual(new Set([name === 'word-count' ? 0.5 : 0]));
      if (name === 'word-count') expect(new Set(outcome.candidates.map((rewards) => rewards.generatedTestCoverage))).toEqual(new Set([1]));
      const selection = await rewarder.rewardSelection({ runId, instance, candidates, chosen: candidates[0]! });
      expect(selection.verdicts).toEqual(outcome.candidates.map((rewards) => (rewards.verdict!.resolved === null ? null : rewards.verdict!.resolved === 1)));
      if (name === 'word-count') expect(selection.rewards.resolved).toBe(1);
    }
    // wrap-hang: the wrap test hangs on the base commit (timeout), so it is not a valid reproduction.
    const records = (await storage.queryRewards({ runId, stage: 'generate', name: 'generated-test-validity', limit: 1000 })).items;
    const wrapValidity = records.find((record: RewardRecord) => record.instanceId.endsWith('-3'))!;
    expect((wrapValidity.details.tests as { base: { outcome: string } }[])[0]!.base.outcome).toBe('timeout');

    const scorecard = await scorecardFromStorage(storage, runId, { validity: { samples: 200 } });
    // word-count chose its gold candidate (1); wrap-hang chose its empty candidate, never resolved (0).
    expect(scorecard.headline.selectionResolved).toBe(0.5);
    expect(scorecard.stages.generation.metrics.resolved!.missing).toBeGreaterThan(0);

    // A resumed run (a new rewarder on the same storage) keeps what is stored instead of running it again,
    // except the infrastructure failure, which is tried again.
    const before = (await storage.queryRewards({ runId, limit: 1000 })).items.length;
    const resumed = createRewarder({ storage, sandboxes: provider, ...limitsOf('word-count') });
    const instance = fixture.instance('word-count');
    const candidates: Patch[] = fixture
      .candidates(instance.instanceId)
      .map((candidate) => ({ instanceId: instance.instanceId, diff: candidate.diff, tests: [wordCountTest, alwaysPassingTest], metadata: {} }));
    const again = await resumed.rewardGeneration({ runId, instance, candidates });
    expect(again.candidates.map((rewards) => rewards.verdictSource)).toEqual(
      fixture.candidates(instance.instanceId).map((candidate) => (candidate.diff.trim() === '' ? 'empty' : 'stored')),
    );
    expect(again.candidates.every((rewards) => rewards.generatedTests === undefined && rewards.generatedTestValidity === 0.5)).toBe(true);
    expect((await storage.queryRewards({ runId, limit: 1000 })).items.length).toBe(before);
  }, 1_800_000);
});
