import { createHash } from 'node:crypto';
import {
  NotFoundError,
  readAllPages,
  type Instance,
  type Message,
  type MessageLogQuery,
  type RewardQuery,
  type SequenceStorage,
  type StageResultQuery,
} from '@codemonkeys/protocol';
import { generationRewardNames, stageCostRewardNames } from '@codemonkeys/rewards';
import { stageNames } from '../experiment/experiment-plan';
import type { CandidateMetadata, ExportGold } from './export-schemas';

/** A stored candidate with what an export needs: its conversation, patch, rewards, verdict, and whether it was chosen. */
export interface ExportCandidate {
  metadata: CandidateMetadata;
  patch: string;
  messages: Message[];
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const costNames = new Set<string>(Object.values(stageCostRewardNames));

export const goldOf = (instance: Instance): ExportGold => ({
  patch: instance.patch,
  testPatch: instance.testPatch,
  failToPass: instance.failToPass,
  passToPass: instance.passToPass,
});

/**
 * The candidates of the runs, one instance at a time (all candidates of an instance together, so
 * pairs can be formed), reading storage page by page: memory holds one page of stage results and one
 * instance's rewards and messages, whatever the number of instances. Reward details are never read
 * into an export (they hold gold lines); gold reaches it only through `gold`, in metadata.
 */
export async function* candidatesByInstance(
  storage: SequenceStorage,
  runIds: readonly string[],
  options: { gold?: ReadonlyMap<string, Instance> } = {},
): AsyncIterable<ExportCandidate[]> {
  for (const runId of runIds) {
    const run = await storage.getRun(runId);
    if (!run) throw new NotFoundError(`No run "${runId}" in the ${storage.name} storage. List the runs with \`codemonkeys runs\`.`);
    for await (const generate of readAllPages((query: StageResultQuery) => storage.queryStageResults(query), { runId, stage: stageNames.generate, status: 'ok' }, 200)) {
      if (!Array.isArray(generate.output)) continue;
      const { instanceId } = generate;
      const patches = generate.output as Array<{ diff?: unknown }>;
      const rewards = new Map<number, Record<string, number | null>>();
      const instanceRewards: Record<string, number | null> = {};
      const verdictSources = new Map<number, string>();
      let chosenIndex: number | null | undefined;
      for await (const reward of readAllPages((query: RewardQuery) => storage.queryRewards(query), { runId, instanceId })) {
        if (costNames.has(reward.name)) continue;
        if (reward.stage === stageNames.generate) {
          const entry = rewards.get(reward.sample) ?? {};
          entry[reward.name] = reward.value;
          rewards.set(reward.sample, entry);
          if (reward.name === generationRewardNames.resolved && typeof reward.details.source === 'string') verdictSources.set(reward.sample, reward.details.source);
        } else if (reward.stage === stageNames.select) {
          if (reward.name === 'resolved') {
            const index = reward.details.chosenIndex;
            chosenIndex = typeof index === 'number' ? index : null;
          }
        } else if (reward.sample === 0) {
          instanceRewards[`${reward.stage}/${reward.name}`] = reward.value;
        }
      }
      if (chosenIndex === undefined) {
        const select = await storage.getStageResult({ runId, instanceId, stage: stageNames.select, sample: 0 });
        const selected = (select?.output as { metadata?: { selectedIndex?: unknown } } | undefined)?.metadata?.selectedIndex;
        chosenIndex = select ? (typeof selected === 'number' ? selected : null) : undefined;
      }
      const messages = new Map<number, Message[]>();
      for await (const log of readAllPages((query: MessageLogQuery) => storage.queryMessageLogs(query), { runId, instanceId, stage: stageNames.generate }))
        messages.set(log.sample, [...(messages.get(log.sample) ?? []), ...log.messages]);
      const instance = options.gold?.get(instanceId);
      const candidates: ExportCandidate[] = patches.map((patch, sample) => {
        const diff = typeof patch.diff === 'string' ? patch.diff : '';
        const values = rewards.get(sample) ?? {};
        const resolved = values[generationRewardNames.resolved];
        const { [generationRewardNames.resolved]: _verdict, ...pseudoRewards } = values;
        return {
          patch: diff,
          messages: messages.get(sample) ?? [],
          metadata: {
            runId,
            experimentId: run.experimentId,
            instanceId,
            sample,
            resolved: resolved === undefined || resolved === null ? null : resolved === 1,
            verdictSource: verdictSources.get(sample) ?? null,
            chosen: chosenIndex === undefined ? null : chosenIndex === sample,
            rewards: { ...pseudoRewards, ...instanceRewards },
            diffSha256: sha256(diff),
            ...(instance ? { gold: goldOf(instance) } : {}),
          },
        };
      });
      yield candidates;
    }
  }
}
