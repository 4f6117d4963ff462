import { DriverSequenceStorage, type SequenceStorageOptions } from './driver/driver-sequence-storage';
import { MemoryStorageDriver } from './driver/memory-storage-driver';
import type { InstanceLeases } from './v1/instance-leases';

export type InMemorySequenceStorageOptions = SequenceStorageOptions;

/** The reference SequenceStorage: the catalogue over the memory driver, nothing persisted. For tests and short experiments. */
export class InMemorySequenceStorage extends DriverSequenceStorage<MemoryStorageDriver> {
  /** Leases of the schedulers that share this store in one process. */
  declare readonly leases: InstanceLeases;

  constructor(options: InMemorySequenceStorageOptions = {}) {
    super(new MemoryStorageDriver(), options);
  }
}

export const createInMemorySequenceStorage = (options: InMemorySequenceStorageOptions = {}): InMemorySequenceStorage => new InMemorySequenceStorage(options);
