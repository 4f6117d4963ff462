import type { InstanceLeaseStore } from '../v1/instance-leases';
import type { StorageCapabilities } from '../v1/sequence-storage';

/** A value copied out of a record into an indexed field: what drivers filter, sort and sum on. */
export type IndexValue = string | number | null;

/**
 * One collection of the record catalogue, as a driver sees it. Declared once (see
 * `sequenceStorageCollections`); SQLite keeps it as a table of snake_case columns, Firestore as a
 * collection of documents, memory as a map.
 */
export interface StorageCollection {
  /** camelCase name: the Firestore collection, and (in snake_case) the SQLite table. */
  readonly name: string;
  /** What one entry is called in errors (`run`, `stageResult`). */
  readonly recordName: string;
  /** The fields whose values identify an entry, in order: a put of an existing key replaces the entry. */
  readonly key: readonly string[];
  /** Every indexed field (the key's included). */
  readonly fields: readonly string[];
  /** Fields that queries compare for equality. */
  readonly filters: readonly string[];
  /** Named sort orders, each a list of fields that ends in a unique key. Queries name one. */
  readonly orders: Readonly<Record<string, readonly string[]>>;
}

/** One write of a batch: put an entry (its key taken from `fields`), or delete the entry of a key. */
export type StorageDriverWrite =
  | { readonly type: 'put'; readonly collection: string; readonly fields: Readonly<Record<string, IndexValue>>; readonly body: string }
  | { readonly type: 'delete'; readonly collection: string; readonly key: readonly IndexValue[] };

/** An entry read back: its body, and where it lives (for errors about a damaged record). */
export interface StorageDriverEntry {
  readonly body: string;
  readonly location: string;
}

/** A keyset query: equality filters, a half-open range on the order's first field, and a page after a sort key. */
export interface StorageDriverQuery {
  readonly collection: string;
  readonly where: Readonly<Record<string, IndexValue>>;
  /** The name of one of the collection's `orders`. */
  readonly order: string;
  readonly direction: 'asc' | 'desc';
  /** Inclusive lower and exclusive upper bound on the first field of the order. */
  readonly range?: { readonly since?: string; readonly until?: string };
  /** The order's values of the last entry of the previous page: the page starts after it (in `direction`). */
  readonly after?: readonly IndexValue[];
  readonly limit: number;
}

/** Count (and sum numeric fields of) the entries matching equality filters. */
export interface StorageDriverAggregation {
  readonly collection: string;
  readonly where: Readonly<Record<string, IndexValue>>;
  readonly sum: readonly string[];
}

export interface StorageDriverAggregate {
  count: number;
  sums: Record<string, number>;
}

/**
 * What a storage backend implements: entries of the catalogue's collections by key, keyset queries over
 * indexed fields, a batch write, counts and sums, and an atomic read-decide-write of one lease per (run,
 * instance). Everything record-shaped (validation, redaction, JSON, the typed queries, cursors, run
 * summaries, export and import) is built once on top, by `createSequenceStorage(driver)`.
 *
 * Contract (the driver conformance suite in `@codemonkeys/protocol/testkit` checks each point):
 * - a put replaces the whole entry of its key (idempotent); a delete of a missing key does nothing;
 * - `write` applies its batch in order (the last write of a key wins); a batch that failed may have
 *   written part of itself (the caller writes it again);
 * - queries compare strings by Unicode code point and numbers numerically, return at most `limit`
 *   entries in the order named, and never repeat or skip an entry across pages;
 * - bodies come back byte for byte, whatever their size;
 * - errors are StorageErrors prefixed by the driver's name; every method of a closed driver rejects.
 */
export interface StorageDriver {
  readonly specificationVersion: 'v1';
  /** Prefixed to errors, and the SequenceStorage's name. */
  readonly name: string;
  readonly capabilities: StorageCapabilities;
  get(collection: string, key: readonly IndexValue[]): Promise<StorageDriverEntry | undefined>;
  write(writes: readonly StorageDriverWrite[]): Promise<void>;
  query(query: StorageDriverQuery): Promise<StorageDriverEntry[]>;
  aggregate(aggregation: StorageDriverAggregation): Promise<StorageDriverAggregate>;
  /** One atomic read-decide-write of the lease of (run, instance); absent when the backend cannot keep leases. */
  readonly leases?: InstanceLeaseStore;
  close(): Promise<void>;
}
