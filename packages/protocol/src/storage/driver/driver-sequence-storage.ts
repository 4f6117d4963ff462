import { CodemonkeysError } from '../../errors/codemonkeys-error';
import { StorageError } from '../../errors/capability-errors';
import { createInstanceLeases, type InstanceLeases, type InstanceLeaseStore } from '../v1/instance-leases';
import { encodeCursor } from '../v1/page-cursor';
import { resolvePageRequest } from '../v1/page-request';
import type { MessageLogQuery, ModelCallQuery, Page, PageRequest, RewardQuery, RunQuery, RunSummary, StageResultQuery, TimeRange, WorkStateQuery } from '../v1/queries';
import type {
  CacheEntry,
  ExperimentRecord,
  ExportRecord,
  MessageLogRecord,
  ModelCallRecord,
  RewardRecord,
  RunRecord,
  StageKey,
  StageResultRecord,
  WorkStateRecord,
} from '../v1/records';
import { emptyRunSummary, roundCostUsd } from '../v1/run-summary';
import type { SequenceStorage, SequenceWriter, StorageCapabilities } from '../v1/sequence-storage';
import { createSequenceWriter, exportRunRecords, importExportRecords, readAllPages } from '../v1/storage-helpers';
import type { SecretRedactor, SecretRedactorOptions } from '../secret-redactor';
import { createStorageRecordCodec, type StorageRecordCodec, type StorageRecordKind, type StorageRecordOf } from '../storage-record-codec';
import { orderNamed, recordCatalogue, runInstancesCollection, runStagesCollection, type CatalogueEntry } from './sequence-storage-collections';
import type { IndexValue, StorageDriver, StorageDriverWrite } from './storage-driver';

export interface SequenceStorageOptions {
  /** How secrets are found before records are written; defaults to `createSecretRedactor()` over `process.env`. */
  redaction?: SecretRedactorOptions | SecretRedactor;
  /** The clock instance leases expire by (milliseconds since the epoch); default `Date.now`. */
  clock?: () => number;
}

type Filters = Record<string, IndexValue | undefined>;

const definedFilters = (filters: Filters): Record<string, IndexValue> =>
  Object.fromEntries(Object.entries(filters).filter((entry): entry is [string, IndexValue] => entry[1] !== undefined));

const stageStatuses = ['ok', 'failed', 'skipped'] as const;

/**
 * The SequenceStorage over a driver: the record catalogue and every typed query, once. Records are
 * validated and redacted on the way in and validated on the way out (one codec, so every backend stores
 * the same text), queries page with keyset cursors that name their collection and order, and run
 * summaries are counts and sums the driver computes.
 */
export class DriverSequenceStorage<Driver extends StorageDriver = StorageDriver> implements SequenceStorage {
  readonly specificationVersion = 'v1' as const;
  readonly name: string;
  readonly capabilities: StorageCapabilities;
  readonly leases?: InstanceLeases;

  protected readonly driver: Driver;
  private readonly codec: StorageRecordCodec;
  private closed = false;

  constructor(driver: Driver, options: SequenceStorageOptions = {}) {
    this.driver = driver;
    this.name = driver.name;
    this.capabilities = driver.capabilities;
    this.codec = createStorageRecordCodec({ backend: driver.name, ...(options.redaction ? { redaction: options.redaction } : {}) });
    const store = driver.leases;
    if (store) {
      const open: InstanceLeaseStore = {
        update: async (key, decide) => {
          this.assertOpen();
          return store.update(key, decide);
        },
        read: async (key) => {
          this.assertOpen();
          return store.read(key);
        },
      };
      this.leases = createInstanceLeases(open, { backend: driver.name, ...(options.clock ? { clock: options.clock } : {}) });
    }
  }

  async putExperiment(record: ExperimentRecord): Promise<void> {
    await this.put('experiment', [record]);
  }
  getExperiment(id: string): Promise<ExperimentRecord | undefined> {
    return this.getOne('experiment', [id]);
  }
  async listExperiments(): Promise<ExperimentRecord[]> {
    const experiments: ExperimentRecord[] = [];
    for await (const record of readAllPages((request: PageRequest) => this.page('experiment', 'order', {}, request), {})) experiments.push(record);
    return experiments;
  }

  async putRun(record: RunRecord): Promise<void> {
    await this.put('run', [record]);
  }
  getRun(id: string): Promise<RunRecord | undefined> {
    return this.getOne('run', [id]);
  }
  queryRuns(query: RunQuery = {}): Promise<Page<RunRecord>> {
    return this.page('run', 'order', { experimentId: query.experimentId, status: query.status }, query);
  }

  async putStageResults(records: readonly StageResultRecord[]): Promise<void> {
    await this.put('stageResult', records);
  }
  getStageResult(key: StageKey): Promise<StageResultRecord | undefined> {
    return this.getOne('stageResult', [key.runId, key.instanceId, key.stage, key.sample ?? 0]);
  }
  queryStageResults(query: StageResultQuery): Promise<Page<StageResultRecord>> {
    const byTime = query.since !== undefined || query.until !== undefined;
    return this.page('stageResult', byTime ? 'time' : 'order', { runId: query.runId, instanceId: query.instanceId, stage: query.stage, status: query.status }, query);
  }

  async putRewards(records: readonly RewardRecord[]): Promise<void> {
    await this.put('reward', records);
  }
  queryRewards(query: RewardQuery): Promise<Page<RewardRecord>> {
    return this.page('reward', 'order', { runId: query.runId, instanceId: query.instanceId, stage: query.stage, name: query.name }, query);
  }

  async putMessageLogs(records: readonly MessageLogRecord[]): Promise<void> {
    await this.put('messageLog', records);
  }
  queryMessageLogs(query: MessageLogQuery): Promise<Page<MessageLogRecord>> {
    return this.page('messageLog', 'order', { runId: query.runId, instanceId: query.instanceId, stage: query.stage }, query);
  }

  async putModelCalls(records: readonly ModelCallRecord[]): Promise<void> {
    await this.put('modelCall', records);
  }
  queryModelCalls(query: ModelCallQuery): Promise<Page<ModelCallRecord>> {
    return this.page(
      'modelCall',
      'order',
      {
        experimentId: query.experimentId,
        runId: query.runId,
        instanceId: query.instanceId,
        stage: query.stage,
        model: query.model,
        status: query.status,
      },
      query,
    );
  }

  getCacheEntry(key: string): Promise<CacheEntry | undefined> {
    return this.getOne('cacheEntry', [key]);
  }
  async putCacheEntries(entries: readonly CacheEntry[]): Promise<void> {
    await this.put('cacheEntry', entries);
  }

  getWorkState(runId: string, instanceId: string, key: string): Promise<WorkStateRecord | undefined> {
    return this.getOne('workState', [runId, instanceId, key]);
  }
  async putWorkState(record: WorkStateRecord): Promise<void> {
    await this.put('workState', [record]);
  }
  queryWorkStates(query: WorkStateQuery): Promise<Page<WorkStateRecord>> {
    return this.page('workState', 'order', { runId: query.runId, instanceId: query.instanceId }, query);
  }

  /** Counts and sums only: the stages from their markers, then per-stage status counts; no record body is read. */
  async summarizeRun(runId: string): Promise<RunSummary> {
    this.assertOpen();
    const summary = emptyRunSummary(runId);
    const stages: string[] = [];
    const listStages = async (): Promise<void> => {
      let after: readonly IndexValue[] | undefined;
      for (;;) {
        const entries = await this.driver.query({
          collection: runStagesCollection.name,
          where: { runId },
          order: 'order',
          direction: 'asc',
          limit: 1000,
          ...(after ? { after } : {}),
        });
        for (const entry of entries) stages.push(String((JSON.parse(entry.body) as { stage: unknown }).stage));
        if (entries.length < 1000) return;
        after = [stages.at(-1)!];
      }
    };
    const calls = recordCatalogue.modelCall.collection.name;
    const [instances, totals, errors] = await Promise.all([
      this.driver.aggregate({ collection: runInstancesCollection.name, where: { runId }, sum: [] }),
      this.driver.aggregate({ collection: calls, where: { runId }, sum: ['cacheHit', 'inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheWriteTokens', 'costUsd'] }),
      this.driver.aggregate({ collection: calls, where: { runId, status: 'error' }, sum: [] }),
      listStages(),
    ]);
    const counts = await Promise.all(
      stages.flatMap((stage) =>
        stageStatuses.map(async (status) => {
          const { count } = await this.driver.aggregate({ collection: recordCatalogue.stageResult.collection.name, where: { runId, stage, status }, sum: [] });
          return { stage, status, count };
        }),
      ),
    );
    for (const { stage, status, count } of counts) {
      if (count === 0) continue;
      const byStage = (summary.stageResults.byStage[stage] ??= { ok: 0, failed: 0, skipped: 0 });
      byStage[status] += count;
      summary.stageResults[status] += count;
      summary.stageResults.total += count;
    }
    summary.instances = instances.count;
    summary.modelCalls = { total: totals.count, errors: errors.count, cacheHits: totals.sums.cacheHit ?? 0 };
    summary.usage = {
      inputTokens: totals.sums.inputTokens ?? 0,
      outputTokens: totals.sums.outputTokens ?? 0,
      cacheReadTokens: totals.sums.cacheReadTokens ?? 0,
      cacheWriteTokens: totals.sums.cacheWriteTokens ?? 0,
    };
    summary.costUsd = roundCostUsd(totals.sums.costUsd ?? 0);
    return summary;
  }

  exportRun(runId: string): AsyncIterable<ExportRecord> {
    return exportRunRecords(this, runId);
  }
  importRecords(records: AsyncIterable<ExportRecord> | Iterable<ExportRecord>): Promise<number> {
    return importExportRecords(this, records);
  }
  writer(instanceId: string, labels?: { runId?: string; stage?: string; sample?: number }): SequenceWriter {
    return createSequenceWriter(this, instanceId, labels);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.driver.close();
  }

  protected assertOpen(): void {
    if (this.closed) throw new StorageError({ backend: this.name, message: 'The storage is closed; open a new one.' });
  }

  /** Validates and redacts every record first (nothing is written if one is invalid), then writes them in one batch. */
  private async put<K extends StorageRecordKind>(kind: K, records: readonly unknown[]): Promise<void> {
    this.assertOpen();
    if (records.length === 0) return;
    const entry = recordCatalogue[kind] as CatalogueEntry<K>;
    const collection = entry.collection.name;
    const prepared = records.map((record) => this.codec.encode(kind, record));
    const writes: StorageDriverWrite[] = prepared.map(({ record, text }) => ({ type: 'put', collection, fields: entry.fieldsOf(record), body: text }));
    if (kind === 'stageResult') writes.push(...stageMarkers(prepared.map(({ record }) => record as StageResultRecord)));
    await this.driver.write(writes);
  }

  private async getOne<K extends StorageRecordKind>(kind: K, key: readonly IndexValue[]): Promise<StorageRecordOf<K> | undefined> {
    this.assertOpen();
    const found = await this.driver.get(recordCatalogue[kind].collection.name, key);
    return found && this.codec.decode(kind, found.body, found.location);
  }

  private async page<K extends StorageRecordKind>(kind: K, order: string, filters: Filters, request: PageRequest & TimeRange): Promise<Page<StorageRecordOf<K>>> {
    this.assertOpen();
    const entry = recordCatalogue[kind] as CatalogueEntry<K>;
    const spec = entry.collection;
    const fields = orderNamed(spec, order, this.name);
    // Cursors name their collection and order, so that one query's cursor is refused by another.
    const tag = `${spec.name}.${order}`;
    const page = resolvePageRequest(request);
    if (page.after && (page.after[0] !== tag || page.after.length !== fields.length + 1)) {
      throw new CodemonkeysError(`Invalid page cursor "${request.cursor}": pass the nextCursor of a previous page of the same query.`);
    }
    const timeRange = request.since !== undefined || request.until !== undefined;
    const entries = await this.driver.query({
      collection: spec.name,
      where: definedFilters(filters),
      order,
      direction: page.order,
      limit: page.limit + 1,
      ...(timeRange ? { range: { ...(request.since !== undefined ? { since: request.since } : {}), ...(request.until !== undefined ? { until: request.until } : {}) } } : {}),
      ...(page.after ? { after: page.after.slice(1) as IndexValue[] } : {}),
    });
    const items = entries.slice(0, page.limit).map((found) => this.codec.decode(kind, found.body, found.location));
    const last = items.at(-1);
    if (entries.length <= page.limit || !last) return { items };
    const values = entry.fieldsOf(last);
    return { items, nextCursor: encodeCursor([tag, ...fields.map((field) => values[field] ?? null)]) };
  }
}

/** The (run, instance) and (run, stage) markers of a batch of stage results, once each. */
function stageMarkers(records: readonly StageResultRecord[]): StorageDriverWrite[] {
  const markers = new Map<string, StorageDriverWrite>();
  for (const { runId, instanceId, stage } of records) {
    markers.set(JSON.stringify(['i', runId, instanceId]), {
      type: 'put',
      collection: runInstancesCollection.name,
      fields: { runId, instanceId },
      body: JSON.stringify({ runId, instanceId }),
    });
    markers.set(JSON.stringify(['s', runId, stage]), { type: 'put', collection: runStagesCollection.name, fields: { runId, stage }, body: JSON.stringify({ runId, stage }) });
  }
  return [...markers.values()];
}

/** A SequenceStorage over `driver`: what every backend is. */
export function createSequenceStorage(driver: StorageDriver, options: SequenceStorageOptions = {}): SequenceStorage {
  return new DriverSequenceStorage(driver, options);
}
