import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModelClient } from '@codemonkeys/llm';
import { startLoopbackModelServer, type LoopbackModelServer } from '@codemonkeys/llm/testing';
import { InstanceSchema } from '@codemonkeys/protocol';
import { createTestPluginContext, type TestPluginContext } from '@codemonkeys/swebench/testing';
import { createEmbeddingLocalizer } from '../src/index';
import { createShopkitFixture, type ShopkitFixture } from './support/shopkit-fixture';

// The localizer reads the task (problem statement, hints) and the workspace only. The hints are used
// only when asked, also by the line-level packing that reads identifiers out of the query.
let server: LoopbackModelServer;
let shopkit: ShopkitFixture;
let context: TestPluginContext;
const hintsText = 'The culprit is `render_receipt` in shopkit/receipts.py: the header is centred on 32 columns.';

beforeAll(async () => {
  server = await startLoopbackModelServer();
  shopkit = createShopkitFixture();
  const [discount] = shopkit.instances;
  const withHints = InstanceSchema.parse({ ...discount!, instanceId: 'fixtures__shopkit-hints', hintsText });
  context = createTestPluginContext({ instances: [discount!, withHints], repositorySources: shopkit.repositorySources, model: createModelClient({ endpoint: server.endpoint() }) });
});

afterAll(async () => {
  await context?.close();
  shopkit?.cleanup();
  await server?.close();
});

const lineLevel = { costExponent: 0.5, namedSymbolWeight: 2, neighbourWeight: 1 };
const rankedOf = (metadata: Record<string, unknown>): string[] => (metadata.rankedFiles as Array<{ path: string }>).map((file) => file.path);

describe('issue inputs of the line-level packing', () => {
  it('ignores the hints by default: the result is the one of the same issue without hints', async () => {
    const localizer = createEmbeddingLocalizer({ tokenBudget: 400, packing: lineLevel }, context);
    const [discount] = shopkit.instances;
    const without = await localizer.run(discount!.instanceId);
    const withHintsOff = await localizer.run('fixtures__shopkit-hints');
    expect(withHintsOff.content).toEqual(without.content);
    expect(rankedOf(withHintsOff.metadata)).toEqual(rankedOf(without.metadata));
  });

  it('reads the hints when asked: the file and the function they name come up', async () => {
    const localizer = createEmbeddingLocalizer({ tokenBudget: 400, packing: lineLevel, useHints: true }, context);
    const result = await localizer.run('fixtures__shopkit-hints');
    const ranked = rankedOf(result.metadata);
    const [discount] = shopkit.instances;
    const baseline = rankedOf((await createEmbeddingLocalizer({ tokenBudget: 400, packing: lineLevel }, context).run(discount!.instanceId)).metadata);
    expect(ranked.indexOf('shopkit/receipts.py')).toBeLessThan(baseline.indexOf('shopkit/receipts.py'));
    expect((result.content as Array<{ path: string; symbol?: string }>).some((pointer) => pointer.path === 'shopkit/receipts.py')).toBe(true);
  });
});
