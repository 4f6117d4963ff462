import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ModelCallError, createInMemorySequenceStorage, type CodePointer, type SequenceStorage } from '@codemonkeys/protocol';
import { createModelClient } from '@codemonkeys/llm';
import { errorReply, startLoopbackModelServer, type LoopbackModelServer } from '@codemonkeys/llm/testing';
import { execFileSync } from 'node:child_process';
import { createFixtureRepository, createTestPluginContext, type TestPluginContext } from '@codemonkeys/swebench/testing';
import { createEmbeddingLocalizer, type EmbeddingLocalizerOptionsInput } from '../src/index';
import { createShopkitFixture, type ShopkitFixture } from './support/shopkit-fixture';

let server: LoopbackModelServer;
let shopkit: ShopkitFixture;
let storage: SequenceStorage;
let context: TestPluginContext;

beforeAll(async () => {
  server = await startLoopbackModelServer();
  shopkit = createShopkitFixture();
});
afterAll(async () => {
  shopkit?.cleanup();
  await server?.close();
});
beforeEach(() => {
  server.reset();
  storage = createInMemorySequenceStorage();
  // No response cache in the client: every embedding the localizer asks for reaches the server.
  context = createTestPluginContext({
    instances: shopkit.instances,
    repositorySources: shopkit.repositorySources,
    model: createModelClient({ endpoint: server.endpoint() }),
    storage,
  });
});
afterEach(async () => {
  await context.close();
  await storage.close();
});

const endpointOptions: EmbeddingLocalizerOptionsInput = { embedder: 'endpoint', endpoint: { batchSize: 8 } };
const embeddingRequests = () => server.requests.filter((request) => request.protocol === 'openai-embeddings');
/** Texts sent for embedding: chunks start with their file header, the query is the issue text. */
const chunkInputs = () =>
  embeddingRequests()
    .flatMap((request) => request.input ?? [])
    .filter((input) => input.startsWith('# file: '));
const queryInputs = () =>
  embeddingRequests()
    .flatMap((request) => request.input ?? [])
    .filter((input) => !input.startsWith('# file: '));
const [first, second] = [0, 1];

describe('endpoint embedder against the loopback server', () => {
  it('embeds every chunk once, in batches, and the query once', async () => {
    const result = await createEmbeddingLocalizer(endpointOptions, context).run(shopkit.instances[first]!.instanceId);
    const chunks = result.metadata.chunks as number;
    expect(chunkInputs()).toHaveLength(chunks);
    expect(new Set(chunkInputs()).size).toBe(chunks);
    expect(queryInputs()).toEqual([shopkit.instances[first]!.problemStatement]);
    expect(embeddingRequests()).toHaveLength(Math.ceil(chunks / 8) + 1);
    expect(result.metadata).toMatchObject({
      embedder: 'endpoint',
      embeddingCalls: Math.ceil(chunks / 8) + 1,
      embeddingInputs: chunks + 1,
      embeddedChunks: chunks,
      cachedChunks: 0,
    });
    expect(result.metadata.embeddingTokens as number).toBeGreaterThan(0);
    expect((result.content as CodePointer[]).length).toBeGreaterThan(0);
  });

  it('re-embeds only the changed chunk for an instance at the next commit', async () => {
    const localizer = createEmbeddingLocalizer(endpointOptions, context);
    await localizer.run(shopkit.instances[first]!.instanceId);
    server.reset();
    const result = await localizer.run(shopkit.instances[second]!.instanceId);
    // Commit 2 changed one line of zone_for() and nothing else: one chunk to embed, plus the query.
    expect(chunkInputs()).toHaveLength(1);
    expect(chunkInputs()[0]).toContain('# function: zone_for');
    expect(chunkInputs()[0]).toContain('"".join(postcode.split())');
    expect(queryInputs()).toHaveLength(1);
    expect(result.metadata).toMatchObject({ embeddedChunks: 1, cachedChunks: (result.metadata.chunks as number) - 1, embeddingCalls: 2, embeddingInputs: 2 });
  });

  it('embeds, for the next textkit instance, only chunks of the files that changed between the two commits', async () => {
    const textkit = await createFixtureRepository({ instances: ['word-count', 'sentence-stats', 'wrap-hang'] });
    const textkitContext = createTestPluginContext({
      instances: textkit.instances,
      repositorySources: textkit.repositorySources,
      model: createModelClient({ endpoint: server.endpoint() }),
      storage,
    });
    try {
      const localizer = createEmbeddingLocalizer(endpointOptions, textkitContext);
      for (const [previous, next] of [
        [0, 1],
        [1, 2],
      ] as const) {
        if (previous === 0) await localizer.run(textkit.instances[0]!.instanceId);
        server.reset();
        const result = await localizer.run(textkit.instances[next]!.instanceId);
        const changed = execFileSync('git', ['diff', '--name-only', textkit.instances[previous]!.baseCommit, textkit.instances[next]!.baseCommit], {
          cwd: textkit.root,
          encoding: 'utf8',
        })
          .trim()
          .split('\n');
        const embeddedFiles = new Set(chunkInputs().map((input) => /^# file: (.*)$/m.exec(input)![1]!));
        expect(embeddedFiles.size).toBeGreaterThan(0);
        for (const path of embeddedFiles) expect(changed).toContain(path);
        expect(result.metadata.embeddedChunks as number).toBeLessThan(result.metadata.chunks as number);
        expect(result.metadata.embeddedChunks).toBe(chunkInputs().length);
      }
    } finally {
      await textkitContext.close();
      await textkit.cleanup();
    }
  });

  it('reuses the embeddings kept in storage from a new plugin instance', async () => {
    await createEmbeddingLocalizer(endpointOptions, context).run(shopkit.instances[first]!.instanceId);
    server.reset();
    // A fresh localizer has an empty memory: everything must come from the storage.
    const result = await createEmbeddingLocalizer(endpointOptions, context).run(shopkit.instances[first]!.instanceId);
    expect(chunkInputs()).toHaveLength(0);
    expect(result.metadata).toMatchObject({ embeddedChunks: 0, cachedChunks: result.metadata.chunks, embeddingCalls: 1 });
  });

  it('embeds each distinct chunk once when instances run concurrently', async () => {
    const localizer = createEmbeddingLocalizer({ ...endpointOptions, endpoint: { batchSize: 4, concurrency: 2 } }, context);
    server.setLatency(5);
    try {
      const results = await Promise.all([
        localizer.run(shopkit.instances[first]!.instanceId),
        localizer.run(shopkit.instances[second]!.instanceId),
        localizer.run(shopkit.instances[first]!.instanceId),
      ]);
      const inputs = chunkInputs();
      expect(new Set(inputs).size).toBe(inputs.length);
      // Commit 1's chunks plus commit 2's one changed chunk.
      expect(inputs).toHaveLength((results[0]!.metadata.chunks as number) + 1);
      expect(results.reduce((sum, result) => sum + (result.metadata.embeddedChunks as number), 0)).toBe(inputs.length);
    } finally {
      server.setLatency(0);
    }
  });

  it('fails the run on a refused embeddings request and recovers on the next one', async () => {
    const localizer = createEmbeddingLocalizer({ ...endpointOptions, endpoint: { batchSize: 4, concurrency: 1 } }, context);
    server.enqueue(errorReply(400, { message: 'input too long' }));
    const failure = await localizer.run(shopkit.instances[first]!.instanceId).catch((error: unknown) => error);
    expect(ModelCallError.isInstance(failure)).toBe(true);
    server.reset();
    const result = await localizer.run(shopkit.instances[first]!.instanceId);
    // Nothing was embedded before the refusal (it was the first batch): the second run embeds every chunk, once.
    expect(chunkInputs()).toHaveLength(result.metadata.chunks as number);
    expect(result.metadata.embeddedChunks).toBe(result.metadata.chunks);
  });

  it('cuts texts longer than the input limit of the model', async () => {
    const result = await createEmbeddingLocalizer({ embedder: 'endpoint', endpoint: { maxInputTokens: 12 } }, context).run(shopkit.instances[first]!.instanceId);
    const countTokens = (text: string) => context.model.countTokens(text);
    for (const input of [...chunkInputs(), ...queryInputs()]) expect(countTokens(input)).toBeLessThanOrEqual(12);
    // Chunks whose first 12 tokens are the same now share one text, embedded once.
    expect(new Set(chunkInputs()).size).toBe(chunkInputs().length);
    expect(result.metadata.embeddedChunks).toBe(chunkInputs().length);
    expect(chunkInputs().length).toBeLessThan(result.metadata.chunks as number);
  });

  it('uses the named model of the experiment when endpoint.modelRole is set', async () => {
    const other = await startLoopbackModelServer({ embeddingModel: 'code-embedder' });
    const withRoles = createTestPluginContext({
      instances: shopkit.instances,
      repositorySources: shopkit.repositorySources,
      model: createModelClient({ endpoint: server.endpoint() }),
      models: { embeddings: createModelClient({ endpoint: other.endpoint() }) },
      storage,
    });
    try {
      await createEmbeddingLocalizer({ embedder: 'endpoint', endpoint: { modelRole: 'embeddings' } }, withRoles).run(shopkit.instances[first]!.instanceId);
      expect(server.requestCount('openai-embeddings')).toBe(0);
      expect(other.requestCount('openai-embeddings')).toBeGreaterThan(0);
      expect(other.requests.every((request) => request.model === 'code-embedder')).toBe(true);
    } finally {
      await withRoles.close();
      await other.close();
    }
  });

  it('hybrid: fuses dense and lexical rankings, with the lexical whole-file scores', async () => {
    const result = await createEmbeddingLocalizer({ embedder: 'hybrid', tokenBudget: 400 }, context).run(shopkit.instances[second]!.instanceId);
    expect(result.metadata.embedder).toBe('hybrid');
    expect(result.metadata.embeddedChunks).toBe(result.metadata.chunks);
    const ranked = (result.metadata.rankedFiles as Array<{ path: string }>).map((file) => file.path);
    expect(ranked.slice(0, 3)).toContain('shopkit/shipping.py');
    expect((result.content as CodePointer[]).some((pointer) => pointer.path === 'shopkit/shipping.py')).toBe(true);
  });
});
