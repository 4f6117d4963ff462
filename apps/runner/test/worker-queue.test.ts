import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { describeWhenAvailable, probeTcp } from '@codemonkeys/protocol/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openStorage } from '../src/storage/open-storage';
import { createScriptedSetup, exited, runCli, spawnCli, type ScriptedSetup } from './support/scripted-experiment';
import { predictionsOf, recordDifferences, storedRecords } from './support/stored-records';

const port = Number(process.env.CODEMONKEYS_REDIS_PORT ?? 6379);
const redisAvailable = await probeTcp('127.0.0.1', port);
// A database of its own besides a prefix of its own: the test's keys never meet another test's.
const queueUrl = `redis://127.0.0.1:${port}/7`;
const instanceCount = 8;

/** Instance ids a worker's log says it finished (`<label> <instanceId>: done ... by worker <pid>`), with repeats. */
const finishedIn = (log: string): string[] => [...log.matchAll(/ (\S+): (?:done|reused)(?: \(empty patch\))? in [\d.]+ s by worker \d+/g)].map((match) => match[1]!);

async function deleteKeys(prefix: string): Promise<number> {
  const redis = new Redis(queueUrl, { maxRetriesPerRequest: 1 });
  try {
    let deleted = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
    return deleted;
  } finally {
    redis.disconnect();
  }
}

describeWhenAvailable(`codemonkeys run --queue and two codemonkeys worker processes on the Redis on 127.0.0.1:${port} (scripts/setup-machine.sh)`, redisAvailable, () => {
  let setup: ScriptedSetup;
  const reference = { database: '', output: '' };
  let referenceKeys: string[] = [];
  const prefix = `codemonkeys-test-${process.pid}-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    setup = await createScriptedSetup({ copies: instanceCount, latencyMs: 100 });
    // The uninterrupted case: the same experiment run here, without a queue.
    reference.database = path.join(setup.directory, 'reference.db');
    reference.output = path.join(setup.directory, 'reference-output');
    const config = setup.writeConfig('reference.json', { storage: `sqlite:${reference.database}`, output: reference.output, concurrency: { instances: 4 } });
    const result = await runCli(['run', config, '--progress', 'lines'], { cwd: setup.directory });
    expect(result.stderr).toContain(`[${instanceCount}/${instanceCount}]`);
    expect(result.code).toBe(0);
    referenceKeys = setup.requestKeys();
  }, 180_000);

  afterAll(async () => {
    await deleteKeys(prefix).catch(() => undefined);
    await setup?.close();
  });

  it('one worker killed with SIGKILL mid-run: its jobs are taken over, every instance is finished exactly once, and the records equal an uninterrupted run', async () => {
    setup.server.reset();
    const database = path.join(setup.directory, 'queued.db');
    const output = path.join(setup.directory, 'queued-output');
    // Each process its own repository cache, as on separate machines: two processes adding worktrees to one
    // mirror at once can make git fail ("failed to read .../worktrees/<name>/commondir"; the repository cache of
    // @codemonkeys/swebench locks a mirror within a process only). Where repositories are cached is not part of
    // the experiment's identity, so the runs are the reference's.
    const { cacheDirectory: _shared, ...settings } = setup.config({ storage: `sqlite:${database}`, output });
    const config = path.join(setup.directory, 'queued.json');
    fs.writeFileSync(config, `${JSON.stringify(settings, null, 2)}\n`);
    const cacheOf = (name: string) => ({ env: { XDG_CACHE_HOME: path.join(setup.directory, `cache-${name}`) } });
    const queueFlags = ['--queue', queueUrl, '--queue-prefix', prefix, '--queue-name', 'runs'];
    // A short lock and a frequent stalled-job check, so that the dead worker's jobs come back within seconds.
    const workerFlags = [...queueFlags, '--concurrency', '2', '--lock-duration', '4000', '--stalled-interval', '1000'];
    const connection = new Redis(queueUrl, { maxRetriesPerRequest: null });
    const queue = new Queue('runs', { connection, prefix });
    const processes: Array<ReturnType<typeof spawnCli>> = [];
    try {
      const runner = spawnCli(['run', config, ...queueFlags, '--progress', 'lines'], { cwd: setup.directory, ...cacheOf('runner') });
      const doomed = spawnCli(['worker', ...workerFlags, '--name', 'worker-a'], { cwd: setup.directory, ...cacheOf('worker-a') });
      const survivor = spawnCli(['worker', ...workerFlags, '--name', 'worker-b'], { cwd: setup.directory, ...cacheOf('worker-b') });
      processes.push(runner, doomed, survivor);

      // Kill worker A while it holds jobs and after some job has been completed: mid-run.
      let heldByDoomed: Job[] = [];
      const deadline = Date.now() + 120_000;
      while (Date.now() < deadline && doomed.exitCode === null && runner.exitCode === null) {
        const completed = await queue.getJobCountByTypes('completed');
        heldByDoomed = (await queue.getActive()).filter((job) => job.processedBy === 'worker-a');
        if (completed > 0 && heldByDoomed.length > 0) break;
        await sleep(50);
      }
      expect(heldByDoomed.length).toBeGreaterThan(0);
      expect(await queue.getJobCountByTypes('completed')).toBeLessThan(instanceCount);
      doomed.kill('SIGKILL');
      await exited(doomed);
      expect(doomed.signalCode).toBe('SIGKILL');

      const runnerCode = await Promise.race([exited(runner), sleep(150_000).then(() => 'timed out')]);
      expect(runnerCode, runner.output()).toBe(0);
      survivor.kill('SIGTERM');
      await exited(survivor);
      expect(survivor.output()).toContain('stopped after');

      // BullMQ: every job completed, none failed or left; the dead worker's jobs were finished by the other one.
      expect(await queue.getJobCounts('completed', 'failed', 'active', 'wait', 'delayed')).toEqual({ completed: instanceCount, failed: 0, active: 0, wait: 0, delayed: 0 });
      const takenOver = [];
      for (const held of heldByDoomed) {
        const job = (await queue.getJob(held.id!))!;
        expect(job.finishedOn).toBeDefined();
        if (job.processedBy === 'worker-b' && job.stalledCounter > 0) takenOver.push(job.data.instanceId as string);
      }
      expect(takenOver.length).toBeGreaterThan(0);
      for (const instanceId of takenOver) expect(survivor.output()).toMatch(new RegExp(` ${instanceId}: started \\(attempt 1, taken over from a worker that stopped\\)`));

      // Each instance finished exactly once, by one worker or the other.
      const finished = [...finishedIn(doomed.output()), ...finishedIn(survivor.output())].sort();
      expect(finished, `worker A:\n${doomed.output()}\nworker B:\n${survivor.output()}`).toEqual(setup.dataset.instances.map((instance) => instance.instanceId).sort());
      // What was taken over was never finished by the dead worker (a job it held may have finished before the kill landed).
      for (const instanceId of takenOver) expect(finishedIn(doomed.output())).not.toContain(instanceId);
      expect(runner.output()).toContain(`[${instanceCount}/${instanceCount}]`);

      // Storage: one run, completed, and nothing duplicated: the same predictions and records as the uninterrupted run.
      const storage = await openStorage(`sqlite:${database}`, { mustExist: true });
      try {
        const { items: runs } = await storage.queryRuns({});
        expect(runs.map((run) => run.status)).toEqual(['completed']);
        for (const instance of setup.dataset.instances) {
          const stages = (await storage.queryStageResults({ runId: runs[0]!.id, instanceId: instance.instanceId })).items;
          expect(stages.map((stage) => `${stage.stage}:${stage.status}`).sort()).toEqual(['generate:ok', 'localize.0:ok', 'localize.1:ok', 'localize:ok', 'select:ok']);
        }
      } finally {
        await storage.close();
      }
      const predictions = predictionsOf(output);
      expect(Object.values(predictions)[0]!.trim().split('\n')).toHaveLength(instanceCount);
      expect(predictions).toEqual(predictionsOf(reference.output));
      expect(recordDifferences(await storedRecords(database), await storedRecords(reference.database))).toEqual({});

      // The model saw the requests of the uninterrupted run and no other (repeats only of what the dead worker had in flight).
      const keys = setup.requestKeys();
      expect(new Set(keys)).toEqual(new Set(referenceKeys));
    } finally {
      for (const child of processes) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await queue.close();
      connection.disconnect();
    }
    // The queue's keys go, and the test leaves nothing in Redis.
    expect(await deleteKeys(prefix)).toBeGreaterThan(0);
    expect(await deleteKeys(prefix)).toBe(0);
  }, 300_000);
});
