import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderContext } from '@codemonkeys/plugin-kit';
import { CodePointerSchema, parseRenderedContext, type CodePointer, type LocalizationResult } from '@codemonkeys/protocol';
import { createModelClient } from '@codemonkeys/llm';
import { startLoopbackModelServer, type LoopbackModelServer } from '@codemonkeys/llm/testing';
import { goldLinesByFile } from '@codemonkeys/swebench';
import { createFixtureRepository, createTestPluginContext, type FixtureRepository, type TestPluginContext } from '@codemonkeys/swebench/testing';
import { createEmbeddingLocalizer } from '../src/index';
import { createShopkitFixture, type ShopkitFixture } from './support/shopkit-fixture';

let server: LoopbackModelServer;
let shopkit: ShopkitFixture;
let textkit: FixtureRepository;
let shopkitContext: TestPluginContext;
let textkitContext: TestPluginContext;

beforeAll(async () => {
  server = await startLoopbackModelServer();
  const model = createModelClient({ endpoint: server.endpoint() });
  shopkit = createShopkitFixture();
  textkit = await createFixtureRepository({ instances: ['word-count', 'sentence-stats', 'wrap-hang'] });
  shopkitContext = createTestPluginContext({ instances: shopkit.instances, repositorySources: shopkit.repositorySources, model });
  textkitContext = createTestPluginContext({ instances: textkit.instances, repositorySources: textkit.repositorySources, model });
});

afterAll(async () => {
  await shopkitContext?.close();
  await textkitContext?.close();
  shopkit?.cleanup();
  await textkit?.cleanup();
  await server?.close();
});

const pointersOf = (result: LocalizationResult): CodePointer[] => {
  expect(Array.isArray(result.content)).toBe(true);
  return result.content as CodePointer[];
};
const rankedPathsOf = (result: LocalizationResult): string[] => (result.metadata.rankedFiles as Array<{ path: string }>).map((file) => file.path);
const shows = (pointers: readonly CodePointer[], path: string, line: number): boolean =>
  pointers.some((pointer) => pointer.path === path && pointer.startLine <= line && pointer.endLine >= line);

/** Every pointer parses, names a file of the base commit, and stays within its lines. */
async function expectValidPointers(context: TestPluginContext, instanceId: string, pointers: readonly CodePointer[]): Promise<void> {
  const workspace = await context.workspace(instanceId);
  for (const pointer of pointers) {
    expect(CodePointerSchema.parse(pointer)).toEqual(pointer);
    expect(await workspace.fileExists(pointer.path)).toBe(true);
    const lineCount = (await workspace.readFile(pointer.path)).replace(/\n$/, '').split('\n').length;
    expect(pointer.startLine).toBeGreaterThanOrEqual(1);
    expect(pointer.endLine).toBeLessThanOrEqual(lineCount);
    expect(pointer.score).toBeGreaterThanOrEqual(0);
  }
}

describe('local embedder on fixture repositories', () => {
  it('finds the file and function of a discount bug described only by its symptom', async () => {
    const [discount] = shopkit.instances;
    const localizer = createEmbeddingLocalizer({ tokenBudget: 400 }, shopkitContext);
    const result = await localizer.run(discount!.instanceId);
    const pointers = pointersOf(result);
    expect(rankedPathsOf(result).slice(0, 3)).toContain('shopkit/pricing.py');
    // The gold patch edits the return line of apply_discount (line 11 of pricing.py).
    const [gold] = goldLinesByFile(discount!.patch);
    expect(gold!.path).toBe('shopkit/pricing.py');
    for (const line of gold!.removedLines) expect(shows(pointers, gold!.path, line)).toBe(true);
    expect(pointers.some((pointer) => pointer.path === 'shopkit/pricing.py' && pointer.symbol === 'apply_discount')).toBe(true);
    await expectValidPointers(shopkitContext, discount!.instanceId, pointers);
    expect(server.requestCount()).toBe(0); // the local embedder makes no model call
  });

  it('finds the postcode zone function for an island postage issue that never names it', async () => {
    const island = shopkit.instances[1]!;
    const result = await createEmbeddingLocalizer({ tokenBudget: 400 }, shopkitContext).run(island.instanceId);
    const pointers = pointersOf(result);
    expect(rankedPathsOf(result)[0]).toBe('shopkit/shipping.py');
    const [gold] = goldLinesByFile(island.patch);
    expect(gold!.insertAfterLines.length).toBeGreaterThan(0);
    expect(pointers.some((pointer) => pointer.path === 'shopkit/shipping.py' && pointer.symbol === 'zone_for')).toBe(true);
    await expectValidPointers(shopkitContext, island.instanceId, pointers);
  });

  it.each(['word-count', 'sentence-stats', 'wrap-hang'] as const)('shows the gold lines of textkit %s within 500 tokens', async (name) => {
    const instance = textkit.instance(name);
    const result = await createEmbeddingLocalizer({ tokenBudget: 500 }, textkitContext).run(instance.instanceId);
    const pointers = pointersOf(result);
    for (const file of goldLinesByFile(instance.patch)) {
      const lines = file.removedLines.length > 0 ? file.removedLines : file.insertAfterLines;
      expect(
        lines.some((line) => shows(pointers, file.path, line)),
        `${name}: ${file.path}`,
      ).toBe(true);
    }
    expect(pointers.every((pointer) => !pointer.path.startsWith('tests/'))).toBe(true);
    await expectValidPointers(textkitContext, instance.instanceId, pointers);
  });

  it('never exceeds the token budget, and its pointers render to the same text within it', async () => {
    const countTokens = (text: string): number => textkitContext.model.countTokens(text);
    for (const context of [shopkitContext, textkitContext]) {
      const instanceId = (context === shopkitContext ? shopkit.instances[0] : textkit.instances[1])!.instanceId;
      for (const tokenBudget of [1, 40, 120, 333, 1_000, 27_000]) {
        const result = await createEmbeddingLocalizer({ tokenBudget, includeText: true }, context).run(instanceId);
        const pointers = pointersOf(result);
        expect(result.metadata.contextTokens as number).toBeLessThanOrEqual(tokenBudget);
        const workspace = await context.workspace(instanceId);
        const rendered = await renderContext(pointers, { readFile: (path) => workspace.readFile(path), tokenBudget, countTokens });
        expect(rendered.tokens).toBeLessThanOrEqual(tokenBudget);
        expect(rendered.text).toBe(result.metadata.text);
        expect(countTokens(rendered.text)).toBe(result.metadata.contextTokens);
        await expectValidPointers(context, instanceId, pointers);
      }
    }
  });

  it('returns the rendered text when asked, mapping back to the same lines', async () => {
    const instanceId = shopkit.instances[0]!.instanceId;
    const asText = await createEmbeddingLocalizer({ tokenBudget: 500, output: 'text' }, shopkitContext).run(instanceId);
    const asPointers = await createEmbeddingLocalizer({ tokenBudget: 500 }, shopkitContext).run(instanceId);
    expect(typeof asText.content).toBe('string');
    const fromText = parseRenderedContext(asText.content as string);
    const expected = new Map<string, number[]>();
    for (const pointer of pointersOf(asPointers)) {
      const lines = expected.get(pointer.path) ?? [];
      for (let line = pointer.startLine; line <= pointer.endLine; line += 1) lines.push(line);
      expected.set(pointer.path, lines);
    }
    expect([...fromText.entries()].map(([path, lines]) => [path, [...lines].sort((a, b) => a - b)])).toEqual([...expected.entries()]);
  });

  it('records what it scanned and what the context holds', async () => {
    const result = await createEmbeddingLocalizer({}, shopkitContext).run(shopkit.instances[0]!.instanceId);
    expect(result.metadata).toMatchObject({
      embedder: 'local',
      tokenBudget: 27_000,
      filesSelected: 11, // 11 Python files; tests/ and README.md are not indexed
      filesScanned: 11,
      embeddingCalls: 0,
      embeddingInputs: 0,
    });
    expect(result.metadata.chunks as number).toBeGreaterThan(20);
    expect(result.metadata.contextTokens as number).toBeGreaterThan(0);
    // The files it indexed, for the rewards' compression: library code only, no test and no README.
    const scanned = (result.metadata.scanned as { files: string[] }).files;
    expect(scanned).toHaveLength(11);
    expect(scanned).toContain('shopkit/pricing.py');
    expect(scanned.some((path) => path.startsWith('tests/') || path === 'README.md')).toBe(false);
  });

  it('indexes tests too when the exclude list is emptied', async () => {
    const result = await createEmbeddingLocalizer({ chunking: { exclude: [] } }, shopkitContext).run(shopkit.instances[0]!.instanceId);
    expect(result.metadata.filesScanned).toBe(12);
    expect(pointersOf(result).some((pointer) => pointer.path === 'tests/test_cart.py')).toBe(true);
  });
});
