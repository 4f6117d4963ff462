import { currentCallLabels } from '../../call-labels/call-labels';
import { CodemonkeysError } from '../../errors/codemonkeys-error';
import type { Message } from '../../message/v1/message';
import type { MessageLogQuery, ModelCallQuery, Page, PageRequest, RewardQuery, StageResultQuery, WorkStateQuery } from './queries';
import type { ExportRecord } from './records';
import type { SequenceStorage, SequenceWriter } from './sequence-storage';

/** Reads every page of a paginated query. */
export async function* readAllPages<T, Q extends PageRequest>(query: (request: Q) => Promise<Page<T>>, request: NoInfer<Q>, pageSize = 500): AsyncIterable<T> {
  let cursor: string | undefined;
  do {
    const page = await query({ ...request, limit: pageSize, ...(cursor ? { cursor } : {}) });
    yield* page.items;
    cursor = page.nextCursor;
  } while (cursor);
}

/**
 * The export of a run built on the query methods: one implementation for every backend, in one order
 * (experiment, run, stage results, rewards, message logs, model calls, work states; each in its query
 * order), so that exports of the same run from two backends are identical line for line.
 */
export async function* exportRunRecords(storage: SequenceStorage, runId: string): AsyncIterable<ExportRecord> {
  const run = await storage.getRun(runId);
  if (!run) return;
  const experiment = await storage.getExperiment(run.experimentId);
  if (experiment) yield { type: 'experiment', record: experiment };
  yield { type: 'run', record: run };
  for await (const record of readAllPages((query: StageResultQuery) => storage.queryStageResults(query), { runId })) yield { type: 'stageResult', record };
  for await (const record of readAllPages((query: RewardQuery) => storage.queryRewards(query), { runId })) yield { type: 'reward', record };
  for await (const record of readAllPages((query: MessageLogQuery) => storage.queryMessageLogs(query), { runId })) yield { type: 'messageLog', record };
  for await (const record of readAllPages((query: ModelCallQuery) => storage.queryModelCalls(query), { runId })) yield { type: 'modelCall', record };
  for await (const record of readAllPages((query: WorkStateQuery) => storage.queryWorkStates(query), { runId })) yield { type: 'workState', record };
}

/** Writes exported records through the storage's batch methods, `batchSize` at a time. */
export async function importExportRecords(storage: SequenceStorage, records: AsyncIterable<ExportRecord> | Iterable<ExportRecord>, batchSize = 200): Promise<number> {
  let count = 0;
  let batch: ExportRecord[] = [];
  const flush = async (): Promise<void> => {
    const byType = <K extends ExportRecord['type']>(type: K) =>
      batch.filter((entry): entry is Extract<ExportRecord, { type: K }> => entry.type === type).map((entry) => entry.record);
    const stageResults = byType('stageResult');
    const rewards = byType('reward');
    const messageLogs = byType('messageLog');
    const modelCalls = byType('modelCall');
    if (stageResults.length > 0) await storage.putStageResults(stageResults as never);
    if (rewards.length > 0) await storage.putRewards(rewards as never);
    if (messageLogs.length > 0) await storage.putMessageLogs(messageLogs as never);
    if (modelCalls.length > 0) await storage.putModelCalls(modelCalls as never);
    for (const state of byType('workState')) await storage.putWorkState(state as never);
    count += batch.length;
    batch = [];
  };
  for await (const entry of records) {
    // Experiments and runs go first and alone, so that the records that refer to them never arrive before them.
    if (entry.type === 'experiment') {
      await flush();
      await storage.putExperiment(entry.record);
      count += 1;
    } else if (entry.type === 'run') {
      await flush();
      await storage.putRun(entry.record);
      count += 1;
    } else {
      batch.push(entry);
      if (batch.length >= batchSize) await flush();
    }
  }
  await flush();
  return count;
}

/** `storage.writer(instanceId).logMessages(messages)`, labelled from the arguments or the current call-label scope. */
export function createSequenceWriter(storage: SequenceStorage, instanceId: string, labels: { runId?: string; stage?: string; sample?: number } = {}): SequenceWriter {
  return {
    async logMessages(messages: readonly Message[], more: { stage?: string; sample?: number } = {}): Promise<void> {
      const scope = currentCallLabels();
      const runId = labels.runId ?? scope.runId;
      if (!runId) {
        throw new CodemonkeysError(
          `Cannot log messages of instance "${instanceId}": no run is in scope. ` + 'Call writer() inside a run started by the runner, or pass { runId } to writer().',
        );
      }
      await storage.putMessageLogs([
        {
          runId,
          instanceId,
          stage: more.stage ?? labels.stage ?? scope.stage ?? 'experiment',
          sample: more.sample ?? labels.sample ?? scope.sample ?? 0,
          messages: [...messages],
          createdAt: new Date().toISOString(),
        },
      ]);
    },
  };
}
