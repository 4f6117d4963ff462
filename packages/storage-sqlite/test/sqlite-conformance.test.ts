import fs from 'node:fs';
import path from 'node:path';
import type { SequenceStorage } from '@codemonkeys/protocol';
import { runSequenceStorageConformance, runStorageDriverConformance } from '@codemonkeys/protocol/testkit';
import { createSqliteSequenceStorage, createSqliteStorageDriver, SqliteSequenceStorage, type SqliteStorageDriver } from '../src/index';
import { makeTemporaryDirectory, readDirectoryBytes } from './temporary-directory';

const directories = new Map<SequenceStorage, string>();
const pathOf = (storage: SequenceStorage): string => (storage as SqliteSequenceStorage).path;

const driverDirectories = new Map<unknown, string>();
runStorageDriverConformance('sqlite', {
  async create() {
    const directory = makeTemporaryDirectory();
    const driver = createSqliteStorageDriver({ path: path.join(directory, 'runs.db') });
    driverDirectories.set(driver, directory);
    return driver;
  },
  async reopen(driver) {
    return createSqliteStorageDriver({ path: (driver as SqliteStorageDriver).path });
  },
  async destroy(driver) {
    fs.rmSync(driverDirectories.get(driver)!, { recursive: true, force: true });
    driverDirectories.delete(driver);
  },
});

runSequenceStorageConformance('sqlite', {
  async create(options) {
    const directory = makeTemporaryDirectory();
    const storage = createSqliteSequenceStorage({ path: path.join(directory, 'runs.db'), ...options });
    directories.set(storage, directory);
    return storage;
  },
  async destroy(storage) {
    fs.rmSync(directories.get(storage)!, { recursive: true, force: true });
    directories.delete(storage);
  },
  async reopen(storage, options) {
    return createSqliteSequenceStorage({ path: pathOf(storage), ...(options?.clock ? { clock: options.clock } : {}) });
  },
  async readStoredBytes(storage) {
    return readDirectoryBytes(directories.get(storage)!);
  },
});
