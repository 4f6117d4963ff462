import type Database from 'better-sqlite3';
import { DriverSequenceStorage, type InstanceLeases } from '@codemonkeys/protocol';
import { SqliteStorageDriver } from './sqlite-storage-driver';
import type { SqliteSequenceStorageOptions } from './sqlite-storage-options';

/** SequenceStorage on one SQLite file: the protocol's record catalogue over the SQLite driver. */
export class SqliteSequenceStorage extends DriverSequenceStorage<SqliteStorageDriver> {
  /** One writer per (run, instance): each lease step is an IMMEDIATE transaction on the file. */
  declare readonly leases: InstanceLeases;

  constructor(options: SqliteSequenceStorageOptions) {
    super(new SqliteStorageDriver(options), options);
  }

  /** The database file (or `:memory:`). */
  get path(): string {
    return this.driver.path;
  }

  /** The underlying better-sqlite3 connection, for inspection and tests. Writing through it bypasses validation and redaction. */
  get database(): Database.Database {
    return this.driver.database;
  }
}

/** Opens (creating and migrating if needed) a SQLite sequence storage. */
export function createSqliteSequenceStorage(options: SqliteSequenceStorageOptions): SqliteSequenceStorage {
  return new SqliteSequenceStorage(options);
}
