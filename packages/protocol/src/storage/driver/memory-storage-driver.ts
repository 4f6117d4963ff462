import { StorageError } from '../../errors/capability-errors';
import type { InstanceLeaseState, InstanceLeaseStore } from '../v1/instance-leases';
import { compareSortKeys } from '../v1/page-cursor';
import { collectionNamed, orderNamed } from './sequence-storage-collections';
import type { IndexValue, StorageDriver, StorageDriverAggregate, StorageDriverAggregation, StorageDriverEntry, StorageDriverQuery, StorageDriverWrite } from './storage-driver';

interface MemoryEntry {
  fields: Readonly<Record<string, IndexValue>>;
  body: string;
}

const matches = (fields: Readonly<Record<string, IndexValue>>, where: Readonly<Record<string, IndexValue>>): boolean =>
  Object.entries(where).every(([field, value]) => fields[field] === value);

/**
 * The reference driver: every collection a map in this process, nothing persisted. Each call's
 * read-decide-write is synchronous, so batches and lease updates are atomic among the handles of one
 * process (there is only one handle).
 */
export class MemoryStorageDriver implements StorageDriver {
  readonly specificationVersion = 'v1' as const;
  readonly name = 'memory';
  readonly capabilities = { multiProcess: false, persistent: false } as const;
  readonly leases: InstanceLeaseStore;

  private readonly collections = new Map<string, Map<string, MemoryEntry>>();
  private readonly leaseStates = new Map<string, InstanceLeaseState>();
  private closed = false;

  constructor() {
    const leaseKey = (key: { runId: string; instanceId: string }): string => JSON.stringify([key.runId, key.instanceId]);
    this.leases = {
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
    };
  }

  async get(collection: string, key: readonly IndexValue[]): Promise<StorageDriverEntry | undefined> {
    this.assertOpen();
    collectionNamed(collection, this.name);
    const entry = this.entries(collection).get(JSON.stringify(key));
    return entry && { body: entry.body, location: `${collection}/${JSON.stringify(key)}` };
  }

  async write(writes: readonly StorageDriverWrite[]): Promise<void> {
    this.assertOpen();
    for (const write of writes) {
      const spec = collectionNamed(write.collection, this.name);
      if (write.type === 'delete') {
        this.entries(write.collection).delete(JSON.stringify(write.key));
      } else {
        const fields = Object.fromEntries(spec.fields.map((field) => [field, write.fields[field] ?? null]));
        this.entries(write.collection).set(JSON.stringify(spec.key.map((field) => fields[field])), { fields, body: write.body });
      }
    }
  }

  async query(query: StorageDriverQuery): Promise<StorageDriverEntry[]> {
    this.assertOpen();
    const order = orderNamed(collectionNamed(query.collection, this.name), query.order, this.name);
    const direction = query.direction === 'desc' ? -1 : 1;
    const first = order[0]!;
    const { since, until } = query.range ?? {};
    const inRange = (value: IndexValue): boolean =>
      (since === undefined || (value !== null && compareSortKeys([value], [since]) >= 0)) && (until === undefined || (value !== null && compareSortKeys([value], [until]) < 0));
    return [...this.entries(query.collection).entries()]
      .filter(([, entry]) => matches(entry.fields, query.where) && inRange(entry.fields[first] ?? null))
      .map(([key, entry]) => ({ key, entry, sort: order.map((field) => entry.fields[field] ?? null) }))
      .filter((candidate) => !query.after || compareSortKeys(candidate.sort, query.after) * direction > 0)
      .sort((a, b) => compareSortKeys(a.sort, b.sort) * direction)
      .slice(0, query.limit)
      .map(({ key, entry }) => ({ body: entry.body, location: `${query.collection}/${key}` }));
  }

  async aggregate(aggregation: StorageDriverAggregation): Promise<StorageDriverAggregate> {
    this.assertOpen();
    collectionNamed(aggregation.collection, this.name);
    const result: StorageDriverAggregate = { count: 0, sums: Object.fromEntries(aggregation.sum.map((field) => [field, 0])) };
    for (const entry of this.entries(aggregation.collection).values()) {
      if (!matches(entry.fields, aggregation.where)) continue;
      result.count += 1;
      for (const field of aggregation.sum) result.sums[field]! += Number(entry.fields[field] ?? 0);
    }
    return result;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private entries(collection: string): Map<string, MemoryEntry> {
    let entries = this.collections.get(collection);
    if (!entries) {
      entries = new Map();
      this.collections.set(collection, entries);
    }
    return entries;
  }

  private assertOpen(): void {
    if (this.closed) throw new StorageError({ backend: this.name, message: 'The driver is closed; create a new one.' });
  }
}

export const createMemoryStorageDriver = (): MemoryStorageDriver => new MemoryStorageDriver();
