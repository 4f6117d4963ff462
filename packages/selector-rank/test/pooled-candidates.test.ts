import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { queueHandler } from '@codemonkeys/llm/testing';
import type { Patch } from '@codemonkeys/protocol';
import type { RankSelectionMetadata } from '../src/index';
import { createRankHarness, type RankHarness } from './support/rank-harness';

// Candidates pooled from other systems (predictions files) carry no generated tests and there is no sandbox.
let harness: RankHarness;
let c: Record<string, Patch>;
beforeAll(async () => {
  harness = await createRankHarness();
  const candidates = await harness.candidates();
  c = Object.fromEntries(Object.entries(candidates).map(([name, patch]) => [name, { instanceId: patch.instanceId, diff: patch.diff, metadata: { name } }]));
});
afterAll(() => harness?.close());
beforeEach(() => harness.server.reset());

const selectionOf = (patch: Patch): RankSelectionMetadata => patch.metadata.selection as RankSelectionMetadata;

describe('the top-k pre-filter over pooled candidates without tests', () => {
  it('keeps the top k by identical copies when no generated test ran, and shows the model only those', async () => {
    harness.server.setHandler(queueHandler(['<choice>2</choice>']));
    const selector = await harness.selector({ topK: 2 });
    // fixPlain once, regression twice, noFix three times: the two with the most copies are kept.
    const chosen = await selector.run([c.fixPlain!, c.regression!, c.noFix!, c.regression!, c.noFix!, c.noFix!], harness.instanceId);
    const selection = selectionOf(chosen);
    expect(selection.contenders.map((contender) => contender.members.length)).toEqual([1, 2, 3]);
    // Shown in the order given (regression is contender 1, noFix contender 2), without fixPlain.
    expect(selection.compared).toEqual([1, 2]);
    expect(selection.notes).toContain('top 2 of 3 distinct candidates kept by identical copies (no generated tests ran)');
    const [prompt] = harness.prompts();
    expect(prompt).toContain('### Candidate 2 (also written, identically, by 2 other samples) ###');
    expect(prompt).not.toContain('### Candidate 3');
    expect(chosen.metadata.name).toBe('noFix');
    expect(selection.decidedBy).toBe('model');
  });

  it('compares every candidate, and says why, when neither tests nor copies tell them apart', async () => {
    harness.server.setHandler(queueHandler(['<choice>3</choice>']));
    const selector = await harness.selector({ topK: 2 });
    const chosen = await selector.run([c.regression!, c.fixPlain!, c.noFix!], harness.instanceId);
    const selection = selectionOf(chosen);
    expect(selection.compared).toEqual([0, 1, 2]);
    expect(selection.notes).toContain('no signal to keep the top 2 by (no generated tests ran, no identical candidates): all 3 compared');
    expect(chosen.metadata.name).toBe('noFix');
  });
});
