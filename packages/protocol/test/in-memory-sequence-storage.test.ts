import { describe, expect, it } from 'vitest';
import { createInMemorySequenceStorage, createMemoryStorageDriver, emptyRunSummary } from '../src/index';
import { runSequenceStorageConformance, runStorageDriverConformance } from '../src/testkit/index';

runStorageDriverConformance('memory', { create: async () => createMemoryStorageDriver() });
runSequenceStorageConformance('memory', { create: async (options) => createInMemorySequenceStorage(options) });

describe('emptyRunSummary', () => {
  it('is what a backend summarizes for a run without records', async () => {
    const storage = createInMemorySequenceStorage();
    expect(await storage.summarizeRun('run-without-records')).toEqual(emptyRunSummary('run-without-records'));
    expect(emptyRunSummary('run-1')).toEqual({
      runId: 'run-1',
      instances: 0,
      stageResults: { total: 0, ok: 0, failed: 0, skipped: 0, byStage: {} },
      modelCalls: { total: 0, errors: 0, cacheHits: 0 },
      usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 },
      costUsd: 0,
    });
    await storage.close();
  });
});
