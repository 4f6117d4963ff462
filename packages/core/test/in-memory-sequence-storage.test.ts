import { createInMemorySequenceStorage } from '../src/index';
import { runSequenceStorageConformance } from '../src/testkit/index';

runSequenceStorageConformance('memory', { create: async (options) => createInMemorySequenceStorage(options) });
