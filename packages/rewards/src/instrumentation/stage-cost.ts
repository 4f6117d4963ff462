import { readAllPages, roundCostUsd, type ModelCallQuery, type RewardQuery, type RewardRecord, type SequenceStorage } from '@codemonkeys/protocol';

/** What a stage cost: wall time as measured by the runner, tokens and dollars of its model calls. */
export interface StageCost {
  durationMs?: number;
  /** Input + output tokens of the stage's model calls. */
  tokens?: number;
  costUsd?: number;
  /** The stage's output was another run's (reused, nothing spent here): recorded on the cost records. */
  reusedFrom?: { runId: string; createdAt: string };
}

/**
 * Tokens and cost of the model calls stored for (run, instance, stage): what the model client logged
 * with its call labels. Cache hits count as logged.
 */
export async function storedModelCallCost(
  storage: SequenceStorage,
  key: { runId: string; instanceId: string; stage: string },
): Promise<{ tokens: number; costUsd: number; calls: number }> {
  let tokens = 0;
  let costUsd = 0;
  let calls = 0;
  for await (const call of readAllPages((query: ModelCallQuery) => storage.queryModelCalls(query), { runId: key.runId, instanceId: key.instanceId, stage: key.stage })) {
    tokens += call.usage.inputTokens + call.usage.outputTokens;
    costUsd += call.costUsd;
    calls += 1;
  }
  return { tokens, costUsd: roundCostUsd(costUsd), calls };
}

/** Every reward record matching a query (all pages). */
export async function readRewardRecords(storage: Pick<SequenceStorage, 'queryRewards'>, query: Omit<RewardQuery, 'limit' | 'cursor'>): Promise<RewardRecord[]> {
  const records: RewardRecord[] = [];
  for await (const record of readAllPages((request: RewardQuery) => storage.queryRewards(request), query, 1000)) records.push(record);
  return records;
}
