import { afterAll, expect, it } from 'vitest';
import type { ModelClient } from '@codemonkeys/protocol';
import { createFixtureRepository, createTestPluginContext } from '../src/testing/index';

const fixture = await createFixtureRepository({ instances: ['word-count', 'sentence-stats'] });
afterAll(() => fixture.cleanup());

it('serves gold-free tasks and workspaces at each base commit', async () => {
  const model = { endpoint: 'none', defaultModel: undefined } as unknown as ModelClient;
  const context = createTestPluginContext({ instances: fixture.instances, repositorySources: fixture.repositorySources, model });
  try {
    const [first, second] = fixture.instances;
    const task = await context.task(first!.instanceId);
    expect(Object.keys(task)).not.toContain('patch');
    expect(JSON.stringify(task)).not.toContain(first!.failToPass[0]!);
    const workspace = await context.workspace(second!.instanceId);
    expect(await workspace.listFiles()).toEqual(expect.arrayContaining([expect.stringMatching(/\.py$/)]));
    expect(context.modelFor('judge')).toBe(model);
    await expect(context.task('nope')).rejects.toThrow(/No instance "nope"/);
  } finally {
    await context.close();
  }
});
