import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildFirestoreIndexDefinitions, type FirestoreIndexDefinitions } from '../src/firestore-indexes';
import { firestoreLayouts, firestoreQueryShapes } from '../src/firestore-layout';

const shipped = JSON.parse(fs.readFileSync(new URL('../firestore.indexes.json', import.meta.url), 'utf8')) as FirestoreIndexDefinitions;

const subsets = <T>(items: readonly T[]): T[][] => items.reduce<T[][]>((all, item) => [...all, ...all.map((subset) => [...subset, item])], [[]]);

describe('firestore.indexes.json', () => {
  it('is what the query shapes generate (run `npm run indexes` after changing them)', () => {
    expect(shipped).toEqual(buildFirestoreIndexDefinitions());
  });

  it('covers every query the storage can issue: each equality filter has (field, sort key) in both directions', () => {
    const has = (collection: string, field: string, sortField: string, order: string): boolean =>
      shipped.indexes.some(
        (index) =>
          index.collectionGroup === collection &&
          index.fields.length === 2 &&
          index.fields[0]!.fieldPath === field &&
          index.fields[1]!.fieldPath === sortField &&
          index.fields[1]!.order === order,
      );
    let queries = 0;
    for (const shape of firestoreQueryShapes) {
      const optional = shape.equalityFields.filter((field) => !shape.required.includes(field));
      for (const subset of subsets(optional)) {
        const equality = [...shape.required, ...subset];
        for (const sortField of shape.sortFields) {
          for (const order of ['ASCENDING', 'DESCENDING']) {
            queries += 1;
            for (const field of equality) expect(has(shape.collection, field, sortField, order), `${shape.collection}: ${field} by ${sortField} ${order}`).toBe(true);
          }
        }
      }
    }
    expect(queries).toBeGreaterThan(100);
    expect(shipped.indexes.length).toBeLessThanOrEqual(200); // Firestore's limit of composite indexes per database
  });

  it('declares a shape for every queried collection and exempts record text from indexing', () => {
    for (const layout of Object.values(firestoreLayouts)) {
      if (layout.collection === 'cacheEntries') continue; // read by key only
      expect(firestoreQueryShapes.map((shape) => shape.collection)).toContain(layout.collection);
      expect(shipped.fieldOverrides).toContainEqual({ collectionGroup: layout.collection, fieldPath: 'body', indexes: [] });
    }
  });
});
