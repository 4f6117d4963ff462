import type { MessageLogQuery, ModelCallQuery, Page, PageRequest, RewardQuery, RunQuery, RunSummary, StageResultQuery } from './v1/queries';
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
import { compareSortKeys, decodeCursor, encodeCursor } from './v1/page-cursor';
import { createSequenceWriter, exportRunRecords, importExportRecords } from './v1/storage-helpers';
import { summarizeRunRecords } from './v1/run-summary';

// Records go through JSON on the way in and out, as they do in every persistent backend.
const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
const stageKeyOf = (key: StageKey): string => JSON.stringify([key.runId, key.instanceId, key.stage, key.sample ?? 0]);

function paginate<T>(records: Iterable<T>, filter: (record: T) => boolean, sortKey: (record: T) => unknown[], request: PageRequest): Page<T> {
  const direction = request.order === 'desc' ? -1 : 1;
  const limit = request.limit ?? 100;
  const after = request.cursor ? decodeCursor(request.cursor) : undefined;
  const matching = [...records]
    .filter(filter)
    .map((record) => ({ record, key: sortKey(record) }))
    .filter((entry) => !after || compareSortKeys(entry.key, after) * direction > 0)
    .sort((a, b) => compareSortKeys(a.key, b.key) * direction);
  const items = matching.slice(0, limit);
  const last = items.at(-1);
  return {
    items: items.map((entry) => copy(entry.record)),
    ...(matching.length > limit && last ? { nextCursor: encodeCursor(last.key) } : {}),
  };
}

const inTimeRange = (time: string | undefined, range: { since?: string; until?: string }): boolean =>
  (!range.since || (time !== undefined && time >= range.since)) && (!range.until || (time !== undefined && time < range.until));

/** The reference SequenceStorage: everything in maps, nothing persisted. For tests and short experiments. */
export class InMemorySequenceStorage implements SequenceStorage {
  readonly name = 'memory';
  readonly capabilities: StorageCapabilities = { multiProcess: false, persistent: false };

  private readonly experiments = new Map<string, ExperimentRecord>();
  private readonly runs = new Map<string, RunRecord>();
  private readonly stageResults = new Map<string, StageResultRecord>();
  private readonly rewards = new Map<string, RewardRecord>();
  private readonly messageLogs = new Map<string, MessageLogRecord>();
  private readonly modelCalls = new Map<string, ModelCallRecord>();
  private readonly cache = new Map<string, CacheEntry>();
  private readonly workStates = new Map<string, WorkStateRecord>();

  async putExperiment(record: ExperimentRecord): Promise<void> {
    this.experiments.set(record.id, copy(record));
  }
  async getExperiment(id: string): Promise<ExperimentRecord | undefined> {
    const record = this.experiments.get(id);
    return record && copy(record);
  }
  async listExperiments(): Promise<ExperimentRecord[]> {
    return [...this.experiments.values()].sort((a, b) => compareSortKeys([a.createdAt, a.id], [b.createdAt, b.id])).map(copy);
  }

  async putRun(record: RunRecord): Promise<void> {
    this.runs.set(record.id, copy(record));
  }
  async getRun(id: string): Promise<RunRecord | undefined> {
    const record = this.runs.get(id);
    return record && copy(record);
  }
  async queryRuns(query: RunQuery = {}): Promise<Page<RunRecord>> {
    return paginate(
      this.runs.values(),
      (run) => (!query.experimentId || run.experimentId === query.experimentId) && (!query.status || run.status === query.status) && inTimeRange(run.createdAt, query),
      (run) => [run.createdAt, run.id],
      query,
    );
  }

  async putStageResults(records: readonly StageResultRecord[]): Promise<void> {
    for (const record of records) this.stageResults.set(stageKeyOf(record), copy(record));
  }
  async getStageResult(key: StageKey): Promise<StageResultRecord | undefined> {
    const record = this.stageResults.get(stageKeyOf(key));
    return record && copy(record);
  }
  async queryStageResults(query: StageResultQuery): Promise<Page<StageResultRecord>> {
    const byTime = query.since !== undefined || query.until !== undefined;
    return paginate(
      this.stageResults.values(),
      (record) =>
        record.runId === query.runId &&
        (!query.instanceId || record.instanceId === query.instanceId) &&
        (!query.stage || record.stage === query.stage) &&
        (!query.status || record.status === query.status) &&
        inTimeRange(record.finishedAt, query),
      (record) => (byTime ? [record.finishedAt, record.instanceId, record.stage, record.sample] : [record.instanceId, record.stage, record.sample]),
      query,
    );
  }

  async putRewards(records: readonly RewardRecord[]): Promise<void> {
    for (const record of records) this.rewards.set(JSON.stringify([stageKeyOf(record), record.name]), copy(record));
  }
  async queryRewards(query: RewardQuery): Promise<Page<RewardRecord>> {
    return paginate(
      this.rewards.values(),
      (record) =>
        record.runId === query.runId &&
        (!query.instanceId || record.instanceId === query.instanceId) &&
        (!query.stage || record.stage === query.stage) &&
        (!query.name || record.name === query.name),
      (record) => [record.instanceId, record.stage, record.sample, record.name],
      query,
    );
  }

  async putMessageLogs(records: readonly MessageLogRecord[]): Promise<void> {
    for (const record of records) this.messageLogs.set(stageKeyOf(record), copy(record));
  }
  async queryMessageLogs(query: MessageLogQuery): Promise<Page<MessageLogRecord>> {
    return paginate(
      this.messageLogs.values(),
      (record) => record.runId === query.runId && (!query.instanceId || record.instanceId === query.instanceId) && (!query.stage || record.stage === query.stage),
      (record) => [record.instanceId, record.stage, record.sample],
      query,
    );
  }

  async putModelCalls(records: readonly ModelCallRecord[]): Promise<void> {
    for (const record of records) this.modelCalls.set(record.id, copy(record));
  }
  async queryModelCalls(query: ModelCallQuery): Promise<Page<ModelCallRecord>> {
    return paginate(
      this.modelCalls.values(),
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
    );
  }

  async getCacheEntry(key: string): Promise<CacheEntry | undefined> {
    const entry = this.cache.get(key);
    return entry && copy(entry);
  }
  async putCacheEntries(entries: readonly CacheEntry[]): Promise<void> {
    for (const entry of entries) this.cache.set(entry.key, copy(entry));
  }

  async getWorkState(runId: string, instanceId: string, key: string): Promise<WorkStateRecord | undefined> {
    const record = this.workStates.get(JSON.stringify([runId, instanceId, key]));
    return record && copy(record);
  }
  async putWorkState(record: WorkStateRecord): Promise<void> {
    this.workStates.set(JSON.stringify([record.runId, record.instanceId, record.key]), copy(record));
  }

  async summarizeRun(runId: string): Promise<RunSummary> {
    return summarizeRunRecords(
      runId,
      [...this.stageResults.values()].filter((record) => record.runId === runId),
      [...this.modelCalls.values()].filter((record) => record.runId === runId),
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
  async close(): Promise<void> {}
}

export const createInMemorySequenceStorage = (): InMemorySequenceStorage => new InMemorySequenceStorage();
