import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withCallLabels } from '../call-labels/call-labels';
import { CodemonkeysError } from '../errors/codemonkeys-error';
import { SchemaValidationError } from '../errors/data-errors';
import type { ExperimentRecord, ExportRecord, ModelCallRecord, RunRecord, StageResultRecord } from '../storage/v1/records';
import type { MessageLogQuery, ModelCallQuery, RewardQuery, RunQuery, StageResultQuery, WorkStateQuery } from '../storage/v1/queries';
import type { SequenceStorage } from '../storage/v1/sequence-storage';
import type { InstanceLease, InstanceLeaseAcquisition, InstanceLeases } from '../storage/v1/instance-leases';
import { readAllPages } from '../storage/v1/storage-helpers';
import { formatExportLine, parseExportLine } from '../storage/v1/export-jsonl';
import type { SecretRedactorOptions } from '../storage/secret-redactor';

/** Options the suite passes to `create` (a backend passes them on to its constructor). */
export interface SequenceStorageCreateOptions {
  /** Secret detection for the redaction test; absent means the backend's default. */
  redaction?: SecretRedactorOptions;
  /**
   * The clock instance leases expire by (milliseconds since the epoch), for the lease cases; absent means
   * `Date.now`. A backend passes it on to its constructor (every handle on one store gets the same one).
   */
  clock?: () => number;
}

export interface SequenceStorageFactory {
  /** A fresh, empty storage. Called before every test (and again for export/import round trips). */
  create(options?: SequenceStorageCreateOptions): Promise<SequenceStorage>;
  /** Removes what `create` made (files, emulator data). */
  destroy?(storage: SequenceStorage): Promise<void>;
  /**
   * A second, independent handle on the same data as `storage` (a new connection or client), as a
   * resumed run or another process would open it. Without it, the resume and multi-writer tests use
   * `storage` itself. Handles it returns are closed by the suite, not destroyed.
   */
  reopen?(storage: SequenceStorage, options?: SequenceStorageCreateOptions): Promise<SequenceStorage>;
  /**
   * Whether the storage has instance leases (`storage.leases`); default true. A storage without them
   * sets false, and the lease cases check only that it declares none.
   */
  leases?: boolean;
  /**
   * Every byte the backend has stored for `storage` (database files, emulator documents), so that the
   * redaction test can search them for secrets. Called after `storage` is closed.
   */
  readStoredBytes?(storage: SequenceStorage): Promise<Uint8Array>;
}

const time = (second: number): string => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();

export const sampleExperiment = (id = 'exp-1'): ExperimentRecord => ({
  id,
  name: 'conformance',
  config: { dataset: 'lite', plugins: { localizer: 'embedding' } },
  configHash: 'hash-' + id,
  plugins: [{ stage: 'localize', name: '@codemonkeys/localizer-embedding', version: '0.1.0', specificationVersion: 'v1', options: { topK: 5 } }],
  createdAt: time(0),
});

export const sampleRun = (id = 'run-1', experimentId = 'exp-1', createdSecond = 1): RunRecord => ({
  id,
  experimentId,
  hypers: { temperature: 0.2 },
  status: 'running',
  createdAt: time(createdSecond),
  updatedAt: time(createdSecond),
  metadata: {},
});

export const sampleStageResult = (instanceId: string, stage: string, sample = 0, status: StageResultRecord['status'] = 'ok', runId = 'run-1'): StageResultRecord => ({
  runId,
  instanceId,
  stage,
  sample,
  status,
  output: { diff: `diff for ${instanceId}/${stage}/${sample}`, nested: { list: [1, 2, 3] } },
  startedAt: time(10),
  finishedAt: time(11 + sample),
  durationMs: 1000,
  metadata: {},
});

export const sampleModelCall = (index: number, overrides: Partial<ModelCallRecord> = {}): ModelCallRecord => ({
  id: `call-${String(index).padStart(5, '0')}`,
  experimentId: 'exp-1',
  runId: 'run-1',
  instanceId: `instance-${index % 3}`,
  stage: index % 2 === 0 ? 'localize' : 'generate',
  sample: 0,
  kind: 'chat',
  endpoint: 'http://127.0.0.1:1/v1',
  model: index % 4 === 0 ? 'model-b' : 'model-a',
  request: { messages: [{ role: 'user', content: `question ${index}` }], temperature: 0 },
  response: { choices: [{ index: 0, message: { role: 'assistant', content: `answer ${index}` }, finishReason: 'stop' }] },
  usage: { inputTokens: 10, outputTokens: 5, cacheReadTokens: 0, cacheWriteTokens: 0 },
  costUsd: 0.001,
  latencyMs: 20,
  cacheKey: `key-${index}`,
  cacheHit: index % 5 === 0,
  retries: 0,
  status: index % 7 === 0 ? 'error' : 'ok',
  ...(index % 7 === 0 ? { error: { name: 'ModelCallError', message: 'HTTP 500' } } : {}),
  createdAt: time(20 + index),
  ...overrides,
});

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/**
 * The SequenceStorage conformance suite. Every implementation runs it in a one-line test file:
 * `runSequenceStorageConformance('sqlite', { create: async () => createSqliteStorage(...) })`.
 */
export function runSequenceStorageConformance(name: string, factory: SequenceStorageFactory): void {
  describe(`SequenceStorage conformance: ${name}`, () => {
    let storage: SequenceStorage;
    /** Stores made with `factory.create` during a test: closed and destroyed after it. */
    const extra: SequenceStorage[] = [];
    /** Handles made with `factory.reopen`: closed (before the stores they share data with). */
    const handles: SequenceStorage[] = [];

    /** A second handle on `storage`'s data, or `storage` itself when the backend cannot open one. */
    const reopen = async (store: SequenceStorage, options?: SequenceStorageCreateOptions): Promise<SequenceStorage> => {
      if (!factory.reopen) return store;
      const handle = await factory.reopen(store, options);
      handles.push(handle);
      return handle;
    };

    beforeEach(async () => {
      storage = await factory.create();
    });
    afterEach(async () => {
      for (const handle of handles.splice(0)) await handle.close();
      for (const store of [storage, ...extra.splice(0)]) {
        await store.close();
        await factory.destroy?.(store);
      }
    });

    it('stores and reads experiments and runs, upserting by id', async () => {
      await storage.putExperiment(sampleExperiment());
      await storage.putExperiment({ ...sampleExperiment(), name: 'renamed' });
      expect(await storage.getExperiment('exp-1')).toEqual({ ...sampleExperiment(), name: 'renamed' });
      expect(await storage.getExperiment('missing')).toBeUndefined();
      expect((await storage.listExperiments()).map((experiment) => experiment.id)).toEqual(['exp-1']);

      await storage.putRun(sampleRun());
      await storage.putRun({ ...sampleRun(), status: 'completed', finishedAt: time(99) });
      expect(await storage.getRun('run-1')).toMatchObject({ status: 'completed', finishedAt: time(99), hypers: { temperature: 0.2 } });
      expect(await storage.getRun('missing')).toBeUndefined();
    });

    it('queries runs by experiment and status, ordered by creation', async () => {
      await storage.putExperiment(sampleExperiment());
      await storage.putExperiment(sampleExperiment('exp-2'));
      await storage.putRun(sampleRun('run-b', 'exp-1', 5));
      await storage.putRun(sampleRun('run-a', 'exp-1', 3));
      await storage.putRun({ ...sampleRun('run-c', 'exp-2', 4), status: 'failed' });
      expect((await storage.queryRuns({ experimentId: 'exp-1' })).items.map((run) => run.id)).toEqual(['run-a', 'run-b']);
      expect((await storage.queryRuns({ order: 'desc' })).items.map((run) => run.id)).toEqual(['run-b', 'run-c', 'run-a']);
      expect((await storage.queryRuns({ status: 'failed' })).items.map((run) => run.id)).toEqual(['run-c']);
      expect((await storage.queryRuns({ since: time(4), until: time(5) })).items.map((run) => run.id)).toEqual(['run-c']);
    });

    it('writes stage results idempotently by (run, instance, stage, sample)', async () => {
      await storage.putExperiment(sampleExperiment());
      await storage.putRun(sampleRun());
      await storage.putStageResults([sampleStageResult('a', 'generate', 0), sampleStageResult('a', 'generate', 1)]);
      await storage.putStageResults([{ ...sampleStageResult('a', 'generate', 0), status: 'failed', error: { name: 'Error', message: 'boom' } }]);
      const page = await storage.queryStageResults({ runId: 'run-1' });
      expect(page.items).toHaveLength(2);
      expect(await storage.getStageResult({ runId: 'run-1', instanceId: 'a', stage: 'generate', sample: 0 })).toMatchObject({
        status: 'failed',
        error: { message: 'boom' },
      });
      expect(await storage.getStageResult({ runId: 'run-1', instanceId: 'a', stage: 'generate', sample: 1 })).toEqual(sampleStageResult('a', 'generate', 1));
      expect(await storage.getStageResult({ runId: 'run-1', instanceId: 'a', stage: 'select' })).toBeUndefined();
    });

    it('filters, orders and paginates stage results', async () => {
      await storage.putExperiment(sampleExperiment());
      await storage.putRun(sampleRun());
      const records: StageResultRecord[] = [];
      for (const instanceId of ['c', 'a', 'b']) {
        for (const stage of ['localize', 'generate']) records.push(sampleStageResult(instanceId, stage, 0, instanceId === 'b' && stage === 'generate' ? 'failed' : 'ok'));
      }
      await storage.putStageResults(records);
      const all = await collect(readAllPages((query: StageResultQuery) => storage.queryStageResults(query), { runId: 'run-1' }, 2));
      expect(all.map((record) => `${record.instanceId}/${record.stage}`)).toEqual(['a/generate', 'a/localize', 'b/generate', 'b/localize', 'c/generate', 'c/localize']);
      const firstPage = await storage.queryStageResults({ runId: 'run-1', limit: 4 });
      expect(firstPage.items).toHaveLength(4);
      expect(firstPage.nextCursor).toBeTypeOf('string');
      const secondPage = await storage.queryStageResults({ runId: 'run-1', limit: 4, cursor: firstPage.nextCursor! });
      expect(secondPage.items.map((record) => `${record.instanceId}/${record.stage}`)).toEqual(['c/generate', 'c/localize']);
      expect(secondPage.nextCursor).toBeUndefined();
      expect((await storage.queryStageResults({ runId: 'run-1', stage: 'localize', order: 'desc' })).items.map((record) => record.instanceId)).toEqual(['c', 'b', 'a']);
      expect((await storage.queryStageResults({ runId: 'run-1', status: 'failed' })).items.map((record) => record.instanceId)).toEqual(['b']);
      expect((await storage.queryStageResults({ runId: 'run-1', instanceId: 'a' })).items).toHaveLength(2);
      expect((await storage.queryStageResults({ runId: 'other-run' })).items).toEqual([]);
    });

    it('stores rewards and message logs by key', async () => {
      await storage.putExperiment(sampleExperiment());
      await storage.putRun(sampleRun());
      const reward = { runId: 'run-1', instanceId: 'a', stage: 'localize', sample: 0, name: 'goldLineRecall', value: 0.5, details: { gold: 4 }, createdAt: time(30) };
      await storage.putRewards([reward, { ...reward, name: 'fileRecallAll', value: 1 }]);
      await storage.putRewards([{ ...reward, value: 0.75 }]);
      await storage.putRewards([{ ...reward, instanceId: 'b', value: null, details: { reason: 'no gold lines' } }]);
      const rewards = (await storage.queryRewards({ runId: 'run-1', instanceId: 'a' })).items;
      expect(rewards.map((record) => [record.name, record.value])).toEqual([
        ['fileRecallAll', 1],
        ['goldLineRecall', 0.75],
      ]);
      expect((await storage.queryRewards({ runId: 'run-1', name: 'goldLineRecall' })).items.map((record) => record.value)).toEqual([0.75, null]);

      await withCallLabels({ runId: 'run-1', stage: 'generate' }, () =>
        storage.writer('a').logMessages(
          [
            { role: 'user', content: 'fix it' },
            { role: 'assistant', content: 'done' },
          ],
          { sample: 2 },
        ),
      );
      await storage.writer('a', { runId: 'run-1', stage: 'generate', sample: 2 }).logMessages([{ role: 'user', content: 'fix it again' }]);
      const logs = (await storage.queryMessageLogs({ runId: 'run-1' })).items;
      expect(logs).toHaveLength(1);
      expect(logs[0]).toMatchObject({ instanceId: 'a', stage: 'generate', sample: 2, messages: [{ role: 'user', content: 'fix it again' }] });
    });

    it('queries model calls by every label, model, status and time range, ordered and paginated', async () => {
      const calls = Array.from({ length: 30 }, (_, index) => sampleModelCall(index));
      await storage.putModelCalls(calls.slice(0, 15));
      await storage.putModelCalls(calls.slice(10)); // overlap: upserts, no duplicates
      const all = await collect(readAllPages((query: ModelCallQuery) => storage.queryModelCalls(query), { runId: 'run-1' }, 7));
      expect(all.map((call) => call.id)).toEqual(calls.map((call) => call.id));
      expect(all[3]).toEqual(calls[3]);
      const newestFirst = await collect(readAllPages((query: ModelCallQuery) => storage.queryModelCalls(query), { runId: 'run-1', order: 'desc' }, 4));
      expect(newestFirst.map((call) => call.id)).toEqual(calls.map((call) => call.id).reverse());
      const expectIds = async (query: Parameters<SequenceStorage['queryModelCalls']>[0], predicate: (call: ModelCallRecord) => boolean) => {
        const found = await collect(readAllPages((query: ModelCallQuery) => storage.queryModelCalls(query), query, 5));
        expect(found.map((call) => call.id)).toEqual(calls.filter(predicate).map((call) => call.id));
      };
      await expectIds({ instanceId: 'instance-1' }, (call) => call.instanceId === 'instance-1');
      await expectIds({ runId: 'run-1', stage: 'localize', model: 'model-b' }, (call) => call.stage === 'localize' && call.model === 'model-b');
      await expectIds({ experimentId: 'exp-1', status: 'error' }, (call) => call.status === 'error');
      await expectIds({ runId: 'run-1', since: time(25), until: time(30) }, (call) => call.createdAt >= time(25) && call.createdAt < time(30));
      await expectIds({ runId: 'run-2' }, () => false);
    });

    it('keeps large records whole', async () => {
      const big = 'x'.repeat(1024 * 1024) + 'é'.repeat(300_000) + 'end';
      const call = sampleModelCall(1, { request: { messages: [{ role: 'user', content: big }] }, response: { text: big.slice(0, 500_000) } });
      await storage.putModelCalls([call]);
      const [stored] = (await storage.queryModelCalls({ runId: 'run-1' })).items;
      expect(stored).toEqual(call);
      await storage.putStageResults([{ ...sampleStageResult('a', 'generate'), output: { diff: big } }]);
      expect((await storage.getStageResult({ runId: 'run-1', instanceId: 'a', stage: 'generate' }))?.output).toEqual({ diff: big });
      await storage.putCacheEntries([{ key: 'big', value: { text: big }, createdAt: time(1) }]);
      expect((await storage.getCacheEntry('big'))?.value).toEqual({ text: big });
    });

    it('survives concurrent writers without losing or duplicating records', async () => {
      const calls = Array.from({ length: 200 }, (_, index) => sampleModelCall(index));
      await Promise.all(Array.from({ length: 10 }, (_, writer) => storage.putModelCalls(calls.filter((_, index) => index % 10 === writer))));
      await Promise.all(calls.slice(0, 50).map((call) => storage.putModelCalls([call])));
      await Promise.all(Array.from({ length: 20 }, (_, index) => storage.putStageResults([sampleStageResult(`i${index}`, 'generate')])));
      const stored = await collect(readAllPages((query: ModelCallQuery) => storage.queryModelCalls(query), { runId: 'run-1' }, 64));
      expect(stored).toHaveLength(200);
      expect(new Set(stored.map((call) => call.id)).size).toBe(200);
      expect((await storage.queryStageResults({ runId: 'run-1', limit: 1000 })).items).toHaveLength(20);
    });

    it('keeps a response cache and work state for resuming', async () => {
      expect(await storage.getCacheEntry('k1')).toBeUndefined();
      await storage.putCacheEntries([
        { key: 'k1', value: { choices: ['a'] }, createdAt: time(1) },
        { key: 'k2', value: [0.1, 0.2], createdAt: time(1) },
      ]);
      await storage.putCacheEntries([{ key: 'k1', value: { choices: ['b'] }, createdAt: time(2) }]);
      expect(await storage.getCacheEntry('k1')).toEqual({ key: 'k1', value: { choices: ['b'] }, createdAt: time(2) });
      expect((await storage.getCacheEntry('k2'))?.value).toEqual([0.1, 0.2]);

      expect(await storage.getWorkState('run-1', 'a', 'conversation/0')).toBeUndefined();
      await storage.putWorkState({ runId: 'run-1', instanceId: 'a', key: 'conversation/0', state: { step: 1 }, updatedAt: time(1) });
      await storage.putWorkState({ runId: 'run-1', instanceId: 'a', key: 'conversation/0', state: { step: 2 }, updatedAt: time(2) });
      expect(await storage.getWorkState('run-1', 'a', 'conversation/0')).toEqual({
        runId: 'run-1',
        instanceId: 'a',
        key: 'conversation/0',
        state: { step: 2 },
        updatedAt: time(2),
      });
    });

    it('summarizes a run', async () => {
      await storage.putExperiment(sampleExperiment());
      await storage.putRun(sampleRun());
      await storage.putStageResults([
        sampleStageResult('a', 'localize'),
        sampleStageResult('a', 'generate', 0),
        sampleStageResult('a', 'generate', 1, 'failed'),
        sampleStageResult('b', 'localize', 0, 'skipped'),
        sampleStageResult('z', 'localize', 0, 'ok', 'run-other'),
      ]);
      const calls = Array.from({ length: 14 }, (_, index) => sampleModelCall(index));
      await storage.putModelCalls([...calls, sampleModelCall(99, { runId: 'run-other' })]);
      const summary = await storage.summarizeRun('run-1');
      expect(summary.runId).toBe('run-1');
      expect(summary.instances).toBe(2);
      expect(summary.stageResults).toEqual({
        total: 4,
        ok: 2,
        failed: 1,
        skipped: 1,
        byStage: { localize: { ok: 1, failed: 0, skipped: 1 }, generate: { ok: 1, failed: 1, skipped: 0 } },
      });
      expect(summary.modelCalls).toEqual({ total: 14, errors: 2, cacheHits: 3 });
      expect(summary.usage).toEqual({ inputTokens: 140, outputTokens: 70, cacheReadTokens: 0, cacheWriteTokens: 0 });
      expect(summary.costUsd).toBeCloseTo(0.014, 10);
    });

    it('exports a run and imports it into another store exactly', async () => {
      await storage.putExperiment(sampleExperiment());
      await storage.putRun(sampleRun());
      await storage.putStageResults([sampleStageResult('a', 'localize'), sampleStageResult('a', 'generate', 3)]);
      await storage.putRewards([{ runId: 'run-1', instanceId: 'a', stage: 'localize', sample: 0, name: 'recall', value: 1, details: {}, createdAt: time(5) }]);
      await storage.putMessageLogs([{ runId: 'run-1', instanceId: 'a', stage: 'generate', sample: 3, messages: [{ role: 'user', content: 'hi' }], createdAt: time(6) }]);
      await storage.putModelCalls(Array.from({ length: 12 }, (_, index) => sampleModelCall(index)));
      const exported = await collect(storage.exportRun('run-1'));
      expect(exported[0]?.type).toBe('experiment');
      expect(exported.filter((entry) => entry.type === 'modelCall')).toHaveLength(12);

      const target = await factory.create();
      extra.push(target);
      const roundTrip: ExportRecord[] = JSON.parse(JSON.stringify(exported));
      expect(await target.importRecords(roundTrip)).toBe(exported.length);
      expect(await collect(target.exportRun('run-1'))).toEqual(exported);
      expect(await target.importRecords(roundTrip)).toBe(exported.length);
      expect(await collect(target.exportRun('run-1'))).toEqual(exported);
      expect(await target.summarizeRun('run-1')).toEqual(await storage.summarizeRun('run-1'));
      expect(await collect(storage.exportRun('missing-run'))).toEqual([]);
    });

    it('upserts every kind of record by its key, replacing the whole record', async () => {
      const call = sampleModelCall(1);
      await storage.putModelCalls([call]);
      const changed = { ...sampleModelCall(1, { status: 'error', error: { name: 'ModelCallError', message: 'HTTP 429' }, retries: 3 }) };
      delete (changed as Partial<ModelCallRecord>).response;
      await storage.putModelCalls([changed]);
      const stored = (await storage.queryModelCalls({ runId: 'run-1' })).items;
      expect(stored).toEqual([changed]);
      expect(stored[0]).not.toHaveProperty('response');

      const log = { runId: 'run-1', instanceId: 'a', stage: 'generate', sample: 0, messages: [{ role: 'user' as const, content: 'one' }], createdAt: time(1) };
      await storage.putMessageLogs([log, { ...log, sample: 1 }]);
      await storage.putMessageLogs([
        {
          ...log,
          messages: [
            { role: 'user', content: 'two' },
            { role: 'assistant', content: 'three' },
          ],
        },
      ]);
      const logs = (await storage.queryMessageLogs({ runId: 'run-1' })).items;
      expect(logs.map((record) => [record.sample, record.messages.length])).toEqual([
        [0, 2],
        [1, 1],
      ]);

      // The same records again, as a resumed run writes them: nothing changes, nothing is duplicated.
      await storage.putModelCalls([changed]);
      await storage.putMessageLogs([{ ...log, sample: 1 }]);
      expect((await storage.queryModelCalls({})).items).toHaveLength(1);
      expect((await storage.queryMessageLogs({ runId: 'run-1' })).items).toHaveLength(2);
    });

    it('validates records before writing and writes none of a batch with an invalid record', async () => {
      const invalid = { ...sampleModelCall(2), usage: { inputTokens: -1 } } as unknown as ModelCallRecord;
      const error = await storage.putModelCalls([sampleModelCall(1), invalid]).catch((caught: unknown) => caught);
      expect(SchemaValidationError.isInstance(error)).toBe(true);
      expect((error as Error).message).toContain('call-00002');
      expect((error as Error).message).toContain('usage.inputTokens');
      expect((await storage.queryModelCalls({})).items).toEqual([]);
      await expect(storage.putRun({ ...sampleRun(), status: 'exploded' } as unknown as RunRecord)).rejects.toThrow(/status/);
      expect(await storage.getRun('run-1')).toBeUndefined();
    });

    it('fills defaults and drops unknown fields the same way in every backend', async () => {
      const { sample: _sample, metadata: _metadata, ...withoutDefaults } = sampleStageResult('a', 'localize');
      await storage.putStageResults([{ ...withoutDefaults, unexpected: 'dropped' } as unknown as StageResultRecord]);
      const stored = await storage.getStageResult({ runId: 'run-1', instanceId: 'a', stage: 'localize' });
      expect(stored).toEqual(sampleStageResult('a', 'localize'));
      expect(stored).not.toHaveProperty('unexpected');
    });

    it('paginates runs, rewards, message logs and work states with keyset cursors in both orders', async () => {
      await storage.putExperiment(sampleExperiment());
      for (let index = 0; index < 7; index += 1) await storage.putRun(sampleRun(`run-${index}`, 'exp-1', 10 - index));
      const runsAscending = await collect(readAllPages((query: RunQuery) => storage.queryRuns(query), {}, 3));
      expect(runsAscending.map((run) => run.id)).toEqual(['run-6', 'run-5', 'run-4', 'run-3', 'run-2', 'run-1', 'run-0']);
      const runsDescending = await collect(readAllPages((query: RunQuery) => storage.queryRuns(query), { order: 'desc', experimentId: 'exp-1' }, 2));
      expect(runsDescending.map((run) => run.id)).toEqual(['run-0', 'run-1', 'run-2', 'run-3', 'run-4', 'run-5', 'run-6']);
      const firstTwo = await storage.queryRuns({ limit: 2 });
      expect(firstTwo.items.map((run) => run.id)).toEqual(['run-6', 'run-5']);
      // A run created while paging (older than the cursor) does not appear twice or shift the next page.
      await storage.putRun(sampleRun('run-early', 'exp-1', 1));
      expect((await storage.queryRuns({ limit: 2, cursor: firstTwo.nextCursor! })).items.map((run) => run.id)).toEqual(['run-4', 'run-3']);

      const rewards = ['a', 'b', 'c'].flatMap((instanceId) =>
        ['recall', 'precision'].map((name) => ({ runId: 'run-1', instanceId, stage: 'localize', sample: 0, name, value: 0.5, details: {}, createdAt: time(3) })),
      );
      await storage.putRewards(rewards);
      const rewardPages = await collect(readAllPages((query: RewardQuery) => storage.queryRewards(query), { runId: 'run-1', order: 'desc' }, 4));
      expect(rewardPages.map((record) => `${record.instanceId}/${record.name}`)).toEqual(['c/recall', 'c/precision', 'b/recall', 'b/precision', 'a/recall', 'a/precision']);
      expect((await storage.queryRewards({ runId: 'run-1', stage: 'generate' })).items).toEqual([]);

      const logs = Array.from({ length: 5 }, (_, sample) => ({
        runId: 'run-1',
        instanceId: 'a',
        stage: 'generate',
        sample,
        messages: [{ role: 'user' as const, content: `sample ${sample}` }],
        createdAt: time(4),
      }));
      await storage.putMessageLogs([...logs, { ...logs[0]!, stage: 'localize' }]);
      const logPages = await collect(readAllPages((query: MessageLogQuery) => storage.queryMessageLogs(query), { runId: 'run-1', stage: 'generate' }, 2));
      expect(logPages.map((record) => record.sample)).toEqual([0, 1, 2, 3, 4]);
      expect((await storage.queryMessageLogs({ runId: 'run-1', instanceId: 'b' })).items).toEqual([]);

      for (const instanceId of ['b', 'a']) {
        for (const key of ['conversation/1', 'conversation/0']) {
          await storage.putWorkState({ runId: 'run-1', instanceId, key, state: { instanceId, key }, updatedAt: time(5) });
        }
      }
      await storage.putWorkState({ runId: 'run-2', instanceId: 'a', key: 'conversation/0', state: {}, updatedAt: time(5) });
      const states = await collect(readAllPages((query: WorkStateQuery) => storage.queryWorkStates(query), { runId: 'run-1' }, 3));
      expect(states.map((record) => `${record.instanceId}/${record.key}`)).toEqual(['a/conversation/0', 'a/conversation/1', 'b/conversation/0', 'b/conversation/1']);
      expect((await storage.queryWorkStates({ runId: 'run-1', instanceId: 'b', order: 'desc' })).items.map((record) => record.key)).toEqual(['conversation/1', 'conversation/0']);
    });

    it('orders stage results by finish time when a time range is given, and pages back and forth', async () => {
      await storage.putStageResults([
        { ...sampleStageResult('a', 'generate', 0), finishedAt: time(40) },
        { ...sampleStageResult('b', 'generate', 0), finishedAt: time(30) },
        { ...sampleStageResult('c', 'generate', 0), finishedAt: time(35) },
        { ...sampleStageResult('d', 'generate', 0), finishedAt: time(50) },
      ]);
      const inRange = await collect(readAllPages((query: StageResultQuery) => storage.queryStageResults(query), { runId: 'run-1', since: time(30), until: time(50) }, 2));
      expect(inRange.map((record) => record.instanceId)).toEqual(['b', 'c', 'a']);
      const newestFirst = await collect(readAllPages((query: StageResultQuery) => storage.queryStageResults(query), { runId: 'run-1', since: time(0), order: 'desc' }, 3));
      expect(newestFirst.map((record) => record.instanceId)).toEqual(['d', 'a', 'c', 'b']);
      const byKeyDescending = await collect(readAllPages((query: StageResultQuery) => storage.queryStageResults(query), { runId: 'run-1', order: 'desc' }, 3));
      expect(byKeyDescending.map((record) => record.instanceId)).toEqual(['d', 'c', 'b', 'a']);
    });

    it('orders text keys by Unicode code point, as SQLite and Firestore do', async () => {
      // JavaScript's default order (UTF-16 units) puts the emoji before the full-width letter.
      const instanceIds = ['\u{1F600}', 'b', '\uFF21', 'a-b', 'a', '\u00E9'];
      await storage.putStageResults(instanceIds.map((instanceId) => sampleStageResult(instanceId, 'localize')));
      const all = await collect(readAllPages((query: StageResultQuery) => storage.queryStageResults(query), { runId: 'run-1' }, 4));
      expect(all.map((record) => record.instanceId)).toEqual(['a', 'a-b', 'b', '\u00E9', '\uFF21', '\u{1F600}']);
    });

    it('refuses bad page requests and cursors from another query with a clear error', async () => {
      await storage.putModelCalls(Array.from({ length: 3 }, (_, index) => sampleModelCall(index)));
      await expect(storage.queryModelCalls({ limit: 0 })).rejects.toThrow(/limit/);
      await expect(storage.queryModelCalls({ limit: 100_000 })).rejects.toThrow(/limit/);
      await expect(storage.queryModelCalls({ cursor: 'not-a-cursor' })).rejects.toThrow(/cursor/);
      const stagePage = await (async () => {
        await storage.putStageResults([sampleStageResult('a', 'x'), sampleStageResult('b', 'x')]);
        return storage.queryStageResults({ runId: 'run-1', limit: 1 });
      })();
      const error = await storage.queryModelCalls({ cursor: stagePage.nextCursor! }).catch((caught: unknown) => caught);
      expect(CodemonkeysError.isInstance(error)).toBe(true);
      expect((error as Error).message).toMatch(/cursor/);
    });

    it('keeps large records whole when they grow, shrink and grow again', async () => {
      const big = (fill: string): string => `${fill.repeat(700_000)}\u{1F600}${'\u00E9'.repeat(400_000)}|${fill}`;
      const log = {
        runId: 'run-1',
        instanceId: 'a',
        stage: 'generate',
        sample: 0,
        messages: [
          { role: 'user' as const, content: big('a') },
          { role: 'assistant' as const, content: big('b') },
        ],
        createdAt: time(1),
      };
      await storage.putMessageLogs([log]);
      expect((await storage.queryMessageLogs({ runId: 'run-1' })).items).toEqual([log]);
      const small = { ...log, messages: [{ role: 'user' as const, content: 'short' }] };
      await storage.putMessageLogs([small]);
      expect((await storage.queryMessageLogs({ runId: 'run-1' })).items).toEqual([small]);
      const bigAgain = { ...log, messages: [{ role: 'user' as const, content: big('c') }] };
      await storage.putMessageLogs([bigAgain]);
      expect((await storage.queryMessageLogs({ runId: 'run-1' })).items).toEqual([bigAgain]);

      await storage.putWorkState({ runId: 'run-1', instanceId: 'a', key: 'transcript', state: { text: big('d') }, updatedAt: time(2) });
      expect((await storage.getWorkState('run-1', 'a', 'transcript'))?.state).toEqual({ text: big('d') });
      // Several large records in one batch, and their neighbours.
      const calls = [1, 2, 3].map((index) => sampleModelCall(index, { response: { text: big(String(index)) } }));
      await storage.putModelCalls([sampleModelCall(0), ...calls, sampleModelCall(4)]);
      const stored = await collect(readAllPages((query: ModelCallQuery) => storage.queryModelCalls(query), { runId: 'run-1' }, 2));
      expect(stored).toEqual([sampleModelCall(0), ...calls, sampleModelCall(4)]);
    });

    it('keeps every record when two handles write the same store at once', async () => {
      const second = await reopen(storage);
      const calls = Array.from({ length: 120 }, (_, index) => sampleModelCall(index));
      const results = Array.from({ length: 40 }, (_, index) => sampleStageResult(`i${String(index).padStart(2, '0')}`, 'generate'));
      // Overlapping halves, written in small interleaved batches from both handles.
      await Promise.all([
        (async () => {
          for (let start = 0; start < 80; start += 8) await storage.putModelCalls(calls.slice(start, start + 8));
          for (const result of results.slice(0, 25)) await storage.putStageResults([result]);
        })(),
        (async () => {
          for (let start = 40; start < 120; start += 8) await second.putModelCalls(calls.slice(start, start + 8));
          for (const result of results.slice(15)) await second.putStageResults([result]);
        })(),
      ]);
      for (const reader of [storage, second]) {
        const stored = await collect(readAllPages((query: ModelCallQuery) => reader.queryModelCalls(query), { runId: 'run-1' }, 50));
        expect(stored).toEqual(calls);
        const storedResults = await collect(readAllPages((query: StageResultQuery) => reader.queryStageResults(query), { runId: 'run-1' }, 50));
        expect(storedResults).toEqual(results);
      }
    });

    it('resumes a run: what was done is found, what was in progress continues, redone work is not duplicated', async () => {
      await storage.putExperiment(sampleExperiment());
      await storage.putRun(sampleRun());
      // The first attempt: instances a and b finished localization, b started generating, then the process died.
      await storage.putStageResults([sampleStageResult('a', 'localize'), sampleStageResult('b', 'localize')]);
      await storage.putModelCalls([sampleModelCall(1, { instanceId: 'b', stage: 'generate' }), sampleModelCall(2, { instanceId: 'b', stage: 'generate' })]);
      await storage.putWorkState({ runId: 'run-1', instanceId: 'b', key: 'generate/0', state: { step: 2, messages: ['m1', 'm2'] }, updatedAt: time(5) });
      await storage.putCacheEntries([{ key: 'response-of-call-1', value: { text: 'cached' }, createdAt: time(5) }]);

      // The resumed attempt opens the store afresh.
      const resumed = await reopen(storage);
      const done = await collect(readAllPages((query: StageResultQuery) => resumed.queryStageResults(query), { runId: 'run-1', status: 'ok' }));
      expect(done.map((record) => `${record.instanceId}/${record.stage}`)).toEqual(['a/localize', 'b/localize']);
      const inProgress = await collect(readAllPages((query: WorkStateQuery) => resumed.queryWorkStates(query), { runId: 'run-1' }));
      expect(inProgress).toEqual([{ runId: 'run-1', instanceId: 'b', key: 'generate/0', state: { step: 2, messages: ['m1', 'm2'] }, updatedAt: time(5) }]);
      expect((await resumed.getCacheEntry('response-of-call-1'))?.value).toEqual({ text: 'cached' });

      // It redoes b's generation (same deterministic call ids), finishes, and marks the run completed.
      await resumed.putModelCalls([
        sampleModelCall(1, { instanceId: 'b', stage: 'generate' }),
        sampleModelCall(2, { instanceId: 'b', stage: 'generate' }),
        sampleModelCall(3, { instanceId: 'b', stage: 'generate' }),
      ]);
      await resumed.putWorkState({ runId: 'run-1', instanceId: 'b', key: 'generate/0', state: { step: 3, done: true }, updatedAt: time(6) });
      await resumed.putStageResults([sampleStageResult('b', 'localize'), sampleStageResult('b', 'generate')]);
      await resumed.putRun({ ...sampleRun(), status: 'completed', finishedAt: time(7), updatedAt: time(7) });

      const summary = await storage.summarizeRun('run-1');
      expect(summary.stageResults.total).toBe(3);
      expect(summary.modelCalls.total).toBe(3);
      expect((await storage.getRun('run-1'))?.status).toBe('completed');
      expect((await storage.getWorkState('run-1', 'b', 'generate/0'))?.state).toEqual({ step: 3, done: true });
    });

    it('redacts secrets before anything is written', async () => {
      const configured = 'value-of-a-configured-secret-7f3a9c';
      const openAiKey = 'sk-proj-' + 'A1b2C3d4E5f6G7h8I9j0'.repeat(2);
      const bearer = 'eyJhbGciOiJIUzI1NiJ9.conformance-bearer-token';
      const googleKey = 'AIza' + 'Sy0123456789abcdefghijklmnopqrstuvw';
      const secrets = [configured, openAiKey, bearer, googleKey];
      const secretStore = await factory.create({
        redaction: { secretEnvironmentVariables: ['CONFORMANCE_ENDPOINT_CREDENTIAL'], environment: { CONFORMANCE_ENDPOINT_CREDENTIAL: configured } },
      });
      extra.push(secretStore);
      const call = sampleModelCall(1, {
        request: {
          headers: { Authorization: `Bearer ${bearer}`, 'x-api-key': openAiKey },
          apiKey: openAiKey,
          url: `http://127.0.0.1:1/v1/models?key=${googleKey}`,
          messages: [{ role: 'user', content: `my key is ${configured}, please keep it` }],
        },
        response: { text: `echo: ${openAiKey}` },
        error: { name: 'ModelCallError', message: `401 for key ${googleKey}` },
      });
      const bigWithSecret = `${'x'.repeat(1_200_000)} ${configured} ${'y'.repeat(10)}`;
      await secretStore.putExperiment({ ...sampleExperiment(), config: { model: { endpoint: 'http://127.0.0.1:1/v1', apiKey: openAiKey } } });
      await secretStore.putRun({ ...sampleRun(), metadata: { command: `codemonkeys run --header "Authorization: Bearer ${bearer}"` } });
      await secretStore.putModelCalls([call]);
      await secretStore.putMessageLogs([
        { runId: 'run-1', instanceId: 'a', stage: 'generate', sample: 0, messages: [{ role: 'user', content: bigWithSecret }], createdAt: time(1) },
      ]);
      await secretStore.putCacheEntries([{ key: 'k', value: { text: `cached ${openAiKey}` }, createdAt: time(1) }]);
      await secretStore.putWorkState({ runId: 'run-1', instanceId: 'a', key: 'w', state: { env: { OPENAI_API_KEY: openAiKey } }, updatedAt: time(1) });

      const readBack = JSON.stringify([await collect(secretStore.exportRun('run-1')), await secretStore.getCacheEntry('k'), await secretStore.getWorkState('run-1', 'a', 'w')]);
      for (const secret of secrets) expect(readBack).not.toContain(secret);
      expect(readBack).toContain('[REDACTED:CONFORMANCE_ENDPOINT_CREDENTIAL]');
      expect(readBack).toContain('sk-[REDACTED]');
      // What is not a secret stays: the rest of the message, the endpoint, the model.
      expect(readBack).toContain('please keep it');
      expect(readBack).toContain('http://127.0.0.1:1/v1');

      if (factory.readStoredBytes) {
        await secretStore.close();
        const bytes = Buffer.from(await factory.readStoredBytes(secretStore));
        expect(bytes.includes('please keep it')).toBe(true); // the search below looks at real data
        for (const secret of secrets) expect(bytes.includes(secret), `stored bytes contain ${secret}`).toBe(false);
      }
    });

    it('round-trips an export through JSONL text into a store that already holds part of the run', async () => {
      await storage.putExperiment(sampleExperiment());
      await storage.putRun({
        ...sampleRun(),
        status: 'completed',
        startedAt: time(1),
        finishedAt: time(90),
        metadata: { host: 'a', nested: { list: [1, 'two', null, { deep: true }] } },
      });
      await storage.putStageResults([
        sampleStageResult('a', 'localize'),
        { ...sampleStageResult('b', 'generate', 1, 'failed'), error: { name: 'SandboxTimeoutError', message: 'timed out' } },
      ]);
      await storage.putRewards([
        { runId: 'run-1', instanceId: 'a', stage: 'localize', sample: 0, name: 'recall', value: null, details: { reason: 'no gold lines' }, createdAt: time(5) },
      ]);
      await storage.putMessageLogs([
        {
          runId: 'run-1',
          instanceId: 'b',
          stage: 'generate',
          sample: 1,
          messages: [
            { role: 'assistant', content: 'ünïcödé \u{1F600} "quoted"\n', toolCalls: [{ id: 't1', type: 'function', function: { name: 'edit', arguments: '{"path":"a.py"}' } }] },
          ],
          createdAt: time(6),
        },
      ]);
      await storage.putModelCalls(Array.from({ length: 9 }, (_, index) => sampleModelCall(index, { costUsd: 0.1 + index / 3 })));
      await storage.putWorkState({ runId: 'run-1', instanceId: 'b', key: 'generate/1', state: { step: 4 }, updatedAt: time(7) });
      const exported = await collect(storage.exportRun('run-1'));
      expect(exported.map((entry) => entry.type)).toEqual([
        'experiment',
        'run',
        'stageResult',
        'stageResult',
        'reward',
        'messageLog',
        ...Array.from({ length: 9 }, () => 'modelCall' as const),
        'workState',
      ]);
      const text = exported.map(formatExportLine).join('\n') + '\n';

      const target = await factory.create();
      extra.push(target);
      await target.putExperiment(sampleExperiment());
      await target.putModelCalls([sampleModelCall(3, { costUsd: 0.1 + 3 / 3 })]);
      const parsed = text
        .split('\n')
        .map((line, index) => parseExportLine(line, { file: 'run.jsonl', line: index + 1 }))
        .filter((entry): entry is ExportRecord => entry !== undefined);
      expect(await target.importRecords(parsed)).toBe(exported.length);
      const reExported = (await collect(target.exportRun('run-1'))).map(formatExportLine).join('\n') + '\n';
      expect(reExported).toBe(text);
      expect(await target.summarizeRun('run-1')).toEqual(await storage.summarizeRun('run-1'));
      expect(() => parseExportLine('{"type":"modelCall","record":{"id":"x"}}', { file: 'run.jsonl', line: 7 })).toThrow(/run\.jsonl:7/);
    });

    it('logs messages through writer() only inside a run', async () => {
      await expect(storage.writer('a').logMessages([{ role: 'user', content: 'x' }])).rejects.toThrow(/no run is in scope/);
      await storage.writer('a', { runId: 'run-1' }).logMessages([{ role: 'user', content: 'x' }]);
      expect((await storage.queryMessageLogs({ runId: 'run-1', stage: 'experiment' })).items).toHaveLength(1);
    });

    describe('instance leases (one writer per run and instance)', () => {
      /** A clock the test moves; leases expire by it. */
      let now = Date.UTC(2026, 0, 1, 12, 0, 0);
      const clock = (): number => now;
      const at = (milliseconds: number): string => new Date(milliseconds).toISOString();
      const key = { runId: 'run-1', instanceId: 'django__django-11099' };
      /** A store with the test's clock and its leases. */
      const leasedStore = async (): Promise<{ store: SequenceStorage; leases: InstanceLeases }> => {
        now = Date.UTC(2026, 0, 1, 12, 0, 0);
        const store = await factory.create({ clock });
        extra.push(store);
        expect(store.leases, `${name} declares instance leases`).toBeDefined();
        expect(store.leases!.specificationVersion).toBe('v1');
        return { store, leases: store.leases! };
      };
      const acquired = (result: InstanceLeaseAcquisition): InstanceLease => {
        expect(result.status).toBe('acquired');
        return (result as Extract<InstanceLeaseAcquisition, { status: 'acquired' }>).lease;
      };

      if (factory.leases === false) {
        it('declares none (one writer per run is not enforced by this storage)', () => {
          expect(storage.leases).toBeUndefined();
        });
        return;
      }

      it('acquires a free lease; another holder finds it held until it is released, then takes it', async () => {
        const { leases } = await leasedStore();
        expect(await leases.inspect(key)).toBeUndefined();
        const first = acquired(await leases.acquire({ ...key, holder: 'host-a:1', durationMs: 60_000 }));
        expect(first).toMatchObject({ ...key, holder: 'host-a:1', acquiredAt: at(now), expiresAt: at(now + 60_000) });
        expect(first.token).toEqual(expect.any(String));
        expect(await leases.inspect(key)).toMatchObject({ ...first, generation: 1 });
        // Held: not even its own holder name gets it twice (a token is one acquisition).
        for (const holder of ['host-b:2', 'host-a:1']) {
          expect(await leases.acquire({ ...key, holder, durationMs: 60_000 })).toEqual({ status: 'held', holder: 'host-a:1', expiresAt: at(now + 60_000) });
        }
        now += 1_000;
        expect(await leases.release(first)).toEqual({ status: 'released' });
        expect(await leases.inspect(key)).toMatchObject({ holder: 'host-a:1', releasedAt: at(now) });
        const second = await leases.acquire({ ...key, holder: 'host-b:2', durationMs: 30_000 });
        // Taking a released lease is no take-over.
        expect(second).toEqual({ status: 'acquired', lease: expect.objectContaining({ holder: 'host-b:2', expiresAt: at(now + 30_000) }) });
        expect(acquired(second).token).not.toBe(first.token);
        expect((await leases.inspect(key))?.generation).toBe(2);
        // The first holder's lease is gone: it can neither renew nor release the new one.
        expect(await leases.renew(first, 60_000)).toMatchObject({ status: 'lost', reason: 'taken-over', holder: 'host-b:2' });
        expect(await leases.release(first)).toMatchObject({ status: 'lost', reason: 'taken-over', holder: 'host-b:2' });
        expect(await leases.inspect(key)).toMatchObject({ holder: 'host-b:2', token: acquired(second).token });
        expect((await leases.inspect(key))?.releasedAt).toBeUndefined();
      });

      it("expires at expiresAt: a dead holder's lease is taken over, and the old holder can neither renew nor release it", async () => {
        const { leases } = await leasedStore();
        const started = now;
        const dead = acquired(await leases.acquire({ ...key, holder: 'dead-holder', durationMs: 1_000 }));
        now = started + 999;
        expect(await leases.acquire({ ...key, holder: 'live-holder', durationMs: 1_000 })).toEqual({ status: 'held', holder: 'dead-holder', expiresAt: at(started + 1_000) });
        now = started + 1_000;
        const takeOver = await leases.acquire({ ...key, holder: 'live-holder', durationMs: 5_000 });
        expect(takeOver).toEqual({
          status: 'acquired',
          lease: expect.objectContaining({ holder: 'live-holder', acquiredAt: at(started + 1_000), expiresAt: at(started + 6_000) }),
          tookOver: { holder: 'dead-holder', expiredAt: at(started + 1_000) },
        });
        expect(await leases.renew(dead, 1_000)).toEqual({ status: 'lost', reason: 'taken-over', holder: 'live-holder' });
        expect(await leases.release(dead)).toEqual({ status: 'lost', reason: 'taken-over', holder: 'live-holder' });
        expect(await leases.acquire({ ...key, holder: 'dead-holder', durationMs: 1_000 })).toEqual({ status: 'held', holder: 'live-holder', expiresAt: at(started + 6_000) });
        expect(await leases.inspect(key)).toMatchObject({ holder: 'live-holder', generation: 2 });
      });

      it('renewal moves the expiry forward; an expired lease is not renewed even if no one took it, but can be acquired again', async () => {
        const { leases } = await leasedStore();
        const started = now;
        const lease = acquired(await leases.acquire({ ...key, holder: 'a', durationMs: 1_000 }));
        now = started + 600;
        const renewed = await leases.renew(lease, 1_000);
        expect(renewed).toEqual({ status: 'renewed', lease: { ...lease, expiresAt: at(started + 1_600) } });
        now = started + 1_200; // past the first expiry, before the renewed one
        expect(await leases.acquire({ ...key, holder: 'b', durationMs: 1_000 })).toEqual({ status: 'held', holder: 'a', expiresAt: at(started + 1_600) });
        // A renewal result is the lease to present next; presenting the older copy works too (same token).
        const again = await leases.renew(lease, 2_000);
        expect(again).toMatchObject({ status: 'renewed', lease: { expiresAt: at(started + 3_200) } });
        now = started + 3_200;
        expect(await leases.renew(lease, 1_000)).toEqual({ status: 'lost', reason: 'expired' });
        // Expired and not taken over: its holder may still release it, or acquire it afresh.
        const fresh = acquired(await leases.acquire({ ...key, holder: 'a', durationMs: 1_000 }));
        expect(fresh.token).not.toBe(lease.token);
        expect(await leases.release(fresh)).toEqual({ status: 'released' });
        expect(await leases.renew(fresh, 1_000)).toEqual({ status: 'lost', reason: 'released' });
        expect(await leases.release(fresh)).toEqual({ status: 'lost', reason: 'released' });
      });

      it('grants a free lease, and an expired one, to exactly one of many concurrent acquirers on separate handles', async () => {
        const { store } = await leasedStore();
        const handles = [store, ...(await Promise.all(Array.from({ length: 5 }, () => reopen(store, { clock }))))];
        const race = async (round: string): Promise<InstanceLeaseAcquisition[]> =>
          Promise.all(handles.flatMap((handle, index) => [1, 2].map((attempt) => handle.leases!.acquire({ ...key, holder: `${round}-${index}-${attempt}`, durationMs: 10_000 }))));
        const first = await race('free');
        const winners = first.filter((result) => result.status === 'acquired');
        expect(winners).toHaveLength(1);
        const winner = acquired(winners[0]!);
        for (const result of first) if (result.status === 'held') expect(result).toEqual({ status: 'held', holder: winner.holder, expiresAt: winner.expiresAt });
        for (const handle of handles) expect((await handle.leases!.inspect(key))?.token).toBe(winner.token);

        now += 10_000; // the winner died: its lease expired
        const second = await race('expired');
        const takers = second.filter((result): result is Extract<InstanceLeaseAcquisition, { status: 'acquired' }> => result.status === 'acquired');
        expect(takers).toHaveLength(1);
        expect(takers[0]!.tookOver).toEqual({ holder: winner.holder, expiredAt: winner.expiresAt });
        expect(await handles[3]!.leases!.renew(winner, 10_000)).toMatchObject({ status: 'lost', reason: 'taken-over' });
        expect(await handles[2]!.leases!.inspect(key)).toMatchObject({ holder: takers[0]!.lease.holder, generation: 2 });
      });

      it('keeps one lease per (run, instance), seen by every handle, and refuses bad requests naming the lease', async () => {
        const { store, leases } = await leasedStore();
        const other = await reopen(store, { clock });
        const a = acquired(await leases.acquire({ runId: 'run-1', instanceId: 'a', holder: 'p1', durationMs: 1_000 }));
        acquired(await other.leases!.acquire({ runId: 'run-1', instanceId: 'b', holder: 'p2', durationMs: 1_000 }));
        acquired(await other.leases!.acquire({ runId: 'run-2', instanceId: 'a', holder: 'p2', durationMs: 1_000 }));
        // Keys are compared whole: no prefix or separator confusion.
        acquired(await other.leases!.acquire({ runId: 'run-1|a', instanceId: 'b', holder: 'p2', durationMs: 1_000 }));
        acquired(await other.leases!.acquire({ runId: 'run', instanceId: '1|a', holder: 'p2', durationMs: 1_000 }));
        expect(await other.leases!.acquire({ runId: 'run-1', instanceId: 'a', holder: 'p2', durationMs: 1_000 })).toMatchObject({ status: 'held', holder: 'p1' });
        expect(await other.leases!.inspect({ runId: 'run-1', instanceId: 'a' })).toMatchObject({ token: a.token });
        expect(await other.leases!.inspect({ runId: 'run-3', instanceId: 'a' })).toBeUndefined();
        await expect(leases.acquire({ runId: 'run-1', instanceId: 'c', holder: 'p1', durationMs: 0 })).rejects.toThrow(/lease request of run-1\/c/);
        await expect(leases.acquire({ runId: '', instanceId: 'c', holder: 'p1', durationMs: 1_000 })).rejects.toThrow(SchemaValidationError);
        await expect(leases.renew(a, -5)).rejects.toThrow(/renewal duration/);
        await expect(leases.renew({ ...a, token: '' }, 1_000)).rejects.toThrow(/lease of run-1\/a/);
        // Leases are not records of the run: they are not exported.
        expect((await collect(store.exportRun('run-1'))).length).toBe(0);
        const closing = await factory.create({ clock });
        extra.push(closing);
        await closing.close();
        await expect(closing.leases!.acquire({ ...key, holder: 'p', durationMs: 1_000 })).rejects.toThrow(/closed/);
      });
    });

    it('refuses to be used after close, and closes twice quietly', async () => {
      const store = await factory.create();
      extra.push(store);
      await store.putRun(sampleRun());
      await store.close();
      await store.close();
      await expect(store.getRun('run-1')).rejects.toThrow(/closed/);
      await expect(store.putRun(sampleRun())).rejects.toThrow(/closed/);
    });
  });
}
