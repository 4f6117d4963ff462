import { createHash } from 'node:crypto';
import {
  createInMemorySequenceStorage,
  readAllPages,
  type Instance,
  type MessageLogRecord,
  type Patch,
  type RewardQuery,
  type RewardRecord,
  type SequenceStorage,
  type StageResultRecord,
  type WorkStateRecord,
} from '@codemonkeys/protocol';
import { createRewarder, goldLocalizationOf, localizationRewardNames, stageCostRewardNames } from '@codemonkeys/rewards';
import { stageNames } from '../experiment/experiment-plan';
import { instanceStateKey } from '../execution/process-instance';
import type { ImportedInstance, ImportedRun, Provenance } from './imported-run';

/** The work state that says an instance was imported completely, and from which content. */
export const importStateKey = 'import';

export interface WriteImportedRunOptions {
  storage: SequenceStorage;
  /** The dataset's instances by id (gold data for the pseudo-rewards; never stored on a prompt side). */
  dataset: ReadonlyMap<string, Instance>;
  /** Run id (default derived from the format, system and content). */
  runId?: string;
  onInstance?: (event: { instanceId: string; written: boolean }) => void;
}

export interface ImportOutcome {
  experimentId: string;
  runId: string;
  format: ImportedRun['format'];
  system: string;
  instances: number;
  /** Instances written by this import. */
  written: number;
  /** Instances already imported with the same content (nothing written). */
  unchanged: number;
  candidates: number;
  /** Candidates whose verdict is unknown (no label in the files). */
  unknownVerdicts: number;
}

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');
const plainName = (text: string): string =>
  text
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60) || 'system';

export function importedRunId(run: Pick<ImportedRun, 'format' | 'system' | 'digest'>): string {
  return `import-${plainName(run.system)}-${sha(`${run.format}\n${run.system}\n${run.digest}`).slice(0, 10)}`;
}

/** Localization rewards that need the files' sizes (a checkout): unknown for stores that keep only paths. */
const sizeRewardNames = new Set<string>([
  localizationRewardNames.contextLines,
  localizationRewardNames.contextTokens,
  localizationRewardNames.compressionLines,
  localizationRewardNames.compressionTokens,
  localizationRewardNames.relevantOverContext,
]);

/** Stage of the testing conversation of a CodeMonkeys sample (the editing one is the `generate` sample's). */
export const generatedTestsMessageStage = 'generate-tests';

/**
 * Localization rewards of whole files (a store that keeps the ranked paths, not their lengths): every
 * line of a shown file is shown, so gold-line recall is the share of G in the shown files, computed
 * without expanding pointers whose end is "the end of the file". Size rewards are unknown.
 */
function wholeFileLocalizationRewards(imported: ImportedInstance, instance: Instance, runId: string, createdAt: string): RewardRecord[] {
  const shown = new Set((imported.localization!.result.content as Array<{ path: string }>).map((pointer) => pointer.path));
  const gold = goldLocalizationOf(instance.patch);
  const key = { runId, instanceId: imported.instanceId, stage: stageNames.localize, sample: 0, createdAt };
  const details = { source: 'whole files of the imported localization', shownFiles: shown.size, goldFiles: gold.files };
  let hit = 0;
  for (const [file, lines] of gold.lines) if (shown.has(file)) hit += lines.length;
  const shownGold = gold.files.filter((file) => shown.has(file)).length;
  const record = (name: string, value: number | null, reason?: string): RewardRecord => ({ ...key, name, value, details: reason ? { ...details, reason } : details });
  return [
    record(localizationRewardNames.goldLineRecall, gold.lineCount === 0 ? null : hit / gold.lineCount, gold.lineCount === 0 ? 'the gold patch only adds files' : undefined),
    record(
      localizationRewardNames.fileRecallAll,
      gold.files.length === 0 ? null : shownGold === gold.files.length ? 1 : 0,
      gold.files.length === 0 ? 'no gold file exists at the base commit' : undefined,
    ),
    record(
      localizationRewardNames.fileRecallAny,
      gold.files.length === 0 ? null : shownGold > 0 ? 1 : 0,
      gold.files.length === 0 ? 'no gold file exists at the base commit' : undefined,
    ),
    ...[...sizeRewardNames].map((name) => record(name, null)),
  ];
}

const withProvenance = (details: Record<string, unknown>, provenance: Provenance): Record<string, unknown> => ({ ...details, provenance });

/**
 * Builds every record of one instance in a scratch storage (the rewarder writes there), then copies
 * them to the target; the `import` work state, written last, marks the instance complete. The storage
 * protocol has no transactions: an import killed inside an instance leaves that instance without its
 * mark, and the next import writes it again (every write is an upsert by key, so nothing duplicates).
 */
async function instanceRecords(run: ImportedRun, imported: ImportedInstance, instance: Instance, runId: string, createdAt: string) {
  const scratch = createInMemorySequenceStorage();
  const rewarder = createRewarder({ storage: scratch, now: () => new Date(createdAt) });
  const stageResults: StageResultRecord[] = [];
  const messageLogs: MessageLogRecord[] = [];
  const base = { runId, instanceId: imported.instanceId, startedAt: createdAt, finishedAt: createdAt, durationMs: 0 };
  if (imported.localization) {
    stageResults.push({
      ...base,
      stage: stageNames.localize,
      sample: 0,
      status: 'ok',
      output: imported.localization.result,
      metadata: { provenance: imported.localization.provenance },
    });
    await scratch.putStageResults(stageResults);
    if (imported.localization.sizesKnown) await rewarder.rewardLocalization({ runId, instance, result: imported.localization.result });
    else await scratch.putRewards(wholeFileLocalizationRewards(imported, instance, runId, createdAt));
    if (imported.localization.messages.length > 0)
      messageLogs.push({ runId, instanceId: imported.instanceId, stage: stageNames.localize, sample: 0, messages: imported.localization.messages, createdAt });
  }
  const patches: Patch[] = imported.candidates.map((candidate) => ({
    instanceId: imported.instanceId,
    diff: candidate.diff,
    ...(candidate.tests ? { tests: candidate.tests } : {}),
    metadata: { provenance: candidate.provenance },
  }));
  const known = (values: Array<number | null>): number | undefined =>
    values.every((value) => value !== null) && values.length > 0 ? values.reduce((sum, value) => sum! + value!, 0)! : undefined;
  const tokens = known(imported.candidates.map((candidate) => (candidate.usage ? candidate.usage.inputTokens + candidate.usage.outputTokens : null)));
  const costUsd = known(imported.candidates.map((candidate) => candidate.costUsd));
  stageResults.push({ ...base, stage: stageNames.generate, sample: 0, status: 'ok', output: patches, metadata: { provenance: imported.provenance, candidates: patches.length } });
  imported.candidates.forEach((candidate, sample) => {
    if (candidate.messages.length > 0) messageLogs.push({ runId, instanceId: imported.instanceId, stage: stageNames.generate, sample, messages: candidate.messages, createdAt });
    if (candidate.testMessages && candidate.testMessages.length > 0)
      messageLogs.push({ runId, instanceId: imported.instanceId, stage: generatedTestsMessageStage, sample, messages: candidate.testMessages, createdAt });
  });
  if (patches.length > 0) {
    await rewarder.rewardGeneration({
      runId,
      instance,
      candidates: patches,
      knownVerdicts: imported.candidates.map((candidate) => candidate.verdict),
      cost: { ...(tokens === undefined ? {} : { tokens }), ...(costUsd === undefined ? {} : { costUsd }) },
    });
  }
  if (imported.chosen !== null && patches[imported.chosen]) {
    const chosen = patches[imported.chosen]!;
    const reason = `the candidate ${run.system} submitted`;
    stageResults.push({
      ...base,
      stage: stageNames.select,
      sample: 0,
      status: 'ok',
      output: { ...chosen, metadata: { ...chosen.metadata, selectedIndex: imported.chosen, reason } },
      metadata: { provenance: imported.provenance, chosen: imported.chosen, reason, empty: chosen.diff.trim() === '' },
    });
    await scratch.putStageResults(stageResults);
    await rewarder.rewardSelection({ runId, instance, candidates: patches, chosen, cost: {} });
    if (imported.selection && imported.selection.messages.length > 0)
      messageLogs.push({ runId, instanceId: imported.instanceId, stage: stageNames.select, sample: 0, messages: imported.selection.messages, createdAt });
  }
  const rewards: RewardRecord[] = [];
  for await (const reward of readAllPages((query: RewardQuery) => scratch.queryRewards(query), { runId, instanceId: imported.instanceId })) {
    // No model call is stored for an import: tokens and dollars the files do not give are unknown, not 0.
    const costName = reward.name === stageCostRewardNames.tokens || reward.name === stageCostRewardNames.costUsd;
    const given = reward.stage === stageNames.generate && (reward.name === stageCostRewardNames.tokens ? tokens !== undefined : costUsd !== undefined);
    const sizeUnknown = reward.stage === stageNames.localize && sizeRewardNames.has(reward.name) && imported.localization?.sizesKnown === false;
    const unknown = (costName && !given) || sizeUnknown;
    const value = unknown ? null : reward.value;
    const reason = sizeUnknown ? `the ${run.format} keeps file paths, not their sizes (they need a checkout)` : `not recorded in the imported ${run.format}`;
    const details = unknown ? { ...reward.details, reason } : reward.details;
    rewards.push({ ...reward, value, details: withProvenance(details, imported.provenance) });
  }
  imported.candidates.forEach((candidate, sample) => {
    for (const extra of candidate.extraRewards ?? [])
      rewards.push({
        runId,
        instanceId: imported.instanceId,
        stage: stageNames.generate,
        sample,
        name: extra.name,
        value: extra.value,
        details: withProvenance(extra.details, candidate.provenance),
        createdAt,
      });
  });
  await scratch.close();
  const states: WorkStateRecord[] = [
    { runId, instanceId: imported.instanceId, key: instanceStateKey, state: { status: 'done' }, updatedAt: createdAt },
    { runId, instanceId: imported.instanceId, key: importStateKey, state: { digest: instanceDigest(imported), provenance: imported.provenance }, updatedAt: createdAt },
  ];
  return { stageResults, rewards, messageLogs, states };
}

const instanceDigest = (imported: ImportedInstance): string => sha(JSON.stringify(imported));

/** Writes an imported run: experiment, run, then each instance not already imported with the same content. */
export async function writeImportedRun(run: ImportedRun, options: WriteImportedRunOptions): Promise<ImportOutcome> {
  const { storage } = options;
  const runId = options.runId ?? importedRunId(run);
  const experimentId = `import-${run.format}-${plainName(run.system)}`;
  const existing = await storage.getRun(runId);
  const createdAt = existing?.createdAt ?? new Date().toISOString();
  const metadata = {
    label: run.system,
    instanceIds: run.instances.map((instance) => instance.instanceId),
    imported: { format: run.format, source: run.source, system: run.system, digest: run.digest },
  };
  const config = { import: { format: run.format, system: run.system } };
  const experiment = { id: experimentId, name: run.system, config, configHash: sha(JSON.stringify(config)).slice(0, 16), plugins: [], createdAt };
  const previousExperiment = await storage.getExperiment(experimentId);
  if (!previousExperiment) await storage.putExperiment(experiment);
  const runRecord = { id: runId, experimentId, hypers: {}, status: 'completed' as const, createdAt, updatedAt: createdAt, startedAt: createdAt, finishedAt: createdAt, metadata };
  if (!existing || JSON.stringify(existing.metadata) !== JSON.stringify(metadata) || existing.status !== 'completed') await storage.putRun(runRecord);
  let written = 0;
  let unchanged = 0;
  let candidates = 0;
  let unknownVerdicts = 0;
  for (const imported of run.instances) {
    candidates += imported.candidates.length;
    unknownVerdicts += imported.candidates.filter((candidate) => candidate.verdict === null).length;
    const mark = await storage.getWorkState(runId, imported.instanceId, importStateKey);
    if ((mark?.state as { digest?: unknown } | undefined)?.digest === instanceDigest(imported)) {
      unchanged += 1;
      options.onInstance?.({ instanceId: imported.instanceId, written: false });
      continue;
    }
    const instance = options.dataset.get(imported.instanceId)!;
    const records = await instanceRecords(run, imported, instance, runId, createdAt);
    if (records.stageResults.length > 0) await storage.putStageResults(records.stageResults);
    if (records.messageLogs.length > 0) await storage.putMessageLogs(records.messageLogs);
    if (records.rewards.length > 0) await storage.putRewards(records.rewards);
    for (const state of records.states) await storage.putWorkState(state);
    written += 1;
    options.onInstance?.({ instanceId: imported.instanceId, written: true });
  }
  return { experimentId, runId, format: run.format, system: run.system, instances: run.instances.length, written, unchanged, candidates, unknownVerdicts };
}
