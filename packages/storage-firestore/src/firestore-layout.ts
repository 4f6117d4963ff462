import {
  recordCatalogue,
  sequenceStorageCollections,
  type CatalogueEntry,
  type IndexValue,
  type StorageCollection,
  type StorageRecordKind,
  type StorageRecordOf,
} from '@codemonkeys/protocol';
import { documentIdOf } from './document-id';
import { encodeSortKey } from './sort-key';

type FieldValue = string | number | null;

/**
 * How each collection of the protocol's catalogue is kept: a collection of documents under the storage's
 * root document, named by the entry's key (so writes are idempotent), with the catalogue's indexed fields
 * as top-level fields plus one sort-key field per order (`orderKey`, `timeKey`): Firestore orders and
 * pages on one field (see sort-key.ts). The record itself is stored whole as JSON in `body` (or in chunks).
 */
export interface FirestoreRecordLayout<K extends StorageRecordKind> {
  collection: string;
  idParts(record: StorageRecordOf<K>): string[];
  fields(record: StorageRecordOf<K>): Record<string, FieldValue>;
}

/** The field holding the encoded sort key of the order named `order`. */
export const sortKeyField = (order: string): string => `${order}Key`;

/** The document id of an entry's key. */
export const documentIdOfKey = (key: readonly IndexValue[]): string => documentIdOf(key.map(String));

/** A document's top-level fields: every indexed field (null when unused) and the sort key of each order. */
export function firestoreFieldsOf(spec: StorageCollection, fields: Readonly<Record<string, IndexValue>>): Record<string, FieldValue> {
  const document: Record<string, FieldValue> = Object.fromEntries(spec.fields.map((field) => [field, fields[field] ?? null]));
  for (const [order, orderFields] of Object.entries(spec.orders)) document[sortKeyField(order)] = encodeSortKey(orderFields.map((field) => fields[field] as string | number));
  return document;
}

const layoutOf = <K extends StorageRecordKind>(entry: CatalogueEntry<K>): FirestoreRecordLayout<K> => ({
  collection: entry.collection.name,
  idParts: (record) => {
    const fields = entry.fieldsOf(record);
    return entry.collection.key.map((field) => String(fields[field]));
  },
  fields: (record) => firestoreFieldsOf(entry.collection, entry.fieldsOf(record)),
});

export const firestoreLayouts = Object.fromEntries(
  Object.entries(recordCatalogue).map(([kind, entry]) => [kind, layoutOf(entry as CatalogueEntry<StorageRecordKind>)]),
) as unknown as { [K in StorageRecordKind]: FirestoreRecordLayout<K> };

/** One document per (run, instance) holding its lease's state (read and written in transactions only). */
export const instanceLeasesCollection = 'instanceLeases';
/** One document per (run, instance, lease generation), created (never overwritten) by the acquisition that starts it. */
export const instanceLeaseClaimsCollection = 'instanceLeaseClaims';
/** Pieces of records over the document size limit. */
export const chunksCollection = 'chunks';

/**
 * Every query the storage issues: equality filters drawn from `equalityFields` (those in `required`
 * always present), then a range and an order on one sort field. `firestore.indexes.json` is generated
 * from this list (the catalogue's filters and orders), and the driver refuses anything not declared here.
 */
export interface FirestoreQueryShape {
  collection: string;
  required: readonly string[];
  equalityFields: readonly string[];
  sortFields: readonly string[];
}

export const firestoreQueryShapes: readonly FirestoreQueryShape[] = Object.values(sequenceStorageCollections)
  .filter((spec) => Object.keys(spec.orders).length > 0)
  .map((spec) => ({ collection: spec.name, required: [], equalityFields: spec.filters, sortFields: Object.keys(spec.orders).map(sortKeyField) }));

/** Fields holding record text: never filtered on, so exempt from Firestore's automatic indexes. */
export const unindexedFields: ReadonlyArray<{ collection: string; field: string }> = [
  ...Object.values(sequenceStorageCollections).map((spec) => ({ collection: spec.name, field: 'body' })),
  { collection: chunksCollection, field: 'data' },
];
