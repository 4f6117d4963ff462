/**
 * Benchmark: a variant run over the fixture instances whose candidates repeat those of a first run in the
 * same SQLite storage, with the verdict cache (every verdict reused) against without it (the first run's
 * verdict entries made unreadable, so every verdict is evaluated in Docker again, as before the cache).
 * Both arms start from a copy of the same storage after the first run, so the variant's model calls are
 * answered by the response cache in both: the difference is the verdicts. Arms are interleaved.
 *
 *   npx tsx apps/runner/bench/verdict-cache.bench.ts
 *   (COPIES=N instances, default 6; ROUNDS=N pairs of arms, default 2)
 *
 * Needs the Docker daemon and the base image (scripts/build-base-image.sh).
 */
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { performance } from 'node:perf_hooks';
import type { SequenceStorage } from '@codemonkeys/protocol';
import { scorecardFromStorage, verdictCacheKey, verdictCacheKeyParts } from '@codemonkeys/rewards';
import { parseEnvironmentSpecs } from '@codemonkeys/swebench';
import type { RunCommandFlags } from '../src/commands/run-command';
import { runExperimentCommand } from '../src/execution/run-experiment-command';
import { openStorage } from '../src/storage/open-storage';
import { createScriptedSetup, type ScriptedSetup } from '../test/support/scripted-experiment';

const copies = Number(process.env.COPIES ?? 6);
const rounds = Number(process.env.ROUNDS ?? 2);

const flags: RunCommandFlags = { instances: [], localizer: [], set: [], vary: [], repository: [], rewards: true, progress: 'lines' };

async function runExperiment(setup: ScriptedSetup, name: string, database: string): Promise<number> {
  const config = setup.writeConfig(`${path.basename(database)}.json`, {
    name,
    storage: `sqlite:${database}`,
    output: path.join(path.dirname(database), `out-${path.basename(database)}`),
    sandbox: { specFile: setup.dataset.specFile },
    localizer: [{ plugin: 'agentless' }],
    generator: { plugin: 'llm', options: { samples: 4, seed: 1000, tests: 'none', concurrency: 4 } },
    rewards: { generatedTests: false },
    concurrency: { instances: 2, containers: 2, cpu: 2 },
  });
  const sink = new PassThrough();
  sink.resume();
  let errors = '';
  const stderr = new PassThrough() as unknown as NodeJS.WriteStream;
  (stderr as unknown as PassThrough).on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const started = performance.now();
  const code = await runExperimentCommand({ experiment: config, flags, cwd: setup.directory, stdout: sink, stderr, handleSignals: false });
  const wallMs = performance.now() - started;
  if (code !== 0) throw new Error(`${name} on ${database} exited ${code}:\n${errors}`);
  return wallMs;
}

async function withStorage<T>(database: string, use: (storage: SequenceStorage) => Promise<T>): Promise<T> {
  const storage = await openStorage(`sqlite:${database}`, { mustExist: true });
  try {
    return await use(storage);
  } finally {
    await storage.close();
  }
}

/** The verdict cache keys of the first run's candidates (as the rewarder computes them). */
async function verdictKeysOf(setup: ScriptedSetup, database: string): Promise<string[]> {
  const spec = parseEnvironmentSpecs(JSON.parse(fs.readFileSync(setup.dataset.specFile, 'utf8')))[0]!;
  return withStorage(database, async (storage) => {
    const [run] = (await storage.queryRuns({})).items;
    const keys = new Set<string>();
    for (const instance of setup.dataset.instances) {
      const generated = await storage.getStageResult({ runId: run!.id, instanceId: instance.instanceId, stage: 'generate', sample: 0 });
      for (const candidate of generated!.output as Array<{ diff?: string; patch?: { diff: string } }>) {
        const diff = candidate.patch?.diff ?? candidate.diff!;
        if (diff.trim() !== '') keys.add(verdictCacheKey(verdictCacheKeyParts(instance, spec, diff)));
      }
    }
    return [...keys];
  });
}

async function verdictCounts(database: string, name: string): Promise<{ computed: number | null; reused: number | null }> {
  return withStorage(database, async (storage) => {
    const experiment = (await storage.listExperiments()).find((entry) => entry.name === name)!;
    const [run] = (await storage.queryRuns({ experimentId: experiment.id })).items;
    const { headline } = await scorecardFromStorage(storage, run!.id, { validity: false });
    return { computed: headline.verdictsComputed, reused: headline.verdictsReused };
  });
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

const setup = await createScriptedSetup({ copies });
try {
  const base = path.join(setup.directory, 'base.db');
  const firstMs = await runExperiment(setup, 'first', base);
  const keys = await verdictKeysOf(setup, base);
  const firstCounts = await verdictCounts(base, 'first');
  console.log(`first run: ${setup.dataset.instances.length} instances, ${(firstMs / 1000).toFixed(1)} s, verdicts computed ${firstCounts.computed}, reused ${firstCounts.reused}`);

  const times: Record<'with' | 'without', number[]> = { with: [], without: [] };
  for (let round = 0; round < rounds; round += 1) {
    for (const arm of round % 2 === 0 ? (['with', 'without'] as const) : (['without', 'with'] as const)) {
      const database = path.join(setup.directory, `${arm}-${round}.db`);
      for (const suffix of ['', '-wal', '-shm']) if (fs.existsSync(`${base}${suffix}`)) fs.copyFileSync(`${base}${suffix}`, `${database}${suffix}`);
      if (arm === 'without') {
        // Unreadable entries are misses: the variant evaluates every verdict again, as without the cache.
        await withStorage(database, (storage) => storage.putCacheEntries(keys.map((key) => ({ key, value: { invalidated: true }, createdAt: new Date().toISOString() }))));
      }
      const wallMs = await runExperiment(setup, 'variant', database);
      const counts = await verdictCounts(database, 'variant');
      times[arm].push(wallMs);
      console.log(`round ${round + 1}, ${arm} the cache: ${(wallMs / 1000).toFixed(1)} s, verdicts computed ${counts.computed}, reused ${counts.reused}`);
    }
  }
  const withMs = median(times.with);
  const withoutMs = median(times.without);
  console.log(
    JSON.stringify(
      {
        instances: setup.dataset.instances.length,
        distinctVerdicts: keys.length,
        firstRunMs: Math.round(firstMs),
        withCacheMs: times.with.map(Math.round),
        withoutCacheMs: times.without.map(Math.round),
        ratioWithOverWithout: withMs / withoutMs,
      },
      null,
      2,
    ),
  );
} finally {
  await setup.close();
}
