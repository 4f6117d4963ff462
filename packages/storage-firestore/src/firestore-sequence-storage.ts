import type { Firestore } from '@google-cloud/firestore';
import { DriverSequenceStorage, type InstanceLeases } from '@codemonkeys/protocol';
import { FirestoreStorageDriver } from './firestore-storage-driver';
import type { FirestoreSequenceStorageOptions, FirestoreSequenceStorageSettings } from './firestore-storage-options';

/** SequenceStorage on Google Cloud Firestore, for many machines writing one store: the protocol's record catalogue over the Firestore driver. */
export class FirestoreSequenceStorage extends DriverSequenceStorage<FirestoreStorageDriver> {
  /** One writer per (run, instance): each lease step is a Firestore transaction (see FirestoreStorageDriver). */
  declare readonly leases: InstanceLeases;

  constructor(options: FirestoreSequenceStorageOptions) {
    super(new FirestoreStorageDriver(options), options);
  }

  get settings(): FirestoreSequenceStorageSettings {
    return this.driver.settings;
  }

  /** The Firestore client, for inspection. Writing through it bypasses validation and redaction. */
  get firestore(): Firestore {
    return this.driver.firestore;
  }
}

/** Opens a Firestore sequence storage (no request is made until the first read or write). */
export function createFirestoreSequenceStorage(options: FirestoreSequenceStorageOptions): FirestoreSequenceStorage {
  return new FirestoreSequenceStorage(options);
}
