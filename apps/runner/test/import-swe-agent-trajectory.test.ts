import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeWhenAvailable, locateSharedData } from '@codemonkeys/protocol/testkit';
import { createSqliteSequenceStorage } from '@codemonkeys/storage-sqlite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from './support/run-cli';

/** A SWE-agent `.traj` (history, info.submission, info.model_stats) imported into SQLite: messages, patch, usage and cost; the verdict stays unknown. */

const data = locateSharedData('swe-bench-lite.jsonl');
const instanceId = 'django__django-11099';
let directory: string;
let database: string;

const patch =
  "diff --git a/django/contrib/auth/validators.py b/django/contrib/auth/validators.py\n--- a/django/contrib/auth/validators.py\n+++ b/django/contrib/auth/validators.py\n@@ -7,7 +7,7 @@\n \n @deconstructible\n class ASCIIUsernameValidator(validators.RegexValidator):\n-    regex = r'^[\\w.@+-]+$'\n+    regex = r'^[\\w.@+-]+\\Z'\n     message = _(\n";

describeWhenAvailable('codemonkeys import of SWE-agent trajectories', data, () => {
  beforeAll(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'import-traj-'));
    database = path.join(directory, 'runs.db');
    fs.writeFileSync(
      path.join(directory, `${instanceId}.traj`),
      JSON.stringify({
        environment: 'swe_main',
        trajectory: [{ action: 'ls', observation: 'setup.py', response: 'Let me look.', thought: 'Let me look.' }],
        history: [
          { role: 'system', content: 'SETTING: you are an autonomous programmer', agent: 'primary' },
          { role: 'user', content: 'We are solving this issue: usernames with a trailing newline', agent: 'primary' },
          { role: 'assistant', content: 'Let me look.\n```\nls\n```', agent: 'primary' },
          { role: 'user', content: 'setup.py\n(Open file: n/a)', agent: 'primary' },
        ],
        info: { submission: patch, exit_status: 'submitted', model_stats: { total_cost: 3, instance_cost: 0.42, tokens_sent: 12000, tokens_received: 345, api_calls: 2 } },
      }),
    );
  });
  afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));

  it('stores the conversation, the final patch, tokens and cost; unknown verdicts are unknown', async () => {
    const result = await runCli(
      ['import', path.join(directory, `${instanceId}.traj`), '--dataset', data.paths['swe-bench-lite.jsonl']!, '--storage', `sqlite:${database}`, '--json'],
      { cwd: directory },
    );
    expect(result.stderr).toBe('');
    const outcome = JSON.parse(result.stdout) as { runId: string; format: string; unknownVerdicts: number };
    expect(outcome).toMatchObject({ format: 'swe-agent-trajectory', unknownVerdicts: 1 });
    const storage = createSqliteSequenceStorage({ path: database, mustExist: true });
    try {
      const generate = await storage.getStageResult({ runId: outcome.runId, instanceId, stage: 'generate', sample: 0 });
      expect((generate!.output as Array<{ diff: string }>)[0]!.diff).toBe(patch);
      expect((generate!.output as Array<{ metadata: { provenance: unknown } }>)[0]!.metadata.provenance).toMatchObject({
        format: 'swe-agent-trajectory',
        file: `${instanceId}.traj`,
        originalIds: { instance_id: instanceId, exit_status: 'submitted' },
      });
      const logs = (await storage.queryMessageLogs({ runId: outcome.runId })).items;
      expect(logs[0]!.messages).toEqual([
        { role: 'system', content: 'SETTING: you are an autonomous programmer' },
        { role: 'user', content: 'We are solving this issue: usernames with a trailing newline' },
        { role: 'assistant', content: 'Let me look.\n```\nls\n```' },
        { role: 'user', content: 'setup.py\n(Open file: n/a)' },
      ]);
      const rewards = (await storage.queryRewards({ runId: outcome.runId, instanceId, stage: 'generate' })).items;
      const value = (name: string) => rewards.find((reward) => reward.name === name && reward.sample === 0)?.value;
      expect(value('tokens')).toBe(12345);
      expect(value('cost-usd')).toBeCloseTo(0.42, 9);
      expect(value('resolved')).toBeUndefined();
      const selected = (await storage.queryRewards({ runId: outcome.runId, instanceId, stage: 'select', name: 'resolved' })).items;
      expect(selected[0]!.value).toBeNull();
    } finally {
      await storage.close();
    }
  }, 300_000);

  it('a file that is not a trajectory fails naming the file and the field', async () => {
    const bad = path.join(directory, 'bad', `${instanceId}.traj`);
    fs.mkdirSync(path.dirname(bad), { recursive: true });
    fs.writeFileSync(bad, JSON.stringify({ history: [{ role: 'robot', content: 'x' }], info: {} }));
    const result = await runCli(['import', bad, '--dataset', data.paths['swe-bench-lite.jsonl']!, '--storage', `sqlite:${database}`], { cwd: directory });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${instanceId}.traj: field "history[0].role" must be system, user, assistant or tool, got "robot"`);
  }, 300_000);
});
