import { AggregateField, type DocumentReference, type DocumentSnapshot, type Firestore, type Query } from '@google-cloud/firestore';
import pMap from 'p-map';
import {
  CodemonkeysError,
  StorageError,
  collectionNamed,
  decodeInstanceLeaseState,
  orderNamed,
  type IndexValue,
  type InstanceLeaseKey,
  type InstanceLeaseState,
  type InstanceLeaseStore,
  type LeaseDecision,
  type StorageCapabilities,
  type StorageDriver,
  type StorageDriverAggregate,
  type StorageDriverAggregation,
  type StorageDriverEntry,
  type StorageDriverQuery,
  type StorageDriverWrite,
} from '@codemonkeys/protocol';
import { createFirestoreClient } from './firestore-client';
import {
  chunksCollection,
  documentIdOfKey,
  firestoreFieldsOf,
  firestoreQueryShapes,
  instanceLeaseClaimsCollection,
  instanceLeasesCollection,
  sortKeyField,
} from './firestore-layout';
import { parseFirestoreStorageOptions, type FirestoreSequenceStorageOptions, type FirestoreSequenceStorageSettings } from './firestore-storage-options';
import { documentIdOf } from './document-id';
import { chunkDocumentId, contentHashOf, joinChunks, splitIntoChunks } from './record-chunks';
import { encodeSortKey } from './sort-key';

/** Bumped when the document layout changes, so that a reader can tell old documents apart (2: the protocol's catalogue fields). */
const layoutVersion = 2;
/** Room in an estimate for a document's name and small fields. */
const documentOverheadBytes = 2_048;
/** gRPC status codes worth retrying a commit on (its writes are idempotent sets and deletes). */
const transientCodes = new Set([4, 8, 10, 13, 14]);
/** gRPC ALREADY_EXISTS: a `create` found its document there. */
const alreadyExists = 6;
/** Aggregations Firestore evaluates in one query. */
const aggregationsPerQuery = 5;

interface PendingWrite {
  reference: DocumentReference;
  /** The document to set, or null to delete it. */
  data: Record<string, unknown> | null;
  bytes: number;
}

/**
 * The storage driver on Google Cloud Firestore, for many machines writing one store.
 *
 * Every entry is one document whose id comes from its key, written with `set` (a whole overwrite):
 * writing it twice is the same as once, so no transaction is needed and a retried or resumed batch
 * never duplicates. The body is kept in `body`, beside the indexed fields and one sort-key field per
 * order; a body larger than a document may be is split into chunk documents (named by the content's
 * hash, written before the document that points to them) and reassembled on read. Queries page with
 * keyset ranges on one sort-key field (`where` + `orderBy`), never with cursors or offsets; counts and
 * sums are aggregation queries.
 */
export class FirestoreStorageDriver implements StorageDriver {
  readonly specificationVersion = 'v1' as const;
  readonly name = 'firestore';
  readonly capabilities: StorageCapabilities = { multiProcess: true, persistent: true };
  readonly settings: FirestoreSequenceStorageSettings;
  /**
   * One writer per (run, instance). Each lease step is a Firestore transaction on the lease document of
   * (run, instance), which Firestore serializes. A new generation also *creates* its claim document as
   * the first write of its commit: of two acquirers that read the same state, only one can create it
   * (the other's commit fails whole and reads again), which keeps acquisition exclusive even where
   * transactions are not isolated (the npm emulator). There, and only there, a renewal that races a
   * take-over at the very moment of expiry can be overwritten; the holder learns it at its next renewal.
   */
  readonly leases: InstanceLeaseStore;

  private readonly client: Firestore;
  private readonly ownsClient: boolean;
  private readonly rootDocument: DocumentReference;
  private closed = false;

  constructor(options: FirestoreSequenceStorageOptions) {
    this.settings = parseFirestoreStorageOptions(options);
    this.ownsClient = !options.firestore;
    this.client =
      options.firestore ??
      createFirestoreClient({
        projectId: this.settings.projectId,
        databaseId: this.settings.databaseId,
        ...(this.settings.emulatorHost ? { emulatorHost: this.settings.emulatorHost } : {}),
      });
    this.rootDocument = this.client.doc(this.settings.root);
    this.leases = {
      update: (key, decide) => this.guard(`update the lease of ${key.runId}/${key.instanceId}`, () => this.updateLease(key, decide)),
      read: (key) => this.guard(`read the lease of ${key.runId}/${key.instanceId}`, async () => this.leaseStateOf(await this.leaseReference(key).get())),
    };
  }

  /** The Firestore client, for inspection. Writing through it bypasses validation and redaction. */
  get firestore(): Firestore {
    return this.client;
  }

  async get(collection: string, key: readonly IndexValue[]): Promise<StorageDriverEntry | undefined> {
    const reference = this.collection(collectionNamed(collection, this.name).name).doc(documentIdOfKey(key));
    return this.guard(`read ${collection}/${reference.id}`, async () => {
      const snapshot = await reference.get();
      if (!snapshot.exists) return undefined;
      const [entry] = await this.entriesOf([snapshot]);
      return entry;
    });
  }

  /**
   * Commits chunk documents first, and only then the documents that point to them, in batches within
   * Firestore's limits. A failure may leave part of the batch written: writing it again is safe.
   */
  async write(writes: readonly StorageDriverWrite[]): Promise<void> {
    this.assertOpen();
    if (writes.length === 0) return;
    const chunkWrites: PendingWrite[] = [];
    const documentWrites = new Map<string, PendingWrite>();
    for (const write of writes) {
      const spec = collectionNamed(write.collection, this.name);
      if (write.type === 'delete') {
        const reference = this.collection(spec.name).doc(documentIdOfKey(write.key));
        documentWrites.delete(reference.path);
        documentWrites.set(reference.path, { reference, data: null, bytes: documentOverheadBytes });
        continue;
      }
      const reference = this.collection(spec.name).doc(documentIdOfKey(spec.key.map((field) => write.fields[field] ?? null)));
      // Every field is always written (null when unused): `set` replaces a document in Firestore, but the
      // npm emulator merges, and a stale `body` must never shadow newer chunks (or the reverse).
      const data: Record<string, unknown> = { ...firestoreFieldsOf(spec, write.fields), layoutVersion, body: null, chunkHash: null, chunkCount: null, bodyBytes: null };
      const bytes = Buffer.byteLength(write.body, 'utf8');
      if (bytes <= this.settings.chunkBytes) {
        data.body = write.body;
      } else {
        const chunks = splitIntoChunks(write.body, this.settings.chunkBytes);
        const hash = contentHashOf(write.body);
        const owner = `${spec.name}/${reference.id}`;
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
      documentWrites.delete(reference.path);
      documentWrites.set(reference.path, { reference, data, bytes: (data.body === null ? 0 : bytes) + documentOverheadBytes });
    }
    const first = collectionNamed(writes[0]!.collection, this.name);
    const count = writes.filter((write) => write.collection === first.name).length;
    await this.guard(`write ${count} ${first.recordName} record(s)`, async () => {
      await this.commitAll(chunkWrites);
      await this.commitAll([...documentWrites.values()]);
    });
  }

  async query(plan: StorageDriverQuery): Promise<StorageDriverEntry[]> {
    this.assertOpen();
    const spec = collectionNamed(plan.collection, this.name);
    orderNamed(spec, plan.order, this.name);
    const sortField = sortKeyField(plan.order);
    const equal = Object.entries(plan.where);
    assertDeclaredShape(
      spec.name,
      equal.map(([field]) => field),
      sortField,
    );
    let query: Query = this.collection(spec.name);
    for (const [field, value] of equal) query = query.where(field, '==', value);
    // Time bounds and the page's start are all ranges on the one sort-key field (see sort-key.ts).
    if (plan.range?.since !== undefined) query = query.where(sortField, '>=', encodeSortKey([plan.range.since]));
    if (plan.range?.until !== undefined) query = query.where(sortField, '<', encodeSortKey([plan.range.until]));
    if (plan.after) query = query.where(sortField, plan.direction === 'desc' ? '<' : '>', encodeSortKey(plan.after as Array<string | number>));
    query = query.orderBy(sortField, plan.direction).limit(plan.limit);
    return this.guard(`query ${spec.name}`, async () => this.entriesOf((await query.get()).docs));
  }

  /** Count and sums as aggregation queries (at most five aggregations each), evaluated by Firestore. */
  async aggregate(aggregation: StorageDriverAggregation): Promise<StorageDriverAggregate> {
    this.assertOpen();
    const spec = collectionNamed(aggregation.collection, this.name);
    let query: Query = this.collection(spec.name);
    for (const [field, value] of Object.entries(aggregation.where)) query = query.where(field, '==', value);
    const fields: Array<[string, ReturnType<typeof AggregateField.count> | ReturnType<typeof AggregateField.sum>]> = [
      ['count', AggregateField.count()],
      ...aggregation.sum.map((field, index): [string, ReturnType<typeof AggregateField.sum>] => [`s${index}`, AggregateField.sum(field)]),
    ];
    const groups: Array<typeof fields> = [];
    for (let start = 0; start < fields.length; start += aggregationsPerQuery) groups.push(fields.slice(start, start + aggregationsPerQuery));
    return this.guard(`aggregate ${spec.name}`, async () => {
      const results = await Promise.all(groups.map(async (group) => (await query.aggregate(Object.fromEntries(group)).get()).data() as Record<string, unknown>));
      const values = Object.assign({}, ...results) as Record<string, unknown>;
      return { count: Number(values.count), sums: Object.fromEntries(aggregation.sum.map((field, index) => [field, Number(values[`s${index}`] ?? 0)])) };
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsClient) await this.client.terminate();
  }

  private collection(name: string) {
    return this.rootDocument.collection(name);
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
      for (const write of writes) {
        if (write.data) batch.set(write.reference, write.data);
        else batch.delete(write.reference);
      }
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

  /** The bodies of documents, fetching the chunks of those stored in pieces (in batched reads). */
  private async entriesOf(snapshots: readonly DocumentSnapshot[]): Promise<StorageDriverEntry[]> {
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
      const owner = `${snapshot.ref.parent.id}/${snapshot.id}`;
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
    return snapshots.map((snapshot, index) => ({ body: texts[index]!, location: snapshot.ref.path }));
  }

  private async guard<T>(action: string, run: () => Promise<T>): Promise<T> {
    this.assertOpen();
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

/** Opens a Firestore storage driver (no request is made until the first read or write). */
export function createFirestoreStorageDriver(options: FirestoreSequenceStorageOptions): FirestoreStorageDriver {
  return new FirestoreStorageDriver(options);
}
