import type { StorageRecordKind, StorageRecordOf } from '@codemonkeys/protocol';
import { documentIdOf } from './document-id';
import { encodeSortKey } from './sort-key';

type FieldValue = string | number | null;

/**
 * Where and how each kind of record is kept: its collection (under the storage's root document), its
 * document id (from the record's key, so writes are idempotent), and the top-level fields that queries
 * filter, order and sum on. The record itself is stored whole as JSON in `body` (or in chunks).
 */
export interface FirestoreRecordLayout<K extends StorageRecordKind> {
  collection: string;
  idParts(record: StorageRecordOf<K>): string[];
  fields(record: StorageRecordOf<K>): Record<string, FieldValue>;
}

const stageOrderKey = (record: { instanceId: string; stage: string; sample: number }): string => encodeSortKey([record.instanceId, record.stage, record.sample]);

export const firestoreLayouts: { [K in StorageRecordKind]: FirestoreRecordLayout<K> } = {
  experiment: {
    collection: 'experiments',
    idParts: (record) => [record.id],
    fields: (record) => ({ id: record.id, orderKey: encodeSortKey([record.createdAt, record.id]) }),
  },
  run: {
    collection: 'runs',
    idParts: (record) => [record.id],
    fields: (record) => ({
      id: record.id,
      experimentId: record.experimentId,
      status: record.status,
      createdAt: record.createdAt,
      orderKey: encodeSortKey([record.createdAt, record.id]),
    }),
  },
  stageResult: {
    collection: 'stageResults',
    idParts: (record) => [record.runId, record.instanceId, record.stage, String(record.sample)],
    fields: (record) => ({
      runId: record.runId,
      instanceId: record.instanceId,
      stage: record.stage,
      sample: record.sample,
      status: record.status,
      orderKey: stageOrderKey(record),
      timeKey: encodeSortKey([record.finishedAt, record.instanceId, record.stage, record.sample]),
      // Summed by run summaries (Firestore aggregates sums, not grouped counts).
      isOk: record.status === 'ok' ? 1 : 0,
      isFailed: record.status === 'failed' ? 1 : 0,
      isSkipped: record.status === 'skipped' ? 1 : 0,
    }),
  },
  reward: {
    collection: 'rewards',
    idParts: (record) => [record.runId, record.instanceId, record.stage, String(record.sample), record.name],
    fields: (record) => ({
      runId: record.runId,
      instanceId: record.instanceId,
      stage: record.stage,
      name: record.name,
      orderKey: encodeSortKey([record.instanceId, record.stage, record.sample, record.name]),
    }),
  },
  messageLog: {
    collection: 'messageLogs',
    idParts: (record) => [record.runId, record.instanceId, record.stage, String(record.sample)],
    fields: (record) => ({ runId: record.runId, instanceId: record.instanceId, stage: record.stage, orderKey: stageOrderKey(record) }),
  },
  modelCall: {
    collection: 'modelCalls',
    idParts: (record) => [record.id],
    fields: (record) => ({
      id: record.id,
      experimentId: record.experimentId ?? null,
      runId: record.runId ?? null,
      instanceId: record.instanceId ?? null,
      stage: record.stage ?? null,
      model: record.model,
      status: record.status,
      orderKey: encodeSortKey([record.createdAt, record.id]),
      isError: record.status === 'error' ? 1 : 0,
      isCacheHit: record.cacheHit ? 1 : 0,
      inputTokens: record.usage.inputTokens,
      outputTokens: record.usage.outputTokens,
      cacheReadTokens: record.usage.cacheReadTokens,
      cacheWriteTokens: record.usage.cacheWriteTokens,
      costUsd: record.costUsd,
    }),
  },
  cacheEntry: {
    collection: 'cacheEntries',
    idParts: (record) => [record.key],
    fields: (record) => ({ key: record.key }),
  },
  workState: {
    collection: 'workStates',
    idParts: (record) => [record.runId, record.instanceId, record.key],
    fields: (record) => ({ runId: record.runId, instanceId: record.instanceId, orderKey: encodeSortKey([record.instanceId, record.key]) }),
  },
};

/** Marker documents that let a run summary count distinct instances and list stages with aggregate queries. */
export const runInstancesCollection = 'runInstances';
export const runStagesCollection = 'runStages';
/** One document per (run, instance) holding its lease's state (read and written in transactions only). */
export const instanceLeasesCollection = 'instanceLeases';
/** One document per (run, instance, lease generation), created (never overwritten) by the acquisition that starts it. */
export const instanceLeaseClaimsCollection = 'instanceLeaseClaims';
/** Pieces of records over the document size limit. */
export const chunksCollection = 'chunks';

export const documentIdFor = <K extends StorageRecordKind>(kind: K, record: StorageRecordOf<K>): string =>
  documentIdOf((firestoreLayouts[kind] as FirestoreRecordLayout<K>).idParts(record));

/**
 * Every query the storage issues: equality filters drawn from `equalityFields` (those in `required`
 * always present), then a range and an order on one sort field. `firestore.indexes.json` is generated
 * from this list, and the query planner refuses anything not declared here.
 */
export interface FirestoreQueryShape {
  collection: string;
  required: readonly string[];
  equalityFields: readonly string[];
  sortFields: readonly string[];
}

export const firestoreQueryShapes: readonly FirestoreQueryShape[] = [
  { collection: 'experiments', required: [], equalityFields: [], sortFields: ['orderKey'] },
  { collection: 'runs', required: [], equalityFields: ['experimentId', 'status'], sortFields: ['orderKey'] },
  { collection: 'stageResults', required: ['runId'], equalityFields: ['runId', 'instanceId', 'stage', 'status'], sortFields: ['orderKey', 'timeKey'] },
  { collection: 'rewards', required: ['runId'], equalityFields: ['runId', 'instanceId', 'stage', 'name'], sortFields: ['orderKey'] },
  { collection: 'messageLogs', required: ['runId'], equalityFields: ['runId', 'instanceId', 'stage'], sortFields: ['orderKey'] },
  {
    collection: 'modelCalls',
    required: [],
    equalityFields: ['experimentId', 'runId', 'instanceId', 'stage', 'model', 'status'],
    sortFields: ['orderKey'],
  },
  { collection: 'workStates', required: ['runId'], equalityFields: ['runId', 'instanceId'], sortFields: ['orderKey'] },
];

/** Fields holding record text: never filtered on, so exempt from Firestore's automatic indexes. */
export const unindexedFields: ReadonlyArray<{ collection: string; field: string }> = [
  ...Object.values(firestoreLayouts).map((layout) => ({ collection: layout.collection, field: 'body' })),
  { collection: chunksCollection, field: 'data' },
];
