import { randomUUID } from 'node:crypto';
import { SchemaValidationError, StorageError } from '@codemonkeys/protocol';
import { sampleModelCall, sampleStageResult } from '@codemonkeys/protocol/testkit';
import type { WriteBatch } from '@google-cloud/firestore';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFirestoreClient, createFirestoreSequenceStorage, normalizeEmulatorHost, type FirestoreSequenceStorage, type FirestoreSequenceStorageOptions } from '../src/index';
import { startFirestoreEmulator, type FirestoreEmulator } from '../src/testing/index';

let emulator: FirestoreEmulator;
const opened: FirestoreSequenceStorage[] = [];
beforeAll(async () => {
  emulator = await startFirestoreEmulator();
});
afterEach(async () => {
  for (const storage of opened.splice(0)) await storage.close();
});
afterAll(async () => {
  await emulator.stop();
});

const open = (options: Partial<FirestoreSequenceStorageOptions> = {}): FirestoreSequenceStorage => {
  const storage = createFirestoreSequenceStorage({ projectId: 'codemonkeys-test', root: `storage-test/${randomUUID()}`, emulatorHost: emulator.host, ...options });
  opened.push(storage);
  return storage;
};

/** Counts the sets in each batch the storage commits (instrumenting the real client). */
function recordBatches(storage: FirestoreSequenceStorage): number[] {
  const sizes: number[] = [];
  const client = storage.firestore;
  const createBatch = client.batch.bind(client);
  client.batch = (): WriteBatch => {
    const batch = createBatch();
    const index = sizes.push(0) - 1;
    const set = batch.set.bind(batch) as (...args: unknown[]) => WriteBatch;
    (batch as unknown as { set: (...args: unknown[]) => WriteBatch }).set = (...args: unknown[]) => {
      sizes[index]! += 1;
      return set(...args);
    };
    return batch;
  };
  return sizes;
}

describe('documents', () => {
  it('names documents by the record key, so two writers of one record make one document', async () => {
    const root = `storage-test/${randomUUID()}`;
    const first = open({ root });
    const second = open({ root });
    await Promise.all(Array.from({ length: 10 }, (_, index) => (index % 2 === 0 ? first : second).putStageResults([sampleStageResult('django__django-11099', 'generate', 2)])));
    const documents = await first.firestore.collection(`${root}/stageResults`).get();
    expect(documents.docs.map((document) => document.id)).toEqual(['run-1|django__django-11099|generate|2']);
    expect(documents.docs[0]!.get('orderKey')).toBe('django__django-11099\u0001generate\u00010000000000000002');
  });

  it('splits a record larger than a chunk into chunk documents and reassembles it', async () => {
    const storage = open({ chunkBytes: 1024 });
    const text = `${'\u00e9'.repeat(3000)}${'\u{1F600}'.repeat(1000)}|tail`;
    const call = sampleModelCall(1, { response: { text } });
    await storage.putModelCalls([call]);
    const main = (await storage.firestore.collection(`${storage.settings.root}/modelCalls`).get()).docs[0]!;
    expect(main.get('body')).toBeNull();
    const chunkCount = main.get('chunkCount') as number;
    expect(chunkCount).toBeGreaterThanOrEqual(Math.ceil(Buffer.byteLength(JSON.stringify(call)) / 1024));
    const chunks = (await storage.firestore.collection(`${storage.settings.root}/chunks`).where('owner', '==', `modelCalls/${main.id}`).get()).docs;
    expect(chunks).toHaveLength(chunkCount);
    for (const chunk of chunks) expect(Buffer.byteLength(chunk.get('data') as string)).toBeLessThanOrEqual(1024);
    expect((await storage.queryModelCalls({})).items).toEqual([call]);
  });

  it('keeps a record of several MiB in documents under the 1 MiB limit', async () => {
    const storage = open();
    const call = sampleModelCall(1, { request: { text: 'x'.repeat(2_500_000) } });
    await storage.putModelCalls([call]);
    const chunks = (await storage.firestore.collection(`${storage.settings.root}/chunks`).get()).docs;
    expect(chunks).toHaveLength(3);
    for (const chunk of chunks) expect(Buffer.byteLength(chunk.get('data') as string)).toBeLessThan(1_048_576 - 10_000);
    expect((await storage.queryModelCalls({})).items[0]).toEqual(call);
  });

  it('reports a record whose chunk is gone instead of returning part of it', async () => {
    const storage = open({ chunkBytes: 1024 });
    await storage.putModelCalls([sampleModelCall(1, { response: { text: 'y'.repeat(5000) } })]);
    const [chunk] = (await storage.firestore.collection(`${storage.settings.root}/chunks`).where('index', '==', 2).get()).docs;
    await chunk!.ref.delete();
    const error = await storage.queryModelCalls({}).catch((caught: unknown) => caught);
    expect(StorageError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/Chunk .* is missing; the record is damaged/);
  });
});

describe('batched writes', () => {
  it('commits at most maxBatchWrites writes per batch', async () => {
    const storage = open({ maxBatchWrites: 7 });
    const sizes = recordBatches(storage);
    await storage.putModelCalls(Array.from({ length: 50 }, (_, index) => sampleModelCall(index)));
    expect(sizes).toEqual([7, 7, 7, 7, 7, 7, 7, 1]);
    expect((await storage.queryModelCalls({ limit: 1000 })).items).toHaveLength(50);
  });

  it('keeps each batch within maxBatchBytes, and writes chunks before the documents that point to them', async () => {
    const storage = open({ maxBatchBytes: 1_100_000, chunkBytes: 400_000 });
    const sizes = recordBatches(storage);
    const calls = Array.from({ length: 6 }, (_, index) => sampleModelCall(index, { request: { text: String(index).repeat(300_000) } }));
    const big = sampleModelCall(9, { request: { text: 'z'.repeat(1_000_000) } });
    await storage.putModelCalls([...calls, big]);
    // First the 3 chunks of the big record (~400 + 400 + 200 KB: one batch), then the documents: ~300 KB
    // each, so three per batch, the last batch also taking the big record's small document.
    expect(sizes).toEqual([3, 3, 4]);
    expect((await storage.queryModelCalls({})).items).toEqual([...calls, big]);
  });

  it('writes nothing of a batch with an invalid record, and the default limits stay under the emulator’s message size', async () => {
    const storage = open();
    const sizes = recordBatches(storage);
    await expect(storage.putModelCalls([sampleModelCall(1), { ...sampleModelCall(2), costUsd: -1 }])).rejects.toThrow(/costUsd/);
    expect(sizes).toEqual([]);
    await storage.putModelCalls(Array.from({ length: 700 }, (_, index) => sampleModelCall(index, { request: { text: 'q'.repeat(10_000) } })));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(500);
    expect((await storage.summarizeRun('run-1')).modelCalls.total).toBe(700);
  });
});

describe('clients', () => {
  it('connects to emulators on loopback only', () => {
    expect(normalizeEmulatorHost('localhost:8080')).toBe('127.0.0.1:8080');
    expect(normalizeEmulatorHost('127.0.0.1:9')).toBe('127.0.0.1:9');
    expect(normalizeEmulatorHost('[::1]:8080')).toBe('[::1]:8080');
    for (const host of ['10.0.0.2:8080', 'firestore.internal:443', '0.0.0.0:8080', 'localhost']) {
      expect(() => normalizeEmulatorHost(host)).toThrow(/not a loopback host:port/);
    }
  });

  it('sets METADATA_SERVER_DETECTION=none and pins the emulator host before it creates a client', async () => {
    const saved = { detection: process.env.METADATA_SERVER_DETECTION, host: process.env.FIRESTORE_EMULATOR_HOST };
    try {
      delete process.env.METADATA_SERVER_DETECTION;
      delete process.env.FIRESTORE_EMULATOR_HOST;
      const client = createFirestoreClient({ projectId: 'codemonkeys-test', emulatorHost: `localhost:${emulator.port}` });
      expect(process.env.METADATA_SERVER_DETECTION).toBe('none');
      expect(process.env.FIRESTORE_EMULATOR_HOST).toBe(`127.0.0.1:${emulator.port}`);
      await client.doc('probe/one').set({ ok: true });
      expect((await client.doc('probe/one').get()).get('ok')).toBe(true);
      await client.terminate();
    } finally {
      process.env.METADATA_SERVER_DETECTION = saved.detection;
      process.env.FIRESTORE_EMULATOR_HOST = saved.host;
    }
  });

  it('validates its options', () => {
    let error: unknown;
    try {
      createFirestoreSequenceStorage({ projectId: 'p', root: 'only-a-collection', emulatorHost: emulator.host });
    } catch (caught) {
      error = caught;
    }
    expect(SchemaValidationError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('root');
    expect(() => createFirestoreSequenceStorage({ root: 'a/b' })).toThrow(/projectId/);
  });
});
