import type { StorageRecordKind, StorageRecordOf } from '../storage-record-codec';
import type { IndexValue, StorageCollection } from './storage-driver';

/** A record kind's collection and the indexed fields copied out of each record. */
export interface CatalogueEntry<K extends StorageRecordKind> {
  readonly collection: StorageCollection;
  fieldsOf(record: StorageRecordOf<K>): Record<string, IndexValue>;
}

const collection = (
  name: string,
  recordName: string,
  key: readonly string[],
  more: { fields?: readonly string[]; filters?: readonly string[]; orders?: Record<string, readonly string[]> },
): StorageCollection => ({
  name,
  recordName,
  key,
  fields: [...key, ...(more.fields ?? [])],
  filters: more.filters ?? [],
  orders: more.orders ?? {},
});

const stageOrder = ['instanceId', 'stage', 'sample'];

/**
 * The record catalogue: for each kind of record, its collection (key, indexed fields, the filters and
 * sort orders its queries use) and how its indexed fields are read from a record. Defined once; every
 * driver keeps exactly these collections.
 */
export const recordCatalogue: { readonly [K in StorageRecordKind]: CatalogueEntry<K> } = {
  experiment: {
    collection: collection('experiments', 'experiment', ['id'], { fields: ['createdAt'], orders: { order: ['createdAt', 'id'] } }),
    fieldsOf: (record) => ({ id: record.id, createdAt: record.createdAt }),
  },
  run: {
    collection: collection('runs', 'run', ['id'], {
      fields: ['experimentId', 'status', 'createdAt'],
      filters: ['experimentId', 'status'],
      orders: { order: ['createdAt', 'id'] },
    }),
    fieldsOf: (record) => ({ id: record.id, experimentId: record.experimentId, status: record.status, createdAt: record.createdAt }),
  },
  stageResult: {
    collection: collection('stageResults', 'stageResult', ['runId', 'instanceId', 'stage', 'sample'], {
      fields: ['status', 'finishedAt'],
      filters: ['runId', 'instanceId', 'stage', 'status'],
      orders: { order: stageOrder, time: ['finishedAt', ...stageOrder] },
    }),
    fieldsOf: (record) => ({
      runId: record.runId,
      instanceId: record.instanceId,
      stage: record.stage,
      sample: record.sample,
      status: record.status,
      finishedAt: record.finishedAt,
    }),
  },
  reward: {
    collection: collection('rewards', 'reward', ['runId', 'instanceId', 'stage', 'sample', 'name'], {
      filters: ['runId', 'instanceId', 'stage', 'name'],
      orders: { order: [...stageOrder, 'name'] },
    }),
    fieldsOf: (record) => ({ runId: record.runId, instanceId: record.instanceId, stage: record.stage, sample: record.sample, name: record.name }),
  },
  messageLog: {
    collection: collection('messageLogs', 'messageLog', ['runId', 'instanceId', 'stage', 'sample'], {
      filters: ['runId', 'instanceId', 'stage'],
      orders: { order: stageOrder },
    }),
    fieldsOf: (record) => ({ runId: record.runId, instanceId: record.instanceId, stage: record.stage, sample: record.sample }),
  },
  modelCall: {
    collection: collection('modelCalls', 'modelCall', ['id'], {
      fields: [
        'experimentId',
        'runId',
        'instanceId',
        'stage',
        'model',
        'status',
        'cacheHit',
        'inputTokens',
        'outputTokens',
        'cacheReadTokens',
        'cacheWriteTokens',
        'costUsd',
        'createdAt',
      ],
      filters: ['experimentId', 'runId', 'instanceId', 'stage', 'model', 'status'],
      orders: { order: ['createdAt', 'id'] },
    }),
    fieldsOf: (record) => ({
      id: record.id,
      experimentId: record.experimentId ?? null,
      runId: record.runId ?? null,
      instanceId: record.instanceId ?? null,
      stage: record.stage ?? null,
      model: record.model,
      status: record.status,
      // Summed by run summaries.
      cacheHit: record.cacheHit ? 1 : 0,
      inputTokens: record.usage.inputTokens,
      outputTokens: record.usage.outputTokens,
      cacheReadTokens: record.usage.cacheReadTokens,
      cacheWriteTokens: record.usage.cacheWriteTokens,
      costUsd: record.costUsd,
      createdAt: record.createdAt,
    }),
  },
  // Read by key only.
  cacheEntry: {
    collection: collection('cacheEntries', 'cacheEntry', ['key'], { fields: ['createdAt'] }),
    fieldsOf: (record) => ({ key: record.key, createdAt: record.createdAt }),
  },
  workState: {
    collection: collection('workStates', 'workState', ['runId', 'instanceId', 'key'], {
      fields: ['updatedAt'],
      filters: ['runId', 'instanceId'],
      orders: { order: ['instanceId', 'key'] },
    }),
    fieldsOf: (record) => ({ runId: record.runId, instanceId: record.instanceId, key: record.key, updatedAt: record.updatedAt }),
  },
};

/**
 * Markers written with stage results, so that a run summary counts distinct instances and lists its
 * stages with counts and small queries on every backend (Firestore aggregates neither distinct nor grouped).
 */
export const runInstancesCollection = collection('runInstances', 'runInstance', ['runId', 'instanceId'], { filters: ['runId'], orders: { order: ['instanceId'] } });
export const runStagesCollection = collection('runStages', 'runStage', ['runId', 'stage'], { filters: ['runId'], orders: { order: ['stage'] } });

/** Every collection a driver keeps, by name. */
export const sequenceStorageCollections: Readonly<Record<string, StorageCollection>> = Object.fromEntries(
  [...Object.values(recordCatalogue).map((entry) => entry.collection), runInstancesCollection, runStagesCollection].map((spec) => [spec.name, spec]),
);

/** The collection of `name`, or an error naming the driver: a programming error, caught by the driver suite. */
export function collectionNamed(name: string, driver: string): StorageCollection {
  const spec = sequenceStorageCollections[name];
  if (!spec) throw new Error(`[${driver}] Unknown storage collection "${name}"; known: ${Object.keys(sequenceStorageCollections).join(', ')}.`);
  return spec;
}

/** The order named `order` of a collection, or an error naming it. */
export function orderNamed(spec: StorageCollection, order: string, driver: string): readonly string[] {
  const fields = spec.orders[order];
  if (!fields) throw new Error(`[${driver}] The storage collection "${spec.name}" has no order "${order}"; it has: ${Object.keys(spec.orders).join(', ') || 'none'}.`);
  return fields;
}
