import { randomUUID } from 'node:crypto';
import type { SequenceStorage } from '@codemonkeys/protocol';
import { runSequenceStorageConformance, runStorageDriverConformance } from '@codemonkeys/protocol/testkit';
import { afterAll, beforeAll } from 'vitest';
import { createFirestoreSequenceStorage, createFirestoreStorageDriver, type FirestoreSequenceStorage, type FirestoreStorageDriver } from '../src/index';
import { startFirestoreEmulator, type FirestoreEmulator } from '../src/testing/index';

let emulator: FirestoreEmulator;
beforeAll(async () => {
  emulator = await startFirestoreEmulator();
});
afterAll(async () => {
  await emulator.stop();
});

const settingsOf = (storage: SequenceStorage) => (storage as FirestoreSequenceStorage).settings;

runStorageDriverConformance('firestore (emulator)', {
  async create() {
    return createFirestoreStorageDriver({ projectId: 'codemonkeys-test', root: `driver/${randomUUID()}`, emulatorHost: emulator.host });
  },
  async reopen(driver) {
    const { projectId, root } = (driver as FirestoreStorageDriver).settings;
    return createFirestoreStorageDriver({ projectId, root, emulatorHost: emulator.host });
  },
});

// Each store is its own root document in one emulator: separate roots are separate stores.
runSequenceStorageConformance('firestore (emulator)', {
  async create(options) {
    return createFirestoreSequenceStorage({ projectId: 'codemonkeys-test', root: `conformance/${randomUUID()}`, emulatorHost: emulator.host, ...options });
  },
  async reopen(storage, options) {
    const { projectId, root } = settingsOf(storage);
    return createFirestoreSequenceStorage({ projectId, root, emulatorHost: emulator.host, ...(options?.clock ? { clock: options.clock } : {}) });
  },
  async readStoredBytes() {
    return Buffer.from(emulator.storedText(), 'utf8');
  },
});
