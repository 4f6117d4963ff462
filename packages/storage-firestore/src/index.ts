export { packageMeta } from './package-meta';
export { FirestoreSequenceStorage, createFirestoreSequenceStorage } from './firestore-sequence-storage';
export { FirestoreStorageDriver, createFirestoreStorageDriver } from './firestore-storage-driver';
export { FirestoreSequenceStorageSettingsSchema, firestoreLimits, type FirestoreSequenceStorageOptions, type FirestoreSequenceStorageSettings } from './firestore-storage-options';
export { createFirestoreClient, normalizeEmulatorHost, type FirestoreClientOptions } from './firestore-client';
export { buildFirestoreIndexDefinitions, type FirestoreIndexDefinitions } from './firestore-indexes';
export { firestoreLayouts, firestoreQueryShapes, type FirestoreQueryShape, type FirestoreRecordLayout } from './firestore-layout';
export { encodeSortKey } from './sort-key';
