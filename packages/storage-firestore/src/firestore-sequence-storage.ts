import { AggregateField, type DocumentReference, type DocumentSnapshot, type Firestore, type Query } from '@google-cloud/firestore';
import pMap from 'p-map';
import {
  CodemonkeysError,
  StorageError,
  createSequenceWriter,
  createStorageRecordCodec,
  encodeCursor,
  exportRunRecords,
  importExportRecords,
  resolvePageRequest,
  roundCostUsd,
  type CacheEntry,
  type ExperimentRecord,
  type ExportRecord,
  type MessageLogQuery,
  type MessageLogRecord,
  type ModelCallQuery,
  type ModelCallRecord,
  type Page,
  type PageRequest,
  type RewardQuery,
  type RewardRecord,
  type RunQuery,
  type RunRecord,
  type RunSummary,
  type SequenceStorage,
  type SequenceWriter,
  type StageKey,
  type StageResultQuery,
  type StageResultRecord,
  type StorageCapabilities,
  createInstanceLeases,
  decodeInstanceLeaseState,
  type InstanceLeaseKey,
  type InstanceLeases,
  type InstanceLeaseState,
  type LeaseDecision,
  type StorageRecordCodec,
  type StorageRecordKind,
  type StorageRecordOf,
  type WorkStateQuery,
  type WorkStateRecord,
} from '@codemonkeys/protocol';
import { createFirestoreClient } from './firestore-client';
import {
  chunksCollection,
  documentIdFor,
  firestoreLayouts,
  firestoreQueryShapes,
  instanceLeaseClaimsCollection,
  instanceLeasesCollection,
  runInstancesCollection,
  runStagesCollection,
  type FirestoreRecordLayout,
} from './firestore-layout';
import { parseFirestoreStorageOptions, type FirestoreSequenceStorageOptions, type FirestoreSequenceStorageSettings } from './firestore-storage-options';
import { documentIdOf } from './document-id';
import { chunkDocumentId, contentHashOf, joinChunks, splitIntoChunks } from './record-chunks';
import { encodeSortKey } from './sort-key';

/** Bumped if the document layout ever changes, so that a reader can tell old documents apart. */
const layoutVersion = 1;
/** Room in an estimate for a document's name and small fields. */
const documentOverheadBytes = 2_048;
/** gRPC status codes worth retrying a commit on (its writes are idempotent sets). */
const transientCodes = new Set([4, 8, 10, 13, 14]);
/** gRPC ALREADY_EXISTS: a `create` found its document there. */
const alreadyExists = 6;

interface PendingWrite {
  reference: DocumentReference;
  data: Record<string, unknown>;
  bytes: number;
}

interface KeysetPlan {
  kind: StorageRecordKind;
  equal: ReadonlyArray<readonly [field: string, value: string | undefined]>;
  sortField: 'orderKey' | 'timeKey';
  since?: string;
  until?: string;
  page: PageRequest;
}

/**
 * SequenceStorage on Google Cloud Firestore, for many machines writing one store.
 *
 * Every record is one document whose id comes from the record's key, written with `set` (a whole
 * overwrite): writing a record twice is the same as once, so no transaction is needed and a retried
 * or resumed batch never duplicates. The record is kept whole as JSON in `body`, beside the top-level
 * fields queries filter, order and sum on; a record larger than a document may be is split into chunk
 * documents (named by the content's hash, written before the document that points to them) and
 * reassembled on read. Queries page with keyset ranges on one sort-key field (`where` + `orderBy`),
 * never with cursors or offsets; run summaries are count/sum aggregation queries.
 */
export class FirestoreSequenceStorage implements SequenceStorage {
  readonly specificationVersion = 'v1' as const;
  readonly name = 'firestore';
  readonly capabilities: StorageCapabilities = { multiProcess: true, persistent: true };
  readonly settings: FirestoreSequenceStorageSettings;

  private readonly client: Firestore;
  private readonly ownsClient: boolean;
  private readonly rootDocument: DocumentReference;
  private readonly codec: StorageRecordCodec;
  private closed = false;
  /**
   * One writer per (run, instance). Each acquire, renewal and release is a Firestore transaction on the
   * lease document of (run, instance), which Firestore serializes. An acquisition also *creates* the
   * claim document of its generation as the first write of its commit: of two acquirers that read the
   * same state, only one can create it (the other's commit fails whole and reads again), which keeps
   * acquisition exclusive even where transactions are not isolated (the npm emulator). There, and only
   * there, a renewal that races a take-over at the very moment of expiry can be overwritten; the holder
   * learns it at its next renewal.
   */
  readonly leases: InstanceLeases;

  constructor(options: FirestoreSequenceStorageOptions) {
    this.settings = parseFirestoreStorageOptions(options);
    this.codec = createStorageRecordCodec({ backend: this.name, ...(options.redaction ? { redaction: options.redaction } : {}) });
    this.ownsClient = !options.firestore;
    this.client =
      options.firestore ??
      createFirestoreClient({
        projectId: this.settings.projectId,
        databaseId: this.settings.databaseId,
        ...(this.settings.emulatorHost ? { emulatorHost: this.settings.emulatorHost } : {}),
      });
    this.rootDocument = this.client.doc(this.settings.root);
    this.leases = createInstanceLeases(
      {
        update: (key, decide) => this.guard(`update the lease of ${key.runId}/${key.instanceId}`, () => this.updateLease(key, decide)),
        read: (key) =>
          this.guard(`read the lease of ${key.runId}/${key.instanceId}`, async () => {
            this.assertOpen();
            const snapshot = await this.leaseReference(key).get();
            return this.leaseStateOf(snapshot);
          }),
      },
      { backend: this.name, ...(options.clock ? { clock: options.clock } : {}) },
    );
  }

  private leaseReference(key: InstanceLeaseKey): DocumentReference {
    return this.collection(instanceLeasesCollection).doc(documentIdOf([key.runId, key.instanceId]));
  }

  private leaseStateOf(snapshot: DocumentSnapshot): InstanceLeaseState | undefined {
    if (!snapshot.exists) return undefined;
    const { releasedAt, layoutVersion: _layoutVersion, ...fields } = snapshot.data() as Record<string, unknown>;
    return decodeInstanceLeaseState({ ...fields, ...(releasedAt === null || releasedAt === undefined ? {} : { releasedAt }) }, this.name, snapshot.ref.path);
  }

  private async updateLease<Answer>(key: InstanceLeaseKey, decide: (current: InstanceLeaseState | undefined) => LeaseDecision<Answer>): Promise<Answer> {
    this.assertOpen();
    const reference = this.leaseReference(key);
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.client.runTransaction(async (transaction) => {
          const current = this.leaseStateOf(await transaction.get(reference));
          const { answer, next } = decide(current);
          if (next) {
            if (next.generation !== current?.generation) {
              const claim = this.collection(instanceLeaseClaimsCollection).doc(documentIdOf([key.runId, key.instanceId, String(next.generation)]));
              transaction.create(claim, {
                runId: next.runId,
                instanceId: next.instanceId,
                generation: next.generation,
                holder: next.holder,
                token: next.token,
                claimedAt: next.acquiredAt,
              });
            }
            // Every field is written (null when unused): the npm emulator merges a set into the old document.
            transaction.set(reference, { ...next, releasedAt: next.releasedAt ?? null, layoutVersion });
          }
          return answer;
        });
      } catch (error) {
        // Another acquirer claimed this generation first: read the lease again (it is theirs now).
        if ((error as { code?: unknown }).code === alreadyExists && attempt < this.settings.maxAttempts) continue;
        throw error;
      }
    }
  }

  /** The Firestore client, for inspection. Writing through it bypasses validation and redaction. */
  get firestore(): Firestore {
    return this.client;
  }

  async putExperiment(record: ExperimentRecord): Promise<void> {
    await this.write('experiment', [record]);
  }
  async getExperiment(id: string): Promise<ExperimentRecord | undefined> {
    return this.readDocument('experiment', documentIdOf([id]));
  }
  async listExperiments(): Promise<ExperimentRecord[]> {
    const experiments: ExperimentRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.keyset<'experiment'>({ kind: 'experiment', equal: [], sortField: 'orderKey', page: { limit: 500, ...(cursor ? { cursor } : {}) } });
      experiments.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return experiments;
  }

  async putRun(record: RunRecord): Promise<void> {
    await this.write('run', [record]);
  }
  async getRun(id: string): Promise<RunRecord | undefined> {
    return this.readDocument('run', documentIdOf([id]));
  }
  async queryRuns(query: RunQuery = {}): Promise<Page<RunRecord>> {
    return this.keyset<'run'>({
      kind: 'run',
      equal: [
        ['experimentId', query.experimentId],
        ['status', query.status],
      ],
      sortField: 'orderKey',
      ...timeRange(query),
      page: query,
    });
  }

  async putStageResults(records: readonly StageResultRecord[]): Promise<void> {
    await this.write('stageResult', records);
  }
  async getStageResult(key: StageKey): Promise<StageResultRecord | undefined> {
    return this.readDocument('stageResult', documentIdOf([key.runId, key.instanceId, key.stage, String(key.sample ?? 0)]));
  }
  async queryStageResults(query: StageResultQuery): Promise<Page<StageResultRecord>> {
    const byTime = query.since !== undefined || query.until !== undefined;
    return this.keyset<'stageResult'>({
      kind: 'stageResult',
      equal: [
        ['runId', query.runId],
        ['instanceId', query.instanceId],
        ['stage', query.stage],
        ['status', query.status],
      ],
      sortField: byTime ? 'timeKey' : 'orderKey',
      ...timeRange(query),
      page: query,
    });
  }

  async putRewards(records: readonly RewardRecord[]): Promise<void> {
    await this.write('reward', records);
  }
  async queryRewards(query: RewardQuery): Promise<Page<RewardRecord>> {
    return this.keyset<'reward'>({
      kind: 'reward',
      equal: [
        ['runId', query.runId],
        ['instanceId', query.instanceId],
        ['stage', query.stage],
        ['name', query.name],
      ],
      sortField: 'orderKey',
      page: query,
    });
  }

  async putMessageLogs(records: readonly MessageLogRecord[]): Promise<void> {
    await this.write('messageLog', records);
  }
  async queryMessageLogs(query: MessageLogQuery): Promise<Page<MessageLogRecord>> {
    return this.keyset<'messageLog'>({
      kind: 'messageLog',
      equal: [
        ['runId', query.runId],
        ['instanceId', query.instanceId],
        ['stage', query.stage],
      ],
      sortField: 'orderKey',
      page: query,
    });
  }

  async putModelCalls(records: readonly ModelCallRecord[]): Promise<void> {
    await this.write('modelCall', records);
  }
  async queryModelCalls(query: ModelCallQuery): Promise<Page<ModelCallRecord>> {
    return this.keyset<'modelCall'>({
      kind: 'modelCall',
      equal: [
        ['experimentId', query.experimentId],
        ['runId', query.runId],
        ['instanceId', query.instanceId],
        ['stage', query.stage],
        ['model', query.model],
        ['status', query.status],
      ],
      sortField: 'orderKey',
      ...timeRange(query),
      page: query,
    });
  }

  async getCacheEntry(key: string): Promise<CacheEntry | undefined> {
    return this.readDocument('cacheEntry', documentIdOf([key]));
  }
  async putCacheEntries(entries: readonly CacheEntry[]): Promise<void> {
    await this.write('cacheEntry', entries);
  }

  async getWorkState(runId: string, instanceId: string, key: string): Promise<WorkStateRecord | undefined> {
    return this.readDocument('workState', documentIdOf([runId, instanceId, key]));
  }
  async putWorkState(record: WorkStateRecord): Promise<void> {
    await this.write('workState', [record]);
  }
  async queryWorkStates(query: WorkStateQuery): Promise<Page<WorkStateRecord>> {
    return this.keyset<'workState'>({
      kind: 'workState',
      equal: [
        ['runId', query.runId],
        ['instanceId', query.instanceId],
      ],
      sortField: 'orderKey',
      page: query,
    });
  }

  /**
   * Aggregation queries only (count and sum, evaluated by Firestore): distinct instances and the stage
   * names come from marker documents written with the stage results; per-stage status counts are sums
   * of 0/1 fields; model-call totals are sums. No record document is read.
   */
  async summarizeRun(runId: string): Promise<RunSummary> {
    this.assertOpen();
    return this.guard(`summarize run ${runId}`, async () => {
      const stageResults = this.collection(firestoreLayouts.stageResult.collection);
      const modelCalls = this.collection(firestoreLayouts.modelCall.collection).where('runId', '==', runId);
      const [instances, stages, callCounts, callTokens] = await Promise.all([
        this.collection(runInstancesCollection).where('runId', '==', runId).count().get(),
        this.collection(runStagesCollection).where('runId', '==', runId).select('stage').get(),
        modelCalls
          .aggregate({
            total: AggregateField.count(),
            errors: AggregateField.sum('isError'),
            cacheHits: AggregateField.sum('isCacheHit'),
            inputTokens: AggregateField.sum('inputTokens'),
            outputTokens: AggregateField.sum('outputTokens'),
          })
          .get(),
        modelCalls
          .aggregate({
            cacheReadTokens: AggregateField.sum('cacheReadTokens'),
            cacheWriteTokens: AggregateField.sum('cacheWriteTokens'),
            costUsd: AggregateField.sum('costUsd'),
          })
          .get(),
      ]);
      const stageNames = stages.docs.map((document) => String(document.get('stage'))).sort();
      const perStage = await Promise.all(
        stageNames.map(async (stage) => {
          const sums = await stageResults
            .where('runId', '==', runId)
            .where('stage', '==', stage)
            .aggregate({ ok: AggregateField.sum('isOk'), failed: AggregateField.sum('isFailed'), skipped: AggregateField.sum('isSkipped') })
            .get();
          return [stage, { ok: Number(sums.data().ok), failed: Number(sums.data().failed), skipped: Number(sums.data().skipped) }] as const;
        }),
      );
      const summary: RunSummary = {
        runId,
        instances: Number(instances.data().count),
        stageResults: { total: 0, ok: 0, failed: 0, skipped: 0, byStage: {} },
        modelCalls: { total: Number(callCounts.data().total), errors: Number(callCounts.data().errors), cacheHits: Number(callCounts.data().cacheHits) },
        usage: {
          inputTokens: Number(callCounts.data().inputTokens),
          outputTokens: Number(callCounts.data().outputTokens),
          cacheReadTokens: Number(callTokens.data().cacheReadTokens),
          cacheWriteTokens: Number(callTokens.data().cacheWriteTokens),
        },
        costUsd: roundCostUsd(Number(callTokens.data().costUsd)),
      };
      for (const [stage, counts] of perStage) {
        if (counts.ok + counts.failed + counts.skipped === 0) continue;
        summary.stageResults.byStage[stage] = counts;
        summary.stageResults.ok += counts.ok;
        summary.stageResults.failed += counts.failed;
        summary.stageResults.skipped += counts.skipped;
        summary.stageResults.total += counts.ok + counts.failed + counts.skipped;
      }
      return summary;
    });
  }

  exportRun(runId: string): AsyncIterable<ExportRecord> {
    return exportRunRecords(this, runId);
  }
  importRecords(records: AsyncIterable<ExportRecord> | Iterable<ExportRecord>): Promise<number> {
    return importExportRecords(this, records);
  }
  writer(instanceId: string, labels?: { runId?: string; stage?: string; sample?: number }): SequenceWriter {
    return createSequenceWriter(this, instanceId, labels);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsClient) await this.client.terminate();
  }

  private collection(name: string) {
    return this.rootDocument.collection(name);
  }

  /**
   * Validates and redacts every record first (nothing is written if one is invalid), then commits chunk
   * documents, and only then the documents that point to them (and the summary markers), in batches
   * within Firestore's limits. A failure may leave part of the batch written: writing it again is safe.
   */
  private async write<K extends StorageRecordKind>(kind: K, records: readonly unknown[]): Promise<void> {
    this.assertOpen();
    if (records.length === 0) return;
    const layout = firestoreLayouts[kind] as FirestoreRecordLayout<K>;
    const prepared = records.map((record) => this.codec.encode(kind, record));
    const chunkWrites: PendingWrite[] = [];
    const documentWrites = new Map<string, PendingWrite>();
    for (const { record, text } of prepared) {
      const documentId = documentIdFor(kind, record);
      const reference = this.collection(layout.collection).doc(documentId);
      // Every field is always written (null when unused): \`set\` replaces a document in Firestore, but the
      // npm emulator merges, and a stale \`body\` must never shadow newer chunks (or the reverse).
      const data: Record<string, unknown> = { ...layout.fields(record), layoutVersion, body: null, chunkHash: null, chunkCount: null, bodyBytes: null };
      const bytes = Buffer.byteLength(text, 'utf8');
      if (bytes <= this.settings.chunkBytes) {
        data.body = text;
      } else {
        const chunks = splitIntoChunks(text, this.settings.chunkBytes);
        const hash = contentHashOf(text);
        const owner = `${layout.collection}/${documentId}`;
        chunks.forEach((chunk, index) => {
          chunkWrites.push({
            reference: this.collection(chunksCollection).doc(chunkDocumentId(owner, hash, index)),
            data: { owner, hash, index, count: chunks.length, data: chunk },
            bytes: Buffer.byteLength(chunk, 'utf8') + documentOverheadBytes,
          });
        });
        Object.assign(data, { chunkHash: hash, chunkCount: chunks.length, bodyBytes: bytes });
      }
      // The last write of a key in one call wins, as it would with separate calls.
      documentWrites.set(reference.path, { reference, data, bytes: (data.body === null ? 0 : bytes) + documentOverheadBytes });
      if (kind === 'stageResult') {
        const { runId, instanceId, stage } = record as StageResultRecord;
        const instanceMarker = this.collection(runInstancesCollection).doc(documentIdOf([runId, instanceId]));
        const stageMarker = this.collection(runStagesCollection).doc(documentIdOf([runId, stage]));
        documentWrites.set(instanceMarker.path, { reference: instanceMarker, data: { runId, instanceId }, bytes: documentOverheadBytes });
        documentWrites.set(stageMarker.path, { reference: stageMarker, data: { runId, stage }, bytes: documentOverheadBytes });
      }
    }
    await this.guard(`write ${records.length} ${kind} record(s)`, async () => {
      await this.commitAll(chunkWrites);
      await this.commitAll([...documentWrites.values()]);
    });
  }

  private async commitAll(writes: readonly PendingWrite[]): Promise<void> {
    const batches: PendingWrite[][] = [];
    let current: PendingWrite[] = [];
    let currentBytes = 0;
    for (const write of writes) {
      if (current.length > 0 && (current.length >= this.settings.maxBatchWrites || currentBytes + write.bytes > this.settings.maxBatchBytes)) {
        batches.push(current);
        current = [];
        currentBytes = 0;
      }
      current.push(write);
      currentBytes += write.bytes;
    }
    if (current.length > 0) batches.push(current);
    await pMap(batches, (batch) => this.commitWithRetry(batch), { concurrency: this.settings.writeConcurrency });
  }

  private async commitWithRetry(writes: readonly PendingWrite[]): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      const batch = this.client.batch();
      for (const write of writes) batch.set(write.reference, write.data);
      try {
        await batch.commit();
        return;
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (attempt >= this.settings.maxAttempts || typeof code !== 'number' || !transientCodes.has(code)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** (attempt - 1) * (0.5 + Math.random())));
      }
    }
  }

  private async readDocument<K extends StorageRecordKind>(kind: K, documentId: string): Promise<StorageRecordOf<K> | undefined> {
    this.assertOpen();
    const layout = firestoreLayouts[kind];
    return this.guard(`read ${layout.collection}/${documentId}`, async () => {
      const snapshot = await this.collection(layout.collection).doc(documentId).get();
      if (!snapshot.exists) return undefined;
      const [record] = await this.decodeDocuments(kind, [snapshot]);
      return record;
    });
  }

  /** The records of documents, fetching the chunks of those stored in pieces (in one batched read). */
  private async decodeDocuments<K extends StorageRecordKind>(kind: K, snapshots: readonly DocumentSnapshot[]): Promise<Array<StorageRecordOf<K>>> {
    const layout = firestoreLayouts[kind];
    const texts: Array<string | undefined> = [];
    const chunkReferences: DocumentReference[] = [];
    const pieces: Array<{ index: number; references: DocumentReference[] }> = [];
    snapshots.forEach((snapshot, index) => {
      const body = snapshot.get('body') as unknown;
      if (typeof body === 'string') {
        texts[index] = body;
        return;
      }
      const hash = snapshot.get('chunkHash') as unknown;
      const count = snapshot.get('chunkCount') as unknown;
      if (typeof hash !== 'string' || typeof count !== 'number') {
        throw new StorageError({
          backend: this.name,
          message: `Document ${snapshot.ref.path} has neither a body nor chunks; it was not written by this storage or is damaged. Rewrite the record.`,
        });
      }
      const owner = `${layout.collection}/${snapshot.id}`;
      const references = Array.from({ length: count }, (_, chunk) => this.collection(chunksCollection).doc(chunkDocumentId(owner, hash, chunk)));
      chunkReferences.push(...references);
      pieces.push({ index, references });
    });
    if (chunkReferences.length > 0) {
      const fetched = new Map<string, DocumentSnapshot>();
      // A few chunks per request keeps each response well under gRPC's message limits.
      for (let start = 0; start < chunkReferences.length; start += 3) {
        for (const chunk of await this.client.getAll(...chunkReferences.slice(start, start + 3))) fetched.set(chunk.ref.path, chunk);
      }
      for (const { index, references } of pieces) {
        texts[index] = joinChunks(
          references.map((reference) => {
            const chunk = fetched.get(reference.path);
            const data = chunk?.exists ? (chunk.get('data') as unknown) : undefined;
            if (typeof data !== 'string') {
              throw new StorageError({
                backend: this.name,
                message: `Chunk ${reference.path} of ${snapshots[index]!.ref.path} is missing; the record is damaged. Rewrite it (writes are idempotent).`,
              });
            }
            return data;
          }),
        );
      }
    }
    return snapshots.map((snapshot, index) => this.codec.decode(kind, texts[index]!, snapshot.ref.path));
  }

  private async keyset<K extends StorageRecordKind>(plan: KeysetPlan): Promise<Page<StorageRecordOf<K>>> {
    this.assertOpen();
    const layout = firestoreLayouts[plan.kind];
    // Cursors name their collection and sort field, so that one query's cursor is refused by another.
    const cursorTag = `${layout.collection}.${plan.sortField}`;
    const page = resolvePageRequest(plan.page, ['string', 'string']);
    if (page.after && page.after[0] !== cursorTag) throw invalidCursor(plan.page.cursor!);
    const equal = plan.equal.filter((entry): entry is readonly [string, string] => entry[1] !== undefined);
    assertDeclaredShape(
      layout.collection,
      equal.map(([field]) => field),
      plan.sortField,
    );
    let query: Query = this.collection(layout.collection);
    for (const [field, value] of equal) query = query.where(field, '==', value);
    // Time bounds and the cursor are all ranges on the one sort-key field (see sort-key.ts).
    if (plan.since !== undefined) query = query.where(plan.sortField, '>=', encodeSortKey([plan.since]));
    if (plan.until !== undefined) query = query.where(plan.sortField, '<', encodeSortKey([plan.until]));
    if (page.after) query = query.where(plan.sortField, page.order === 'desc' ? '<' : '>', page.after[1]);
    query = query.orderBy(plan.sortField, page.order).limit(page.limit + 1);
    return this.guard(`query ${layout.collection}`, async () => {
      const snapshot = await query.get();
      const documents = snapshot.docs.slice(0, page.limit);
      const items = await this.decodeDocuments(plan.kind as K, documents);
      const last = documents.at(-1);
      return { items, ...(snapshot.docs.length > page.limit && last ? { nextCursor: encodeCursor([cursorTag, last.get(plan.sortField) as string]) } : {}) };
    });
  }

  private async guard<T>(action: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (CodemonkeysError.isInstance(error)) throw error;
      throw this.failure(action, error);
    }
  }

  private failure(action: string, error: unknown): StorageError {
    const code = (error as { code?: unknown }).code;
    const details = (error as Error).message ?? String(error);
    const advice =
      code === 9 && /index/i.test(details)
        ? 'Deploy the composite indexes shipped in @codemonkeys/storage-firestore/firestore.indexes.json (`firebase deploy --only firestore:indexes`), wait for them to build, and retry.'
        : code === 7 || code === 16
          ? 'Check the credentials: GOOGLE_APPLICATION_CREDENTIALS or `gcloud auth application-default login`, with a role that can read and write Firestore.'
          : code === 5
            ? `Check the project "${this.settings.projectId}" and database "${this.settings.databaseId}" exist.`
            : code === 14 || code === 4
              ? 'Firestore (or the emulator) did not answer; check the network or FIRESTORE_EMULATOR_HOST and retry (writes are idempotent).'
              : 'Retry; writes are idempotent.';
    return new StorageError({
      backend: this.name,
      message: `Cannot ${action} under ${this.settings.root} in project ${this.settings.projectId}: ${details}. ${advice}`,
      cause: error,
    });
  }

  private assertOpen(): void {
    if (this.closed) throw new StorageError({ backend: this.name, message: `The storage for ${this.settings.projectId}/${this.settings.root} is closed; create a new one.` });
  }
}

const invalidCursor = (cursor: string): CodemonkeysError => new CodemonkeysError(`Invalid page cursor "${cursor}": pass the nextCursor of a previous page of the same query.`);

const timeRange = (query: { since?: string; until?: string }): { since?: string; until?: string } => ({
  ...(query.since !== undefined ? { since: query.since } : {}),
  ...(query.until !== undefined ? { until: query.until } : {}),
});

/** Refuses a query the shipped indexes were not generated for: a programming error, caught by the tests. */
function assertDeclaredShape(collection: string, equalityFields: readonly string[], sortField: string): void {
  const shape = firestoreQueryShapes.find((candidate) => candidate.collection === collection);
  const declared =
    shape &&
    shape.sortFields.includes(sortField) &&
    equalityFields.every((field) => shape.equalityFields.includes(field)) &&
    shape.required.every((field) => equalityFields.includes(field));
  if (!declared) throw new Error(`Undeclared Firestore query on ${collection} (${equalityFields.join(', ')} by ${sortField}); add it to firestoreQueryShapes.`);
}

/** Opens a Firestore sequence storage (no request is made until the first read or write). */
export function createFirestoreSequenceStorage(options: FirestoreSequenceStorageOptions): FirestoreSequenceStorage {
  return new FirestoreSequenceStorage(options);
}
