import type { RunSummary } from './queries';
import type { ModelCallRecord, StageResultRecord } from './records';

/** Rounds a sum of costs to 1e-9 dollars: floating-point sums differ in the last bits with the order of addition. */
export const roundCostUsd = (costUsd: number): number => Math.round(costUsd * 1e9) / 1e9;

/** The summary of a run with no records: every count zero, to which a backend adds what it finds. */
export function emptyRunSummary(runId: string): RunSummary {
  return {
    runId,
    instances: 0,
    stageResults: { total: 0, ok: 0, failed: 0, skipped: 0, byStage: {} },
    modelCalls: { total: 0, errors: 0, cacheHits: 0 },
    usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 },
    costUsd: 0,
  };
}

/** A run summary from the run's records, for backends that have them in memory. */
export function summarizeRunRecords(
  runId: string,
  stageResults: Iterable<Pick<StageResultRecord, 'instanceId' | 'stage' | 'status'>>,
  modelCalls: Iterable<Pick<ModelCallRecord, 'status' | 'cacheHit' | 'usage' | 'costUsd'>>,
): RunSummary {
  const summary = emptyRunSummary(runId);
  const instances = new Set<string>();
  for (const result of stageResults) {
    instances.add(result.instanceId);
    summary.stageResults.total += 1;
    summary.stageResults[result.status] += 1;
    const stage = (summary.stageResults.byStage[result.stage] ??= { ok: 0, failed: 0, skipped: 0 });
    stage[result.status] += 1;
  }
  summary.instances = instances.size;
  for (const call of modelCalls) {
    summary.modelCalls.total += 1;
    if (call.status === 'error') summary.modelCalls.errors += 1;
    if (call.cacheHit) summary.modelCalls.cacheHits += 1;
    summary.usage.inputTokens += call.usage.inputTokens;
    summary.usage.outputTokens += call.usage.outputTokens;
    summary.usage.cacheReadTokens += call.usage.cacheReadTokens;
    summary.usage.cacheWriteTokens += call.usage.cacheWriteTokens;
    summary.costUsd += call.costUsd;
  }
  summary.costUsd = roundCostUsd(summary.costUsd);
  return summary;
}
