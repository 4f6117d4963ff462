import type { Message } from '../../message/v1/message';
import type { InstanceLeases } from './instance-leases';
import type { MessageLogQuery, ModelCallQuery, Page, RewardQuery, RunQuery, RunSummary, StageResultQuery, WorkStateQuery } from './queries';
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
} from './records';

export interface StorageCapabilities {
  /** Two processes may write to the same store at once. */
  readonly multiProcess: boolean;
  /** Records survive the process. */
  readonly persistent: boolean;
}

/**
 * Everything an experiment keeps. Every write is an upsert by key, so a resumed run rewrites what it
 * redoes instead of duplicating it. Implementations: in-memory (core), SQLite, Firestore; all pass the
 * conformance suite in `@codemonkeys/protocol/testkit`.
 *
 * Contract shared by every implementation:
 * - records are validated with their zod schema on the way in (a SchemaValidationError names the
 *   record) and on the way out, and secrets are redacted (see `createSecretRedactor`) before anything is
 *   written;
 * - a write that resolved is durable (for persistent backends) and visible to every later read;
 * - a batch write that failed may have written part of its records: write it again (writes are
 *   idempotent);
 * - queries return pages of at most `limit` (1..1000) records in a stable order with keyset cursors,
 *   so records written while paging never make a page repeat or skip older records.
 *
 * Optional capability: `leases` (one writer per (run, instance), see `InstanceLeases`). A storage
 * without it still works for one process per run; the runner then says that it cannot keep a second
 * process off the same instances. `leasesOf(storage)` throws an UnsupportedCapabilityError for it.
 */
export interface SequenceStorage {
  readonly specificationVersion: 'v1';
  readonly name: string;
  readonly capabilities: StorageCapabilities;
  /** Leases per (run, instance) with expiry, so that processes sharing a run never work on one instance at once. */
  readonly leases?: InstanceLeases;

  putExperiment(record: ExperimentRecord): Promise<void>;
  getExperiment(id: string): Promise<ExperimentRecord | undefined>;
  listExperiments(): Promise<ExperimentRecord[]>;

  putRun(record: RunRecord): Promise<void>;
  getRun(id: string): Promise<RunRecord | undefined>;
  queryRuns(query?: RunQuery): Promise<Page<RunRecord>>;

  putStageResults(records: readonly StageResultRecord[]): Promise<void>;
  getStageResult(key: StageKey): Promise<StageResultRecord | undefined>;
  queryStageResults(query: StageResultQuery): Promise<Page<StageResultRecord>>;

  putRewards(records: readonly RewardRecord[]): Promise<void>;
  queryRewards(query: RewardQuery): Promise<Page<RewardRecord>>;

  putMessageLogs(records: readonly MessageLogRecord[]): Promise<void>;
  queryMessageLogs(query: MessageLogQuery): Promise<Page<MessageLogRecord>>;

  putModelCalls(records: readonly ModelCallRecord[]): Promise<void>;
  queryModelCalls(query: ModelCallQuery): Promise<Page<ModelCallRecord>>;

  /** The response cache (model responses, embeddings, per-file judgments): content-addressed, never expires. */
  getCacheEntry(key: string): Promise<CacheEntry | undefined>;
  putCacheEntries(entries: readonly CacheEntry[]): Promise<void>;

  getWorkState(runId: string, instanceId: string, key: string): Promise<WorkStateRecord | undefined>;
  putWorkState(record: WorkStateRecord): Promise<void>;
  /** Every work state of a run (or of one instance), to resume a run where it stopped. */
  queryWorkStates(query: WorkStateQuery): Promise<Page<WorkStateRecord>>;

  summarizeRun(runId: string): Promise<RunSummary>;

  /** Every record of a run (its experiment first), for `codemonkeys runs export`. */
  exportRun(runId: string): AsyncIterable<ExportRecord>;
  /** Writes exported records (idempotent); returns how many were written. */
  importRecords(records: AsyncIterable<ExportRecord> | Iterable<ExportRecord>): Promise<number>;

  /** Convenience over `putMessageLogs` for code experiments: `storage.writer(instanceId).logMessages(messages)`. */
  writer(instanceId: string, labels?: { runId?: string; stage?: string; sample?: number }): SequenceWriter;

  close(): Promise<void>;
}

export interface SequenceWriter {
  logMessages(messages: readonly Message[], labels?: { stage?: string; sample?: number }): Promise<void>;
}
