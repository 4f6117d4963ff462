import type { RewardRecord } from '@codemonkeys/protocol';
import { generationRewardNames } from '../reward-names';
import { rewardValidity, type RewardObservation, type RewardValidity, type ValidityOptions } from './reward-validity';

/** The generation pseudo-rewards whose validity is measured (the SWE-bench verdict itself is the outcome). */
export const pseudoRewardNames: readonly string[] = [
  generationRewardNames.similarity,
  generationRewardNames.lineOverlap,
  generationRewardNames.fileOverlap,
  generationRewardNames.patchLines,
  generationRewardNames.generatedTestValidity,
  generationRewardNames.generatedTestCoverage,
];

/**
 * Validity of each generation pseudo-reward over every candidate of a run: each (instance, sample) with a
 * known `resolved` record is an observation of every pseudo-reward it has a value for; candidates of one
 * instance are resampled together. Rewards with no observation are left out.
 */
export function validityFromRecords(records: readonly RewardRecord[], options: ValidityOptions & { names?: readonly string[] } = {}): RewardValidity[] {
  const key = (record: RewardRecord): string => `${record.runId}\u0000${record.instanceId}\u0000${record.stage}\u0000${record.sample}`;
  const outcomes = new Map<string, boolean>();
  for (const record of records) if (record.name === generationRewardNames.resolved && record.value !== null) outcomes.set(key(record), record.value === 1);
  const names = options.names ?? pseudoRewardNames;
  const results: RewardValidity[] = [];
  for (const name of names) {
    const observations: RewardObservation[] = [];
    for (const record of records) {
      if (record.name !== name || record.value === null) continue;
      const resolved = outcomes.get(key(record));
      if (resolved === undefined) continue;
      observations.push({ score: record.value, resolved, group: record.instanceId });
    }
    if (observations.length > 0) results.push(rewardValidity(name, observations, options));
  }
  return results;
}
