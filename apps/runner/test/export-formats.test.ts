import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeWhenAvailable, locateSharedData } from '@codemonkeys/protocol/testkit';
import type { MessageLogRecord, RewardRecord, StageResultRecord } from '@codemonkeys/protocol';
import { createSqliteSequenceStorage } from '@codemonkeys/storage-sqlite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PreferenceLineSchema, RewardsLineSchema, SftLineSchema } from '../src/export/export-schemas';
import { runCli } from './support/run-cli';

/**
 * `codemonkeys export` from a real SQLite file holding a run of two SWE-bench Lite instances × three
 * candidates (one without a conversation, one with an unknown verdict): each format's lines validate
 * against its documented schema and hold exactly the stored values, --where filters on the verdict and
 * any reward, and gold data appears only in metadata.gold (never with --no-gold).
 */

const data = locateSharedData('swe-bench-lite.jsonl');
const instanceIds = ['astropy__astropy-12907', 'django__django-11099'];
const runId = 'run-export';
const createdAt = '2026-01-02T03:04:05.000Z';
let directory: string;
let database: string;

const diffOf = (instanceId: string, sample: number) =>
  `diff --git a/f${sample}.py b/f${sample}.py\n--- a/f${sample}.py\n+++ b/f${sample}.py\n@@ -1 +1 @@\n-a\n+b ${instanceId} ${sample}\n`;
// Per (instance, sample): verdict (null = unknown) and similarity.
const outcomes: Record<string, Array<{ resolved: number | null; similarity: number; messages: boolean }>> = {
  [instanceIds[0]!]: [
    { resolved: 1, similarity: 0.9, messages: true },
    { resolved: 0, similarity: 0.5, messages: true },
    { resolved: null, similarity: 0.85, messages: false },
  ],
  [instanceIds[1]!]: [
    { resolved: 0, similarity: 0.95, messages: true },
    { resolved: 1, similarity: 0.7, messages: true },
    { resolved: 0, similarity: 0.2, messages: true },
  ],
};
const conversation = (instanceId: string, sample: number) => [
  { role: 'system' as const, content: 'You fix bugs.' },
  { role: 'user' as const, content: `Issue of ${instanceId}` },
  { role: 'assistant' as const, content: `attempt ${sample}` },
  { role: 'user' as const, content: 'tests fail' },
  { role: 'assistant' as const, content: `final ${sample}` },
];

const exportLines = async (args: string[]) => {
  const result = await runCli(['export', ...args, '--storage', `sqlite:${database}`, '--run', runId], { cwd: directory });
  return {
    ...result,
    lines: result.stdout
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
};

describeWhenAvailable('codemonkeys export (sft, preference, rewards) from SQLite', data, () => {
  beforeAll(async () => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'export-formats-'));
    database = path.join(directory, 'runs.db');
    const storage = createSqliteSequenceStorage({ path: database });
    await storage.putExperiment({ id: 'exp', name: 'export', config: {}, configHash: 'h', plugins: [], createdAt });
    await storage.putRun({ id: runId, experimentId: 'exp', hypers: {}, status: 'completed', createdAt, updatedAt: createdAt, metadata: { instanceIds } });
    const stages: StageResultRecord[] = [];
    const rewards: RewardRecord[] = [];
    const logs: MessageLogRecord[] = [];
    for (const instanceId of instanceIds) {
      const base = { runId, instanceId, sample: 0, status: 'ok' as const, startedAt: createdAt, finishedAt: createdAt, durationMs: 1, metadata: {} };
      stages.push({ ...base, stage: 'generate', output: outcomes[instanceId]!.map((_, sample) => ({ instanceId, diff: diffOf(instanceId, sample), metadata: {} })) });
      stages.push({ ...base, stage: 'select', output: { instanceId, diff: diffOf(instanceId, 1), metadata: { selectedIndex: 1 } } });
      outcomes[instanceId]!.forEach((outcome, sample) => {
        const reward = (name: string, value: number | null, details: Record<string, unknown> = {}): RewardRecord => ({
          runId,
          instanceId,
          stage: 'generate',
          sample,
          name,
          value,
          details,
          createdAt,
        });
        rewards.push(reward('similarity', outcome.similarity, { gold: 'details are never exported' }), reward('empty', 0));
        if (outcome.resolved !== null) rewards.push(reward('resolved', outcome.resolved, { source: 'sandbox' }));
        if (outcome.messages) logs.push({ runId, instanceId, stage: 'generate', sample, messages: conversation(instanceId, sample), createdAt });
      });
      rewards.push({ runId, instanceId, stage: 'generate', sample: 0, name: 'tokens', value: 100, details: {}, createdAt });
      rewards.push({ runId, instanceId, stage: 'localize', sample: 0, name: 'gold-line-recall', value: 0.5, details: {}, createdAt });
      rewards.push({ runId, instanceId, stage: 'select', sample: 0, name: 'resolved', value: outcomes[instanceId]![1]!.resolved, details: { chosenIndex: 1 }, createdAt });
    }
    await storage.putStageResults(stages);
    await storage.putRewards(rewards);
    await storage.putMessageLogs(logs);
    await storage.close();
  }, 60_000);
  afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));

  it('sft: one chat line per candidate with a conversation, every field as stored', async () => {
    const { code, lines, stderr } = await exportLines(['sft']);
    expect(code).toBe(0);
    expect(stderr).toContain('exported 5 sft lines from 6 candidates of 2 instances');
    expect(stderr).toContain('1 without a conversation');
    const parsed = lines.map((line) => SftLineSchema.parse(line));
    expect(parsed.map((line) => [line.metadata.instanceId, line.metadata.sample])).toEqual([
      [instanceIds[0], 0],
      [instanceIds[0], 1],
      [instanceIds[1], 0],
      [instanceIds[1], 1],
      [instanceIds[1], 2],
    ]);
    const first = parsed[0]!;
    expect(first.messages).toEqual(conversation(instanceIds[0]!, 0));
    expect(first.patch).toBe(diffOf(instanceIds[0]!, 0));
    expect(first.metadata).toEqual({
      runId,
      experimentId: 'exp',
      instanceId: instanceIds[0],
      sample: 0,
      resolved: true,
      verdictSource: 'sandbox',
      chosen: false,
      rewards: { similarity: 0.9, empty: 0, 'localize/gold-line-recall': 0.5 },
      diffSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(parsed[1]!.metadata.chosen).toBe(true);
    // Reward details (which hold gold lines in real runs) are never exported.
    expect(JSON.stringify(parsed)).not.toContain('details are never exported');
  }, 120_000);

  it('--where filters on the verdict and on any reward; unknown values satisfy no comparison', async () => {
    const both = await exportLines(['rewards', '--where', 'resolved=true', '--where', 'similarity>=0.8']);
    expect(both.lines.map((line) => [line.instanceId, line.sample])).toEqual([[instanceIds[0], 0]]);
    const similar = await exportLines(['rewards', '--where', 'similarity>=0.8']);
    expect(similar.lines.map((line) => [line.instanceId, line.sample])).toEqual([
      [instanceIds[0], 0],
      [instanceIds[0], 2],
      [instanceIds[1], 0],
    ]);
    const notResolved = await exportLines(['rewards', '--where', 'resolved=false']);
    expect(notResolved.lines).toHaveLength(3);
    const unknown = await exportLines(['rewards', '--where', 'resolved=null']);
    expect(unknown.lines.map((line) => [line.instanceId, line.sample])).toEqual([[instanceIds[0], 2]]);
    const instanceLevel = await exportLines(['rewards', '--where', 'localize/gold-line-recall>0.6']);
    expect(instanceLevel.lines).toHaveLength(0);
    const bad = await exportLines(['rewards', '--where', 'similarity~0.8']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--where "similarity~0.8": expected KEY OP VALUE');
  }, 120_000);

  it('rewards: one row per candidate, the verdict null when unknown', async () => {
    const { lines } = await exportLines(['rewards']);
    const rows = lines.map((line) => RewardsLineSchema.parse(line));
    expect(rows).toHaveLength(6);
    expect(rows.map((row) => row.resolved)).toEqual([true, false, null, false, true, false]);
    expect(rows.map((row) => row.rewards.similarity)).toEqual([0.9, 0.5, 0.85, 0.95, 0.7, 0.2]);
    expect(rows.map((row) => row.messageCount)).toEqual([5, 5, 0, 5, 5, 5]);
    expect(rows[2]!.verdictSource).toBeNull();
  }, 120_000);

  it('preference: resolved against not resolved, the common prefix as the prompt; or by a reward with a margin', async () => {
    const { lines } = await exportLines(['preference']);
    const pairs = lines.map((line) => PreferenceLineSchema.parse(line));
    // Instance 0: 0 ≻ 1 (2 has no conversation and no verdict). Instance 1: 1 ≻ 0, 1 ≻ 2.
    expect(pairs.map((pair) => [pair.metadata.instanceId, pair.metadata.chosen.sample, pair.metadata.rejected.sample])).toEqual([
      [instanceIds[0], 0, 1],
      [instanceIds[1], 1, 0],
      [instanceIds[1], 1, 2],
    ]);
    const pair = pairs[0]!;
    expect(pair.prompt).toEqual(conversation(instanceIds[0]!, 0).slice(0, 2));
    expect(pair.chosen).toEqual(conversation(instanceIds[0]!, 0).slice(2));
    expect(pair.rejected).toEqual(conversation(instanceIds[0]!, 1).slice(2));
    expect(pair.metadata).toMatchObject({ criterion: 'resolved', margin: 1, chosen: { patch: diffOf(instanceIds[0]!, 0), resolved: true }, rejected: { resolved: false } });

    const bySimilarity = await exportLines(['preference', '--prefer-by', 'similarity', '--min-margin', '0.3']);
    const similarityPairs = bySimilarity.lines.map((line) => PreferenceLineSchema.parse(line));
    expect(similarityPairs.map((entry) => [entry.metadata.instanceId, entry.metadata.chosen.sample, entry.metadata.rejected.sample])).toEqual([
      [instanceIds[0], 0, 1],
      [instanceIds[1], 0, 2],
      [instanceIds[1], 1, 2],
    ]);
    expect(similarityPairs[1]!.metadata.margin).toBeCloseTo(0.75, 12);
  }, 120_000);

  it('gold data only in metadata.gold, and --no-gold drops it', async () => {
    const lite = fs.readFileSync(data.paths['swe-bench-lite.jsonl']!, 'utf8').split('\n');
    const gold = new Map(
      instanceIds.map((instanceId) => {
        const record = JSON.parse(lite.find((line) => line.includes(`"instance_id": "${instanceId}"`))!) as { patch: string; test_patch: string };
        return [instanceId, record];
      }),
    );
    for (const format of ['sft', 'preference', 'rewards']) {
      const withGold = await exportLines([format, '--dataset', data.paths['swe-bench-lite.jsonl']!]);
      expect(withGold.code).toBe(0);
      for (const line of withGold.lines) {
        const metadata = (format === 'rewards' ? line : line.metadata) as { instanceId: string; gold?: { patch: string; testPatch: string; failToPass: string[] } };
        const expected = gold.get(metadata.instanceId)!;
        expect(metadata.gold).toMatchObject({ patch: expected.patch, testPatch: expected.test_patch });
        expect(metadata.gold!.failToPass.length).toBeGreaterThan(0);
        // Outside metadata.gold, neither the gold patch nor the test patch appears anywhere.
        const { gold: _gold, ...rest } = metadata;
        const outside = JSON.stringify(format === 'rewards' ? rest : { ...line, metadata: rest });
        expect(outside).not.toContain(JSON.stringify(expected.patch).slice(1, 80));
        expect(outside).not.toContain(JSON.stringify(expected.test_patch).slice(1, 80));
      }
      const noGold = await exportLines([format, '--dataset', data.paths['swe-bench-lite.jsonl']!, '--no-gold']);
      expect(noGold.lines.length).toBe(withGold.lines.length);
      expect(noGold.stdout).not.toContain('"gold"');
    }
  }, 240_000);
});
