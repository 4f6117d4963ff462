import { describe, expect, it } from 'vitest';
import { createInMemorySequenceStorage, readAllPages, type ModelCallRecord, type Patch, type RewardQuery, type RewardRecord, type SequenceStorage } from '@codemonkeys/protocol';
import { createInMemoryWorkspace } from '@codemonkeys/protocol/testkit';
import { createRewarder, formatScorecardMarkdown, scorecardFromStorage } from '../src/index';
import { baseFiles, handInstance, multiFileGold, replaceLine3 } from './support/hand-checked';

const runId = 'run-1';
const now = () => new Date('2026-01-01T00:00:00.000Z');

async function allRewards(storage: SequenceStorage): Promise<RewardRecord[]> {
  const records: RewardRecord[] = [];
  for await (const record of readAllPages((query: RewardQuery) => storage.queryRewards(query), { runId })) records.push(record);
  return records;
}

const byName = (records: readonly RewardRecord[]): Record<string, number | null> => Object.fromEntries(records.map((record) => [`${record.sample}:${record.name}`, record.value]));

function modelCall(stage: string, inputTokens: number, outputTokens: number, costUsd: number, id: string): ModelCallRecord {
  return {
    id,
    runId,
    instanceId: 'hand__checked-1',
    stage,
    kind: 'chat',
    endpoint: 'http://127.0.0.1:1/v1',
    model: 'scripted',
    request: {},
    usage: { inputTokens, outputTokens, cacheReadTokens: 0, cacheWriteTokens: 0 },
    costUsd,
    latencyMs: 5,
    cacheHit: false,
    retries: 0,
    status: 'ok',
    createdAt: '2026-01-01T00:00:00.000Z',
  };
}

describe('the rewarder without a sandbox', () => {
  const instance = handInstance(multiFileGold);
  const workspace = createInMemoryWorkspace({ instanceId: instance.instanceId, files: baseFiles });

  it('stores the localization rewards once per key, however often it is called', async () => {
    const storage = createInMemorySequenceStorage();
    const rewarder = createRewarder({ storage, now });
    const result = { content: [{ path: 'pkg/a.py', startLine: 1, endLine: 5 }], metadata: {} };
    const first = await rewarder.rewardLocalization({ runId, instance, result, workspace, cost: { durationMs: 1200 } });
    await rewarder.rewardLocalization({ runId, instance, result, workspace, cost: { durationMs: 1200 } });
    const stored = await allRewards(storage);
    expect(stored).toHaveLength(first.records.length);
    expect(stored.every((record) => record.stage === 'localize' && record.sample === 0 && record.instanceId === instance.instanceId)).toBe(true);
    expect(byName(stored)).toMatchObject({
      '0:gold-line-recall': 0.25,
      '0:file-recall-all': 0,
      '0:file-recall-any': 1,
      '0:context-lines': 5,
      '0:relevant-over-context': 0.2,
      '0:compression-lines': 5 / 17,
      '0:duration-ms': 1200,
      // No model call was stored for the stage: it cost nothing.
      '0:tokens': 0,
      '0:cost-usd': 0,
    });
    expect(stored.find((record) => record.name === 'context-tokens')!.details).toMatchObject({ tokenizer: 'approximate-4-characters' });
  });

  it('records static generation rewards per candidate, and labels as resolved', async () => {
    const storage = createInMemorySequenceStorage();
    const rewarder = createRewarder({ storage, now });
    const candidates: Patch[] = [
      { instanceId: instance.instanceId, diff: multiFileGold, metadata: {} },
      { instanceId: instance.instanceId, diff: replaceLine3('LINE3'), metadata: {} },
      { instanceId: instance.instanceId, diff: '', metadata: {} },
    ];
    const outcome = await rewarder.rewardGeneration({ runId, instance, candidates, knownVerdicts: [true, false, undefined] });
    const values = byName(outcome.records);
    expect(values).toMatchObject({
      '0:similarity': 1,
      '0:resolved': 1,
      '1:file-overlap': 1 / 3,
      '1:line-overlap': 1 / 4,
      '1:resolved': 0,
      '2:empty': 1,
      '2:similarity': 0,
      // An empty candidate is SWE-bench's empty patch: not applied, not resolved, without running anything.
      '2:applied': 0,
      '2:resolved': 0,
      '0:generated-test-validity': null,
    });
    expect(outcome.records.find((record) => record.sample === 0 && record.name === 'resolved')!.details).toMatchObject({ source: 'labels' });
    expect(outcome.candidates.map((candidate) => candidate.verdictSource)).toEqual(['labels', 'labels', 'empty']);
  });

  it('scores selection from the verdicts stored by the generation stage, with the cost of its model calls', async () => {
    const storage = createInMemorySequenceStorage();
    await storage.putModelCalls([modelCall('select', 1000, 200, 0.0125, 'call-1'), modelCall('select', 500, 100, 0.005, 'call-2'), modelCall('generate', 9, 9, 9, 'call-3')]);
    const rewarder = createRewarder({ storage, now });
    const candidates: Patch[] = [
      { instanceId: instance.instanceId, diff: multiFileGold, metadata: {} },
      { instanceId: instance.instanceId, diff: replaceLine3('LINE3'), metadata: {} },
      { instanceId: instance.instanceId, diff: replaceLine3('Line3'), metadata: {} },
    ];
    await rewarder.rewardGeneration({ runId, instance, candidates, knownVerdicts: [true, false, false] });
    const wrong = await rewarder.rewardSelection({ runId, instance, candidates, chosen: candidates[1]!, cost: { durationMs: 40 } });
    expect(wrong.verdicts).toEqual([true, false, false]);
    // (0 − 1/3) / (1 − 1/3) = −1/2.
    expect(wrong.rewards.normalized).toBeCloseTo(-0.5, 12);
    expect(byName(wrong.records)).toMatchObject({
      '0:resolved': 0,
      '0:random': 1 / 3,
      '0:oracle': 1,
      '0:candidates': 3,
      '0:tokens': 1800,
      '0:cost-usd': 0.0175,
      '0:duration-ms': 40,
    });
    const right = await rewarder.rewardSelection({ runId, instance, candidates, chosen: candidates[0]! });
    expect(right.rewards).toMatchObject({ resolved: 1, normalized: 1 });
    // The second selection overwrote the first: one record per name.
    const selection = (await allRewards(storage)).filter((record) => record.stage === 'select');
    expect(new Set(selection.map((record) => record.name)).size).toBe(selection.length);
  });

  it('leaves verdicts unknown without a sandbox or labels', async () => {
    const storage = createInMemorySequenceStorage();
    const rewarder = createRewarder({ storage, now });
    const candidates: Patch[] = [
      { instanceId: instance.instanceId, diff: replaceLine3('LINE3'), metadata: {} },
      { instanceId: instance.instanceId, diff: '', metadata: {} },
    ];
    const outcome = await rewarder.rewardSelection({ runId, instance, candidates, chosen: candidates[0]! });
    expect(outcome.verdicts).toEqual([null, false]);
    // Only the empty candidate has a verdict: random and oracle are unknown, not 0 (the other one might resolve).
    expect(outcome.rewards).toMatchObject({ resolved: null, random: null, oracle: null, normalized: null });
    expect(outcome.records.find((record) => record.name === 'resolved')!.details).toMatchObject({ reason: 'the chosen patch has no verdict' });
  });

  it('uses the stage names it is given', async () => {
    const storage = createInMemorySequenceStorage();
    const rewarder = createRewarder({ storage, now, stages: { localization: 'context' } });
    await rewarder.rewardLocalization({ runId, instance, result: { content: '', metadata: {} } });
    expect(new Set((await allRewards(storage)).map((record) => record.stage))).toEqual(new Set(['context']));
  });
});

describe('the scorecard of a run', () => {
  it('aggregates every stage and renders Markdown', async () => {
    const storage = createInMemorySequenceStorage();
    const rewarder = createRewarder({ storage, now });
    const instances = [handInstance(multiFileGold), handInstance(replaceLine3('LINE3'), { instanceId: 'hand__checked-2' })];
    for (const [index, instance] of instances.entries()) {
      const workspace = createInMemoryWorkspace({ instanceId: instance.instanceId, files: baseFiles });
      await rewarder.rewardLocalization({
        runId,
        instance,
        workspace,
        result: { content: [{ path: 'pkg/a.py', startLine: 1, endLine: 5 }], metadata: {} },
        cost: { durationMs: 1000, tokens: 10, costUsd: 0.5 },
      });
      const candidates: Patch[] = [
        { instanceId: instance.instanceId, diff: replaceLine3('LINE3'), metadata: {} },
        { instanceId: instance.instanceId, diff: replaceLine3('Line3'), metadata: {} },
      ];
      await rewarder.rewardGeneration({ runId, instance, candidates, knownVerdicts: [index === 1, false], cost: { durationMs: 2000, tokens: 100, costUsd: 1 } });
      await rewarder.rewardSelection({ runId, instance, candidates, chosen: candidates[0]!, cost: { durationMs: 500, tokens: 1, costUsd: 0.25 } });
    }
    const scorecard = await scorecardFromStorage(storage, runId, { validity: { samples: 200 } });
    expect(scorecard.instances).toBe(2);
    expect(scorecard.stages.generation.samples).toBe(4);
    expect(scorecard.headline).toMatchObject({
      // Instance 1: a.py 1-5 shows line 3 of G = {a:3, a:7, b:1, b:2}; instance 2: G = {a:3}, shown.
      goldLineRecall: (0.25 + 1) / 2,
      fileRecallAll: 0.5,
      candidateResolved: 0.25,
      anyResolved: 0.5,
      selectionResolved: 0.5,
      selectionRandom: 0.25,
      selectionOracle: 0.5,
      // (1 − 0.5) / (1 − 0.5): instance 1 had nothing to choose; instance 2 was chosen right.
      selectionNormalized: 1,
      tokens: 2 * (10 + 100 + 1),
      costUsd: 2 * (0.5 + 1 + 0.25),
      durationMs: { localize: 2000, generate: 4000, select: 1000, total: 7000 },
    });
    expect(scorecard.stages.generation.metrics.similarity).toMatchObject({ count: 4, missing: 0 });
    const similarity = scorecard.validity!.find((entry) => entry.name === 'similarity')!;
    expect(similarity).toMatchObject({ observations: 4, resolved: 1, groups: 2 });
    const markdown = formatScorecardMarkdown(scorecard);
    expect(markdown).toContain('| gold-line recall | localization | 62.5% |');
    expect(markdown).toContain('| normalized (score − random) / (oracle − random) | selection | 1.000 |');
    expect(markdown).toContain('### Validity of the pseudo-rewards');
    expect(formatScorecardMarkdown([scorecard, { ...scorecard, runId: 'run-2' }])).toContain('|  | stage | run-1 | run-2 |');
  });
});
