import { firestoreQueryShapes, unindexedFields } from './firestore-layout';

/** The shape of `firestore.indexes.json` (as `firebase deploy --only firestore:indexes` reads it). */
export interface FirestoreIndexDefinitions {
  indexes: Array<{
    collectionGroup: string;
    queryScope: 'COLLECTION';
    fields: Array<{ fieldPath: string; order: 'ASCENDING' | 'DESCENDING' }>;
  }>;
  fieldOverrides: Array<{
    collectionGroup: string;
    fieldPath: string;
    indexes: never[];
  }>;
}

/**
 * The composite indexes the queries need: for each equality field, (field, sort field) in both
 * directions. A query with several equality filters is served by Firestore merging these indexes (they
 * share the sort field as suffix); a query with none uses the automatic single-field index.
 */
export function buildFirestoreIndexDefinitions(): FirestoreIndexDefinitions {
  const indexes: FirestoreIndexDefinitions['indexes'] = [];
  for (const shape of firestoreQueryShapes) {
    for (const field of shape.equalityFields) {
      for (const sortField of shape.sortFields) {
        for (const order of ['ASCENDING', 'DESCENDING'] as const) {
          indexes.push({
            collectionGroup: shape.collection,
            queryScope: 'COLLECTION',
            fields: [
              { fieldPath: field, order: 'ASCENDING' },
              { fieldPath: sortField, order },
            ],
          });
        }
      }
    }
  }
  return {
    indexes,
    fieldOverrides: unindexedFields.map(({ collection, field }) => ({ collectionGroup: collection, fieldPath: field, indexes: [] })),
  };
}
