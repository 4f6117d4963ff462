import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withCallLabels } from '../call-labels/call-labels';
import type { ExperimentRecord, ExportRecord, ModelCallRecord, RunRecord, StageResultRecord } from '../storage/v1/records';
import type { ModelCallQuery, StageResultQuery } from '../storage/v1/queries';
import type { SequenceStorage } from '../storage/v1/sequence-storage';
import { readAllPages } from '../storage/v1/storage-helpers';

export interface SequenceStorageFactory {
  /** A fresh, empty storage. Called before every test (and twice for export/import round trips). */
  create(): Promise<SequenceStorage>;
  /** Removes what `create` made (files, emulator data). */
  destroy?(storage: SequenceStorage): Promise<void>;
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
    const extra: SequenceStorage[] = [];

    beforeEach(async () => {
      storage = await factory.create();
    });
    afterEach(async () => {
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
      expect(rewards.map((record) => [record.name, record.value])).toEqual([['fileRecallAll', 1], ['goldLineRecall', 0.75]]);
      expect((await storage.queryRewards({ runId: 'run-1', name: 'goldLineRecall' })).items.map((record) => record.value)).toEqual([0.75, null]);

      await withCallLabels({ runId: 'run-1', stage: 'generate' }, () =>
        storage.writer('a').logMessages([{ role: 'user', content: 'fix it' }, { role: 'assistant', content: 'done' }], { sample: 2 }),
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
      await Promise.all(
        Array.from({ length: 10 }, (_, writer) => storage.putModelCalls(calls.filter((_, index) => index % 10 === writer))),
      );
      await Promise.all(calls.slice(0, 50).map((call) => storage.putModelCalls([call])));
      await Promise.all(
        Array.from({ length: 20 }, (_, index) => storage.putStageResults([sampleStageResult(`i${index}`, 'generate')])),
      );
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
      expect(await storage.getWorkState('run-1', 'a', 'conversation/0')).toEqual({ runId: 'run-1', instanceId: 'a', key: 'conversation/0', state: { step: 2 }, updatedAt: time(2) });
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
  });
}
