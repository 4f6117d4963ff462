export { packageMeta } from './package-meta';
export { SqliteSequenceStorage, createSqliteSequenceStorage } from './sqlite-sequence-storage';
export { SqliteStorageDriver, createSqliteStorageDriver } from './sqlite-storage-driver';
export { SqliteSequenceStorageSettingsSchema, type SqliteSequenceStorageOptions, type SqliteSequenceStorageSettings } from './sqlite-storage-options';
export { appliedSqliteMigrations, latestSqliteSchemaVersion, migrateSqliteSchema, sqliteMigrations, type SqliteMigration } from './sqlite-migrations';
