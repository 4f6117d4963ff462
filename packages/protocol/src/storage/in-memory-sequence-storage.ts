import type { MessageLogQuery, ModelCallQuery, Page, PageRequest, RewardQuery, RunQuery, RunSummary, StageResultQuery, WorkStateQuery } from './v1/queries';
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
} from './v1/records';
import type { SequenceStorage, SequenceWriter, StorageCapabilities } from './v1/sequence-storage';
import { createInstanceLeases, type InstanceLeases, type InstanceLeaseState } from './v1/instance-leases';
import { compareSortKeys, encodeCursor } from './v1/page-cursor';
import { resolvePageRequest } from './v1/page-request';
import { createSequenceWriter, exportRunRecords, importExportRecords } from './v1/storage-helpers';
import { summarizeRunRecords } from './v1/run-summary';
import { createStorageRecordCodec, type StorageRecordCodec, type StorageRecordKind, type StorageRecordOf } from './storage-record-codec';
import type { SecretRedactor, SecretRedactorOptions } from './secret-redactor';
import { StorageError } from '../errors/capability-errors';

const stageKeyOf = (key: StageKey): string => JSON.stringify([key.runId, key.instanceId, key.stage, key.sample ?? 0]);

/** A stored record: the parsed form to filter on, and the JSON text that reads return (as a database would). */
interface Stored<K extends StorageRecordKind> {
  record: StorageRecordOf<K>;
  text: string;
}

const inTimeRange = (time: string | undefined, range: { since?: string; until?: string }): boolean =>
  (!range.since || (time !== undefined && time >= range.since)) && (!range.until || (time !== undefined && time < range.until));

export interface InMemorySequenceStorageOptions {
  /** How secrets are found before records are kept; defaults to `createSecretRedactor()` over `process.env`. */
  redaction?: SecretRedactorOptions | SecretRedactor;
  /** The clock instance leases expire by (milliseconds since the epoch); default `Date.now`. */
  clock?: () => number;
}

/** The reference SequenceStorage: everything in maps, nothing persisted. For tests and short experiments. */
export class InMemorySequenceStorage implements SequenceStorage {
  readonly specificationVersion = 'v1' as const;
  readonly name = 'memory';
  readonly capabilities: StorageCapabilities = { multiProcess: false, persistent: false };

  private readonly codec: StorageRecordCodec;
  private readonly experiments = new Map<string, Stored<'experiment'>>();
  private readonly runs = new Map<string, Stored<'run'>>();
  private readonly stageResults = new Map<string, Stored<'stageResult'>>();
  private readonly rewards = new Map<string, Stored<'reward'>>();
  private readonly messageLogs = new Map<string, Stored<'messageLog'>>();
  private readonly modelCalls = new Map<string, Stored<'modelCall'>>();
  private readonly cache = new Map<string, Stored<'cacheEntry'>>();
  private readonly workStates = new Map<string, Stored<'workState'>>();
  private readonly leaseStates = new Map<string, InstanceLeaseState>();
  private closed = false;
  /** Leases of the schedulers that share this store in one process (each read-decide-write is synchronous, so atomic). */
  readonly leases: InstanceLeases;

  constructor(options: InMemorySequenceStorageOptions = {}) {
    this.codec = createStorageRecordCodec({ backend: this.name, ...(options.redaction ? { redaction: options.redaction } : {}) });
    const leaseKey = (key: { runId: string; instanceId: string }): string => JSON.stringify([key.runId, key.instanceId]);
    this.leases = createInstanceLeases(
      {
        update: async (key, decide) => {
          this.assertOpen();
          const { answer, next } = decide(this.leaseStates.get(leaseKey(key)));
          if (next) this.leaseStates.set(leaseKey(key), structuredClone(next));
          return answer;
        },
        read: async (key) => {
          this.assertOpen();
          const state = this.leaseStates.get(leaseKey(key));
          return state && structuredClone(state);
        },
      },
      { backend: this.name, ...(options.clock ? { clock: options.clock } : {}) },
    );
  }

  private put<K extends StorageRecordKind>(kind: K, map: Map<string, Stored<K>>, records: readonly unknown[], keyOf: (record: StorageRecordOf<K>) => string): void {
    this.assertOpen();
    // Validate the whole batch before keeping any of it, like a transaction.
    const prepared = records.map((record) => this.codec.encode(kind, record));
    for (const entry of prepared) map.set(keyOf(entry.record), entry);
  }

  private read<K extends StorageRecordKind>(kind: K, stored: Stored<K> | undefined, location: string): StorageRecordOf<K> | undefined {
    this.assertOpen();
    return stored && this.codec.decode(kind, stored.text, location);
  }

  private paginate<K extends StorageRecordKind>(
    kind: K,
    map: Map<string, Stored<K>>,
    filter: (record: StorageRecordOf<K>) => boolean,
    sortKey: (record: StorageRecordOf<K>) => unknown[],
    request: PageRequest,
    cursorShape: ReadonlyArray<'string' | 'number'>,
  ): Page<StorageRecordOf<K>> {
    this.assertOpen();
    const page = resolvePageRequest(request, cursorShape);
    const direction = page.order === 'desc' ? -1 : 1;
    const matching = [...map.values()]
      .filter((entry) => filter(entry.record))
      .map((entry) => ({ entry, key: sortKey(entry.record) }))
      .filter((candidate) => !page.after || compareSortKeys(candidate.key, page.after) * direction > 0)
      .sort((a, b) => compareSortKeys(a.key, b.key) * direction);
    const items = matching.slice(0, page.limit);
    const last = items.at(-1);
    return {
      items: items.map((candidate) => this.codec.decode(kind, candidate.entry.text, `${kind}/${JSON.stringify(candidate.key)}`)),
      ...(matching.length > page.limit && last ? { nextCursor: encodeCursor(last.key) } : {}),
    };
  }

  private assertOpen(): void {
    if (this.closed) throw new StorageError({ backend: this.name, message: 'The storage is closed; create a new one.' });
  }

  async putExperiment(record: ExperimentRecord): Promise<void> {
    this.put('experiment', this.experiments, [record], (prepared) => prepared.id);
  }
  async getExperiment(id: string): Promise<ExperimentRecord | undefined> {
    return this.read('experiment', this.experiments.get(id), `experiment/${id}`);
  }
  async listExperiments(): Promise<ExperimentRecord[]> {
    this.assertOpen();
    return [...this.experiments.values()]
      .sort((a, b) => compareSortKeys([a.record.createdAt, a.record.id], [b.record.createdAt, b.record.id]))
      .map((entry) => this.codec.decode('experiment', entry.text, `experiment/${entry.record.id}`));
  }

  async putRun(record: RunRecord): Promise<void> {
    this.put('run', this.runs, [record], (prepared) => prepared.id);
  }
  async getRun(id: string): Promise<RunRecord | undefined> {
    return this.read('run', this.runs.get(id), `run/${id}`);
  }
  async queryRuns(query: RunQuery = {}): Promise<Page<RunRecord>> {
    return this.paginate(
      'run',
      this.runs,
      (run) => (!query.experimentId || run.experimentId === query.experimentId) && (!query.status || run.status === query.status) && inTimeRange(run.createdAt, query),
      (run) => [run.createdAt, run.id],
      query,
      ['string', 'string'],
    );
  }

  async putStageResults(records: readonly StageResultRecord[]): Promise<void> {
    this.put('stageResult', this.stageResults, records, stageKeyOf);
  }
  async getStageResult(key: StageKey): Promise<StageResultRecord | undefined> {
    return this.read('stageResult', this.stageResults.get(stageKeyOf(key)), `stageResult/${stageKeyOf(key)}`);
  }
  async queryStageResults(query: StageResultQuery): Promise<Page<StageResultRecord>> {
    const byTime = query.since !== undefined || query.until !== undefined;
    return this.paginate(
      'stageResult',
      this.stageResults,
      (record) =>
        record.runId === query.runId &&
        (!query.instanceId || record.instanceId === query.instanceId) &&
        (!query.stage || record.stage === query.stage) &&
        (!query.status || record.status === query.status) &&
        inTimeRange(record.finishedAt, query),
      (record) => (byTime ? [record.finishedAt, record.instanceId, record.stage, record.sample] : [record.instanceId, record.stage, record.sample]),
      query,
      byTime ? ['string', 'string', 'string', 'number'] : ['string', 'string', 'number'],
    );
  }

  async putRewards(records: readonly RewardRecord[]): Promise<void> {
    this.put('reward', this.rewards, records, (record) => JSON.stringify([stageKeyOf(record), record.name]));
  }
  async queryRewards(query: RewardQuery): Promise<Page<RewardRecord>> {
    return this.paginate(
      'reward',
      this.rewards,
      (record) =>
        record.runId === query.runId &&
        (!query.instanceId || record.instanceId === query.instanceId) &&
        (!query.stage || record.stage === query.stage) &&
        (!query.name || record.name === query.name),
      (record) => [record.instanceId, record.stage, record.sample, record.name],
      query,
      ['string', 'string', 'number', 'string'],
    );
  }

  async putMessageLogs(records: readonly MessageLogRecord[]): Promise<void> {
    this.put('messageLog', this.messageLogs, records, stageKeyOf);
  }
  async queryMessageLogs(query: MessageLogQuery): Promise<Page<MessageLogRecord>> {
    return this.paginate(
      'messageLog',
      this.messageLogs,
      (record) => record.runId === query.runId && (!query.instanceId || record.instanceId === query.instanceId) && (!query.stage || record.stage === query.stage),
      (record) => [record.instanceId, record.stage, record.sample],
      query,
      ['string', 'string', 'number'],
    );
  }

  async putModelCalls(records: readonly ModelCallRecord[]): Promise<void> {
    this.put('modelCall', this.modelCalls, records, (record) => record.id);
  }
  async queryModelCalls(query: ModelCallQuery): Promise<Page<ModelCallRecord>> {
    return this.paginate(
      'modelCall',
      this.modelCalls,
      (record) =>
        (!query.experimentId || record.experimentId === query.experimentId) &&
        (!query.runId || record.runId === query.runId) &&
        (!query.instanceId || record.instanceId === query.instanceId) &&
        (!query.stage || record.stage === query.stage) &&
        (!query.model || record.model === query.model) &&
        (!query.status || record.status === query.status) &&
        inTimeRange(record.createdAt, query),
      (record) => [record.createdAt, record.id],
      query,
      ['string', 'string'],
    );
  }

  async getCacheEntry(key: string): Promise<CacheEntry | undefined> {
    return this.read('cacheEntry', this.cache.get(key), `cacheEntry/${key}`);
  }
  async putCacheEntries(entries: readonly CacheEntry[]): Promise<void> {
    this.put('cacheEntry', this.cache, entries, (entry) => entry.key);
  }

  async getWorkState(runId: string, instanceId: string, key: string): Promise<WorkStateRecord | undefined> {
    return this.read('workState', this.workStates.get(JSON.stringify([runId, instanceId, key])), `workState/${runId}/${instanceId}/${key}`);
  }
  async putWorkState(record: WorkStateRecord): Promise<void> {
    this.put('workState', this.workStates, [record], (prepared) => JSON.stringify([prepared.runId, prepared.instanceId, prepared.key]));
  }
  async queryWorkStates(query: WorkStateQuery): Promise<Page<WorkStateRecord>> {
    return this.paginate(
      'workState',
      this.workStates,
      (record) => record.runId === query.runId && (!query.instanceId || record.instanceId === query.instanceId),
      (record) => [record.instanceId, record.key],
      query,
      ['string', 'string'],
    );
  }

  async summarizeRun(runId: string): Promise<RunSummary> {
    this.assertOpen();
    return summarizeRunRecords(
      runId,
      [...this.stageResults.values()].map((entry) => entry.record).filter((record) => record.runId === runId),
      [...this.modelCalls.values()].map((entry) => entry.record).filter((record) => record.runId === runId),
    );
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
    this.closed = true;
  }
}

export const createInMemorySequenceStorage = (options: InMemorySequenceStorageOptions = {}): InMemorySequenceStorage => new InMemorySequenceStorage(options);
