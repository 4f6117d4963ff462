import { InMemorySequenceStorage, ModelCallRecordSchema, readAllPages, withCallLabels, type ModelCallQuery, type ModelCallRecord } from '@codemonkeys/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createModelClient, type ModelClientOptions } from '../src/index';
import { echoHandler, errorReply, startLoopbackModelServer, textReply, type LoopbackModelServer } from '../src/testing/index';
import { createCaptureLogger } from './capture-logger';

const apiKey = 'sk-proj-LoopbackSecretKey0123456789';

async function allRecords(storage: InMemorySequenceStorage): Promise<ModelCallRecord[]> {
  const records: ModelCallRecord[] = [];
  for await (const record of readAllPages((query: ModelCallQuery) => storage.queryModelCalls(query), {})) records.push(record);
  return records;
}

describe('model call records', () => {
  let server: LoopbackModelServer;
  beforeAll(async () => {
    server = await startLoopbackModelServer({ apiKey });
  });
  afterAll(async () => {
    await server.close();
  });
  afterEach(() => {
    server.reset();
    server.setHandler(echoHandler);
  });

  // What the client handed to its writer, before any storage's own redaction.
  const handedOver: ModelCallRecord[] = [];
  const create = (storage: InMemorySequenceStorage, extra: Partial<ModelClientOptions> = {}) =>
    createModelClient({
      endpoint: server.endpoint({ name: 'records-endpoint', headers: { 'x-org-secret': 'org-secret-value-42' } }),
      cache: { storage },
      recorder: (records) => {
        handedOver.push(...records);
        return storage.putModelCalls(records);
      },
      prices: { 'loopback-model': { inputPerMillion: 1_000_000 } },
      logger: createCaptureLogger(),
      ...extra,
    });

  it('writes one valid record per call, labelled by the scope merged with options.labels', async () => {
    const storage = new InMemorySequenceStorage();
    const client = create(storage);
    await withCallLabels({ experimentId: 'exp', runId: 'run-1', instanceId: 'django__django-1', stage: 'localize' }, async () => {
      await client.chat({
        messages: [
          { role: 'system', content: 'sys' },
          { role: 'user', content: 'which file?' },
        ],
        temperature: 0,
      });
      await client.chat({ messages: [{ role: 'user', content: 'and now?' }] }, { labels: { stage: 'generate', sample: 2 } });
      await client.embed({ input: ['chunk one', 'chunk two'] });
    });
    await client.close();
    const records = await allRecords(storage);
    expect(records).toHaveLength(3);
    for (const record of records) expect(ModelCallRecordSchema.safeParse(record).success).toBe(true);
    const localize = records.find((record) => record.stage === 'localize' && record.kind === 'chat')!;
    expect(localize).toMatchObject({
      experimentId: 'exp',
      runId: 'run-1',
      instanceId: 'django__django-1',
      sample: 0,
      endpoint: 'records-endpoint',
      model: 'loopback-model',
      status: 'ok',
      cacheHit: false,
      retries: 0,
      request: {
        model: 'loopback-model',
        temperature: 0,
        messages: [
          { role: 'system', content: 'sys' },
          { role: 'user', content: 'which file?' },
        ],
      },
      response: { choices: [{ message: { content: 'echo: which file?' } }] },
    });
    expect(localize.costUsd).toBeGreaterThan(0);
    expect(localize.cacheKey).toMatch(/^llm-chat:/);
    expect(records.find((record) => record.stage === 'generate')).toMatchObject({ sample: 2, instanceId: 'django__django-1' });
    expect(records.find((record) => record.kind === 'embedding')).toMatchObject({ request: { inputs: 2 }, response: { vectors: 2, dimensions: 64 } });
  });

  it('a resumed run overwrites its records instead of duplicating them, and keeps what the calls cost', async () => {
    const storage = new InMemorySequenceStorage();
    const calls = async () => {
      const client = create(storage);
      await withCallLabels({ runId: 'run-2', instanceId: 'i1', stage: 'generate' }, async () => {
        for (let sample = 0; sample < 3; sample += 1) await client.chat({ messages: [{ role: 'user', content: 'patch please' }], temperature: 0.8 }, { sample });
      });
      await client.close();
    };
    await calls();
    const first = await allRecords(storage);
    await calls(); // the "resumed" run: every call is now a cache hit of itself
    const second = await allRecords(storage);
    expect(server.requestCount()).toBe(3);
    expect(second).toHaveLength(3);
    expect(second.map((record) => record.id).sort()).toEqual(first.map((record) => record.id).sort());
    expect(second.map((record) => record.costUsd)).toEqual(first.map((record) => record.costUsd));
    expect(second.every((record) => record.costUsd > 0 && !record.cacheHit)).toBe(true);
  });

  it('another run reusing a cached answer gets a record of its own that costs nothing', async () => {
    const storage = new InMemorySequenceStorage();
    const client = create(storage);
    await withCallLabels({ runId: 'run-a', instanceId: 'i1', stage: 's' }, () => client.chat({ messages: [{ role: 'user', content: 'shared' }] }));
    await withCallLabels({ runId: 'run-b', instanceId: 'i1', stage: 's' }, () => client.chat({ messages: [{ role: 'user', content: 'shared' }] }));
    await client.close();
    const records = await allRecords(storage);
    expect(records).toHaveLength(2);
    expect(records.find((record) => record.runId === 'run-b')).toMatchObject({ cacheHit: true, costUsd: 0 });
    expect(records.find((record) => record.runId === 'run-a')).toMatchObject({ cacheHit: false });
  });

  it('records a failed call with its error, then overwrites it when a rerun succeeds', async () => {
    const storage = new InMemorySequenceStorage();
    const client = create(storage);
    server.enqueue(errorReply(400, { message: 'context too long' }));
    const labels = { runId: 'run-3', instanceId: 'i1', stage: 'rank' };
    await expect(withCallLabels(labels, () => client.chat({ messages: [{ role: 'user', content: 'rank these' }] }))).rejects.toMatchObject({ statusCode: 400 });
    await client.flush();
    const [failed] = await allRecords(storage);
    expect(failed).toMatchObject({ status: 'error', error: { name: 'ModelCallError', message: expect.stringContaining('context too long') }, cacheHit: false });
    await withCallLabels(labels, () => client.chat({ messages: [{ role: 'user', content: 'rank these' }] }));
    await client.close();
    const records = await allRecords(storage);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ id: failed!.id, status: 'ok' });
  });

  it('never stores or throws the API key or secret header values', async () => {
    const storage = new InMemorySequenceStorage();
    const client = create(storage);
    // A prompt that quotes the key (a plugin echoing its environment, say) and an answer that does too.
    server.setHandler(() => textReply(`my key is ${apiKey} and Bearer ${apiKey}`));
    await withCallLabels({ runId: 'run-4' }, () => client.chat({ messages: [{ role: 'user', content: `use ${apiKey} and org-secret-value-42` }] }));
    // A 401 whose body quotes the key, as real providers do.
    const wrong = createModelClient({
      endpoint: server.endpoint({ name: 'records-endpoint', apiKey: 'sk-wrong-key-abcdefghijkl' }),
      recorder: (records) => storage.putModelCalls(records),
      logger: createCaptureLogger(),
    });
    const error = (await wrong.chat({ messages: [{ role: 'user', content: 'x' }] }).then(
      () => new Error('expected a 401'),
      (caught: unknown) => caught,
    )) as Error & { responseBodyExcerpt?: string };
    await wrong.close();
    await client.close();
    expect(error).toMatchObject({ name: 'ModelCallError', statusCode: 401 });
    expect(error.message).toMatch(/Incorrect API key provided: (sk-)?\[REDACTED\]/);
    const everything = [
      JSON.stringify(await allRecords(storage)),
      JSON.stringify(handedOver),
      error.message,
      error.responseBodyExcerpt ?? '',
      String(error.stack),
      JSON.stringify(error),
    ];
    expect(JSON.stringify(handedOver)).toContain('[REDACTED]');
    for (const text of everything) {
      expect(text).not.toContain(apiKey);
      expect(text).not.toContain('sk-wrong-key-abcdefghijkl');
      expect(text).not.toContain('org-secret-value-42');
    }
    // the key did reach the server, where it belongs
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${apiKey}`);
    expect(server.requests[0]!.headers['x-org-secret']).toBe('org-secret-value-42');
  });
});
