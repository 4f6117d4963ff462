import { describe, expect, it } from 'vitest';
import { currentCallLabels, withCallLabels } from '../src/index';

describe('call labels', () => {
  it('merge nested scopes and survive awaits, without leaking between concurrent scopes', async () => {
    expect(currentCallLabels()).toEqual({});
    const seen = await Promise.all(
      ['a', 'b'].map((instanceId) =>
        withCallLabels({ runId: 'r1', instanceId, stage: 'generate' }, async () => {
          await new Promise((resolve) => setTimeout(resolve, instanceId === 'a' ? 20 : 1));
          return withCallLabels({ sample: 3, stage: undefined }, async () => {
            await Promise.resolve();
            return currentCallLabels();
          });
        }),
      ),
    );
    expect(seen).toEqual([
      { runId: 'r1', instanceId: 'a', stage: 'generate', sample: 3 },
      { runId: 'r1', instanceId: 'b', stage: 'generate', sample: 3 },
    ]);
    expect(currentCallLabels()).toEqual({});
  });
});
