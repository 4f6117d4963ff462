import { NotFoundError, readAllPages, type RewardQuery, type SequenceStorage } from '@codemonkeys/protocol';
import { selectionRewardNames, stageCostRewardNames } from '@codemonkeys/rewards';
import { stageNames } from '../experiment/experiment-plan';

/** What `compare` needs of one instance of a run; every figure null when it is not known, never 0. */
export interface InstanceValues {
  /** The chosen patch's verdict (the `select` stage's `resolved` reward); null: unknown. */
  resolved: number | null;
  /** Every pseudo-reward, keyed `<stage>/<name>`: the mean over the stage's samples with a value. */
  rewards: Map<string, number>;
  /** Tokens and dollars recorded by the stages (sum of their `tokens` / `cost-usd` rewards); null: none recorded. */
  tokens: number | null;
  costUsd: number | null;
}

export interface RunValues {
  runId: string;
  label: string;
  instances: Map<string, InstanceValues>;
}

const costNames = new Set<string>(Object.values(stageCostRewardNames));
/** Selection bookkeeping, not a pseudo-reward: the resolved reward is compared as the outcome, `candidates` is a count. */
const selectionOutcomeNames = new Set<string>([selectionRewardNames.resolved, selectionRewardNames.candidates]);

/** Reads a run's reward records page by page and reduces them to one line per instance. */
export async function readRunValues(storage: SequenceStorage, runId: string, options: { storageUrl?: string } = {}): Promise<RunValues> {
  const run = await storage.getRun(runId);
  if (!run)
    throw new NotFoundError(
      `No run "${runId}" in ${options.storageUrl ?? `the ${storage.name} storage`}. List the runs with \`codemonkeys runs --storage ${options.storageUrl ?? '...'}\`.`,
    );
  const sums = new Map<string, { resolved: number | null; sums: Map<string, { sum: number; count: number }>; tokens: number | null; costUsd: number | null }>();
  const entryOf = (instanceId: string) => {
    let entry = sums.get(instanceId);
    if (!entry) sums.set(instanceId, (entry = { resolved: null, sums: new Map(), tokens: null, costUsd: null }));
    return entry;
  };
  for await (const reward of readAllPages((query: RewardQuery) => storage.queryRewards(query), { runId })) {
    const entry = entryOf(reward.instanceId);
    if (costNames.has(reward.name)) {
      if (reward.value === null) continue;
      if (reward.name === stageCostRewardNames.tokens) entry.tokens = (entry.tokens ?? 0) + reward.value;
      if (reward.name === stageCostRewardNames.costUsd) entry.costUsd = (entry.costUsd ?? 0) + reward.value;
      continue;
    }
    if (reward.stage === stageNames.select && reward.name === selectionRewardNames.resolved) {
      entry.resolved = reward.value;
      continue;
    }
    if (reward.stage === stageNames.select && selectionOutcomeNames.has(reward.name)) continue;
    if (reward.value === null || !Number.isFinite(reward.value)) continue;
    const key = `${reward.stage}/${reward.name}`;
    const sum = entry.sums.get(key) ?? { sum: 0, count: 0 };
    sum.sum += reward.value;
    sum.count += 1;
    entry.sums.set(key, sum);
  }
  // Instances the run was asked to do but recorded nothing for are in it too, with every figure unknown.
  const planned = Array.isArray(run.metadata.instanceIds) ? run.metadata.instanceIds.filter((id): id is string => typeof id === 'string') : [];
  for (const instanceId of planned) entryOf(instanceId);
  const instances = new Map<string, InstanceValues>();
  for (const [instanceId, entry] of sums) {
    instances.set(instanceId, {
      resolved: entry.resolved,
      rewards: new Map([...entry.sums].map(([key, sum]) => [key, sum.sum / sum.count])),
      tokens: entry.tokens,
      costUsd: entry.costUsd,
    });
  }
  const label = typeof run.metadata.label === 'string' ? run.metadata.label : run.id;
  return { runId, label, instances };
}
