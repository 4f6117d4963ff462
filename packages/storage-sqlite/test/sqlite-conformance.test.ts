import fs from 'node:fs';
import path from 'node:path';
import type { SequenceStorage } from '@codemonkeys/protocol';
import { runSequenceStorageConformance } from '@codemonkeys/protocol/testkit';
import { createSqliteSequenceStorage, SqliteSequenceStorage } from '../src/index';
import { makeTemporaryDirectory, readDirectoryBytes } from './temporary-directory';

const directories = new Map<SequenceStorage, string>();
const pathOf = (storage: SequenceStorage): string => (storage as SqliteSequenceStorage).path;

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
