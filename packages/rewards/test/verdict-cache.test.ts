import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pluginCacheKey, type Patch, type SequenceStorage } from '@codemonkeys/protocol';
import { describeWhenAvailable } from '@codemonkeys/protocol/testkit';
import { createDockerSandbox, type DockerSandbox } from '@codemonkeys/sandbox-docker';
import { dockerAvailability } from '@codemonkeys/sandbox-docker/testing';
import { createSqliteSequenceStorage } from '@codemonkeys/storage-sqlite';
import { baseImageName, createInstanceSandboxProvider, createRepositoryCache, type InstanceSandboxProvider, type RepositoryCache } from '@codemonkeys/swebench';
import { createFixtureRepository, fixtureEnvironmentSpec, unifiedDiffOf, type FixtureRepository } from '@codemonkeys/swebench/testing';
import {
  createRewarder,
  createStorageVerdictCache,
  environmentDigest,
  scorecardFromStorage,
  verdictCacheKey,
  verdictCacheKeyParts,
  verdictCacheKeyPrefix,
  verdictDiffHash,
  verdictTestsHash,
  type CachedVerdict,
  type GoldTestVerdict,
} from '../src/index';

const testLabel = { 'codemonkeys.test': 'rewards-verdict-cache' };

describe('verdict cache keys', () => {
  const before = 'def split_words(text):\n    """Words."""\n    return text.split(" ")\n\n\ndef count_words(text):\n    return len(split_words(text))\n';
  const after = before.replace('text.split(" ")', 'text.split()');

  it('diffs that differ in context size, index lines or trailing whitespace share a key; indentation and blank lines do not', async () => {
    const threeLines = await unifiedDiffOf('textkit/words.py', before, after);
    const oneLine = await unifiedDiffOf('textkit/words.py', before, after, { context: 1 });
    expect(oneLine).not.toBe(threeLines);
    expect(verdictDiffHash(oneLine)).toBe(verdictDiffHash(threeLines));
    expect(verdictDiffHash(`diff --git a/textkit/words.py b/textkit/words.py\nindex 1234567..89abcde 100644\n${threeLines}`)).toBe(verdictDiffHash(threeLines));
    expect(verdictDiffHash(threeLines.replace('+    return text.split()\n', '+    return text.split()   \n'))).toBe(verdictDiffHash(threeLines));
    // Python: what the indentation or a blank line in a docstring says can change the verdict.
    expect(verdictDiffHash(await unifiedDiffOf('textkit/words.py', before, before.replace('    return text.split(" ")', '  return text.split(" ")')))).not.toBe(
      verdictDiffHash(threeLines),
    );
    expect(verdictDiffHash(await unifiedDiffOf('textkit/words.py', before, after.replace('"""Words."""', '"""Words.\n\n    """')))).not.toBe(verdictDiffHash(threeLines));
  });

  it('text that is no diff is keyed by its exact text', () => {
    expect(verdictDiffHash('I could not find the bug.')).toMatch(/^exact-/);
    expect(verdictDiffHash('I could not find the bug.')).not.toBe(verdictDiffHash('I could not find the bug!'));
  });

  it('the environment digest covers what builds and runs the environment, not its documentation', () => {
    const spec = fixtureEnvironmentSpec();
    expect(environmentDigest({ ...spec, notes: 'measured again', validation: { status: 'derived', detail: 'other words' } })).toBe(environmentDigest(spec));
    expect(environmentDigest({ ...spec, env: { ...spec.env } })).toBe(environmentDigest(spec));
    for (const changed of [
      { ...spec, testCommand: `${spec.testCommand} -x` },
      { ...spec, debianPackages: [...spec.debianPackages, 'python3-numpy'] },
      { ...spec, logParser: 'sympy' as const },
      { ...spec, setupCommands: ['true'] },
      { ...spec, env: { ...spec.env, PYTHONHASHSEED: '1' } },
    ])
      expect(environmentDigest(changed)).not.toBe(environmentDigest(spec));
  });

  it('the key changes with the test patch, the test lists and the instance; the namespace is out of every plugin cache', () => {
    const instance = { instanceId: 'a__b-1', repo: 'a/b', baseCommit: 'c'.repeat(40), version: '1', testPatch: 'diff', failToPass: ['t1'], passToPass: ['t2'] };
    const spec = fixtureEnvironmentSpec('a/b');
    const key = verdictCacheKey(verdictCacheKeyParts(instance, spec, 'diff --git a/x b/x\n'));
    expect(verdictTestsHash({ ...instance, testPatch: 'other' })).not.toBe(verdictTestsHash(instance));
    expect(verdictTestsHash({ ...instance, passToPass: [] })).not.toBe(verdictTestsHash(instance));
    expect(verdictCacheKey(verdictCacheKeyParts({ ...instance, instanceId: 'a__b-2' }, spec, 'diff --git a/x b/x\n'))).not.toBe(key);
    expect(key.startsWith(verdictCacheKeyPrefix)).toBe(true);
    // A plugin's keys are always prefixed with plugin:<name>: whatever it asks for, so it can never name a verdict.
    for (const asked of [key, `../${key}`, '', ':'])
      for (const name of ['@codemonkeys/selector-vote', 'x', '']) expect(pluginCacheKey(name, asked).startsWith(verdictCacheKeyPrefix)).toBe(false);
  });
});

describe('the verdict cache in a real SQLite storage', () => {
  let directory: string;
  let storage: SequenceStorage;
  const parts = { instanceId: 'a__b-1', environmentDigest: 'e', diffHash: 'd', testsHash: 't', graderVersion: 1 };
  const key = verdictCacheKey(parts);
  const verdict: GoldTestVerdict = {
    applied: 1,
    resolved: 1,
    failToPass: 1,
    passToPass: 1,
    resolutionStatus: 'RESOLVED_FULL',
    failing: { failToPass: [], passToPass: [] },
    durationMs: 812,
  };
  const entry = { parts, verdict, origin: { runId: 'run-1', createdAt: '2026-01-01T00:00:00.000Z', diffSha256: 'f'.repeat(64) } } as CachedVerdict;

  beforeAll(async () => {
    directory = await fs.mkdtemp(path.join(os.tmpdir(), 'rewards-verdict-cache-'));
    storage = createSqliteSequenceStorage({ path: path.join(directory, 'runs.db') });
  });
  afterAll(async () => {
    await storage?.close();
    if (directory) await fs.rm(directory, { recursive: true, force: true });
  });

  it('keeps a definite verdict with where it came from, and refuses an infrastructure failure', async () => {
    const cache = createStorageVerdictCache(storage);
    expect(await cache.get(key, parts)).toBeUndefined();
    await cache.put(key, entry);
    expect(await cache.get(key, parts)).toEqual(entry);
    expect((await storage.getCacheEntry(key))?.createdAt).toBe(entry.origin.createdAt);
    // A forged log graded not resolved keeps why.
    const forgedParts = { ...parts, diffHash: 'forged' };
    const forged = {
      parts: forgedParts,
      verdict: {
        ...verdict,
        resolved: 0,
        resolutionStatus: 'RESOLVED_FULL',
        gradingError: { kind: 'exit-status-mismatch', message: 'the tests passed but the test command exited 1' },
      },
      origin: entry.origin,
    } as CachedVerdict;
    await cache.put(verdictCacheKey(forgedParts), forged);
    expect(await cache.get(verdictCacheKey(forgedParts), forgedParts)).toEqual(forged);
    const failed = { ...entry, verdict: { ...verdict, resolved: null, infrastructureFailure: { kind: 'timeout', message: 'ran past 5 s' } } } as unknown as CachedVerdict;
    const otherKey = verdictCacheKey({ ...parts, diffHash: 'other' });
    await expect(cache.put(otherKey, failed)).rejects.toThrow(/Only definite verdicts are cached/);
    await expect(cache.put(otherKey, { ...entry, verdict: { ...verdict, infrastructureFailure: { kind: 'daemon', message: 'gone' } } } as CachedVerdict)).rejects.toThrow(
      /infrastructure failure/,
    );
    expect(await storage.getCacheEntry(otherKey)).toBeUndefined();
  });

  it('an entry that is no verdict, or one stored for other key parts, is a miss (with a warning), never a verdict', async () => {
    const warnings: string[] = [];
    const logger = { debug: () => undefined, info: () => undefined, warn: (message: string) => void warnings.push(message), error: () => undefined };
    const cache = createStorageVerdictCache(storage, { logger });
    const brokenKey = verdictCacheKey({ ...parts, diffHash: 'broken' });
    await storage.putCacheEntries([{ key: brokenKey, value: { verdict: 'resolved' }, createdAt: entry.origin.createdAt }]);
    expect(await cache.get(brokenKey, { ...parts, diffHash: 'broken' })).toBeUndefined();
    expect(await cache.get(key, { ...parts, testsHash: 'other tests' })).toBeUndefined();
    expect(warnings).toHaveLength(2);
  });
});

const docker = await dockerAvailability({ image: baseImageName('bookworm') });

describeWhenAvailable('verdicts shared by runs of one SQLite storage, in Docker on the fixture instances', docker, () => {
  let fixture: FixtureRepository;
  let cache: RepositoryCache;
  let directory: string;
  let sandbox: DockerSandbox;
  let provider: InstanceSandboxProvider;

  beforeAll(async () => {
    fixture = await createFixtureRepository({ instances: ['word-count', 'wrap-hang'] });
    directory = await fs.mkdtemp(path.join(os.tmpdir(), 'rewards-verdict-cache-'));
    cache = createRepositoryCache({ directory: path.join(directory, 'repositories'), repositorySources: fixture.repositorySources });
    sandbox = await createDockerSandbox({ labels: testLabel });
    provider = createInstanceSandboxProvider({ sandbox, repositoryCache: cache, specs: [fixtureEnvironmentSpec()], labels: testLabel });
    await provider.sandboxFor(fixture.instance('word-count')).image();
  }, 600_000);

  afterAll(async () => {
    await provider?.close();
    await sandbox?.close();
    await cache?.close();
    await fixture?.cleanup();
    if (directory) await fs.rm(directory, { recursive: true, force: true });
  });

  /** A rewarder of its own process: its own SQLite connection, its own in-memory caches. */
  async function inProcess<T>(use: (storage: SequenceStorage) => Promise<T>): Promise<T> {
    const storage = createSqliteSequenceStorage({ path: path.join(directory, 'runs.db') });
    try {
      return await use(storage);
    } finally {
      await storage.close();
    }
  }

  it("a second run whose candidates repeat the first's runs no test and gets the first's verdicts, marked as cache hits", async () => {
    const instance = fixture.instance('word-count');
    const instanceSandbox = provider.sandboxFor(instance);
    const fixtureCandidates = fixture.candidates(instance.instanceId).filter((candidate) => candidate.diff.trim() !== '');
    const candidates: Patch[] = fixtureCandidates.map((candidate) => ({ instanceId: instance.instanceId, diff: candidate.diff, metadata: { name: candidate.name } }));
    const limits = { goldTestTimeoutMs: 600_000, generatedTests: false };

    const usesBefore = instanceSandbox.statistics.uses;
    const first = await inProcess((storage) =>
      createRewarder({ storage, sandboxes: provider, verdictCache: createStorageVerdictCache(storage), ...limits }).rewardGeneration({ runId: 'run-1', instance, candidates }),
    );
    const usesOfFirst = instanceSandbox.statistics.uses - usesBefore;
    expect(usesOfFirst).toBe(candidates.length);
    expect(first.candidates.map((rewards) => rewards.verdictSource)).toEqual(candidates.map(() => 'sandbox'));
    expect(first.candidates.map((rewards) => rewards.verdict!.resolved)).toEqual(fixtureCandidates.map((candidate) => (candidate.expected.resolved ? 1 : 0)));

    // The second run: the same candidates, the gold one written without its `index` line (the same change).
    const gold = fixtureCandidates.findIndex((candidate) => candidate.name === 'gold');
    const repeated = candidates.map((candidate, index) => (index === gold ? { ...candidate, diff: candidate.diff.replace(/^index .*\n/m, '') } : candidate));
    expect(repeated[gold]!.diff).not.toBe(candidates[gold]!.diff);
    const second = await inProcess(async (storage) => {
      const outcome = await createRewarder({ storage, sandboxes: provider, verdictCache: createStorageVerdictCache(storage), ...limits }).rewardGeneration({
        runId: 'run-2',
        instance,
        candidates: repeated,
      });
      return {
        outcome,
        scorecard: await scorecardFromStorage(storage, 'run-2', { validity: false }),
        firstScorecard: await scorecardFromStorage(storage, 'run-1', { validity: false }),
      };
    });
    expect(instanceSandbox.statistics.uses - usesBefore).toBe(usesOfFirst);
    expect(second.outcome.candidates.map((rewards) => rewards.verdictSource)).toEqual(candidates.map(() => 'cache'));
    second.outcome.candidates.forEach((rewards, index) => {
      expect(rewards.verdict).toEqual(first.candidates[index]!.verdict);
      expect(rewards.verdictOrigin).toMatchObject({ runId: 'run-1', diffSha256: first.candidates[index]!.diffSha256, createdAt: expect.any(String) });
    });
    const resolvedRecords = second.outcome.records.filter((record) => record.name === 'resolved');
    expect(resolvedRecords.map((record) => [record.value, record.details.source, (record.details.cachedFrom as { runId: string }).runId])).toEqual(
      first.candidates.map((rewards) => [rewards.verdict!.resolved, 'cache', 'run-1']),
    );
    expect(second.firstScorecard.headline).toMatchObject({ verdictsComputed: candidates.length, verdictsReused: 0 });
    expect(second.scorecard.headline).toMatchObject({
      verdictsComputed: 0,
      verdictsReused: candidates.length,
      candidateResolved: second.firstScorecard.headline.candidateResolved,
    });

    // Selection takes the stored (cached) verdicts too: still no test run.
    await inProcess((storage) =>
      createRewarder({ storage, sandboxes: provider, verdictCache: createStorageVerdictCache(storage), ...limits }).rewardSelection({
        runId: 'run-2',
        instance,
        candidates: repeated,
        chosen: repeated[gold]!,
      }),
    );
    expect(instanceSandbox.statistics.uses - usesBefore).toBe(usesOfFirst);
  }, 1_800_000);

  it('an infrastructure failure is never cached: the next run tries again', async () => {
    const instance = fixture.instance('wrap-hang');
    const instanceSandbox = provider.sandboxFor(instance);
    // The no-fix candidate loops for ever, so its test run times out at any limit on any machine.
    const hanging = fixture.candidates(instance.instanceId).find((candidate) => candidate.name === 'no-fix')!;
    expect(hanging.expected.hangs).toBe(true);
    const candidates: Patch[] = [{ instanceId: instance.instanceId, diff: hanging.diff, metadata: {} }];
    const options = { sandboxes: provider, goldTestTimeoutMs: 8_000, generatedTests: false };
    const usesBefore = instanceSandbox.statistics.uses;
    for (const runId of ['hang-1', 'hang-2']) {
      const outcome = await inProcess((storage) =>
        createRewarder({ storage, verdictCache: createStorageVerdictCache(storage), ...options }).rewardGeneration({ runId, instance, candidates }),
      );
      expect(outcome.candidates[0]!.verdictSource).toBe('sandbox');
      expect(outcome.candidates[0]!.verdict!.infrastructureFailure?.kind).toBe('timeout');
    }
    expect(instanceSandbox.statistics.uses - usesBefore).toBe(2);
    await inProcess(async (storage) => {
      const key = verdictCacheKey(verdictCacheKeyParts(instance, instanceSandbox.spec, hanging.diff));
      expect(await storage.getCacheEntry(key)).toBeUndefined();
      expect((await scorecardFromStorage(storage, 'hang-2', { validity: false })).headline).toMatchObject({ verdictsComputed: 0, verdictsReused: 0 });
    });
  }, 1_800_000);
});
