/**
 * Benchmark: `codemonkeys select` (runSelection, the vote, no sandbox, SQLite storage) over the SWE-bench
 * Lite predictions of four public systems (shared data, predictions-dev/: 300 instances × 4 sources) with
 * their labels, against two baselines in the same process: merely loading the four predictions files
 * (loadPredictions), and the loop of selector-vote's bench ensemble helper (bench/predictions-ensemble.ts:
 * the vote, created with the options select gives it without a checkout, run on each instance's candidates
 * in turn, nothing stored, no labels), restated here because a package may not import another's files. Arms interleaved, ROUNDS rounds (default 3); medians reported.
 *
 *   npx tsx apps/runner/bench/select-predictions.bench.ts      (CODEMONKEYS_DATA_DIR=/path/to/data)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { locateSharedData } from '@codemonkeys/protocol/testkit';
import { loadPredictions } from '@codemonkeys/swebench';
import { createInMemorySequenceStorage, createPluginInstance, silentLogger, type Patch } from '@codemonkeys/protocol';
import { votePlugin } from '@codemonkeys/selector-vote';
import { runSelection } from '../src/select/run-selection';
import { createSelectionContext } from '../src/select/selection-context';
import { SelectOptionsSchema } from '../src/select/select-options';

const systems = ['20240402_sweagent_gpt4', '20240523_aider', '20240530_autocoderover-v20240408', '20240609_moatless_gpt4o'];
const data = locateSharedData(...systems.flatMap((system) => [`predictions-dev/${system}.jsonl`, `predictions-dev/${system}.resolved.json`]));
if (!data.available) {
  console.error(data.reason);
  process.exit(1);
}
const predictions = systems.map((system) => data.paths[`predictions-dev/${system}.jsonl`]!);
const labels = systems.map((system) => data.paths[`predictions-dev/${system}.resolved.json`]!);
const rounds = Number(process.env.ROUNDS ?? 3);
const workDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'codemonkeys-select-bench-'));
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const times = { load: [] as number[], helper: [] as number[], select: [] as number[] };
let last: Awaited<ReturnType<typeof runSelection>> | undefined;
let helperChosen: number | undefined;
try {
  for (let round = 0; round < rounds; round += 1) {
    let start = performance.now();
    await Promise.all(predictions.map((file) => loadPredictions(file)));
    times.load.push(performance.now() - start);

    start = performance.now();
    const loaded = await Promise.all(predictions.map((file) => loadPredictions(file)));
    const byInstance = new Map<string, Patch[]>();
    // Sources in name order, as select orders them.
    for (const rows of [...loaded].sort((left, right) => (left[0]!.model_name_or_path < right[0]!.model_name_or_path ? -1 : 1)))
      for (const row of rows)
        (byInstance.get(row.instance_id) ?? byInstance.set(row.instance_id, []).get(row.instance_id)!).push({
          instanceId: row.instance_id,
          diff: row.model_patch ?? '',
          metadata: {},
        });
    const context = createSelectionContext({
      storage: createInMemorySequenceStorage(),
      runId: 'bench',
      pluginName: votePlugin.meta.name,
      instances: new Map(),
      environment: undefined,
      models: undefined,
      logger: silentLogger,
      signal: new AbortController().signal,
      onSandbox: () => undefined,
    });
    const vote = await createPluginInstance(votePlugin, { checkApplies: false }, context, { experimentId: 'bench', runId: 'bench' });
    helperChosen = undefined;
    for (const [instanceId, patches] of [...byInstance].sort(([left], [right]) => (left < right ? -1 : 1))) {
      await vote.run(patches, instanceId);
      helperChosen = (helperChosen ?? 0) + 1;
    }
    times.helper.push(performance.now() - start);

    // A fresh storage each round: nothing reused from an earlier round.
    start = performance.now();
    last = await runSelection(
      SelectOptionsSchema.parse({ predictions, labels, storage: `sqlite:${path.join(workDirectory, `round-${round}.db`)}`, output: path.join(workDirectory, `round-${round}`) }),
      { signal: new AbortController().signal, log: () => undefined, cwd: workDirectory },
    );
    times.select.push(performance.now() - start);
  }
} finally {
  fs.rmSync(workDirectory, { recursive: true, force: true });
}
const card = last!.scorecard;
const ms = (value: number): string => `${value.toFixed(0)} ms`;
console.log(`select over ${card.instances} instances × ${systems.length} sources (vote, no sandbox, SQLite), ${rounds} rounds, medians:`);
console.log('');
console.log('| arm | wall time | ratio to select |');
console.log('| --- | ---: | ---: |');
console.log(`| loading the 4 predictions files | ${ms(median(times.load))} | ${(median(times.select) / median(times.load)).toFixed(1)}× |`);
console.log(`| the bench helper's loop: the vote on each instance, nothing stored | ${ms(median(times.helper))} | ${(median(times.select) / median(times.helper)).toFixed(2)}× |`);
console.log(`| codemonkeys select (load, vote, records, outputs) | ${ms(median(times.select))} | 1 |`);
console.log('');
console.log(
  `selector time (sum over instances) ${ms(card.runtime.selectorMs)}, mean ${card.runtime.selectorMeanMs?.toFixed(2)} ms per instance; reading the sources ${ms(card.runtime.loadMs)}`,
);
console.log(
  `instances the baseline voted on: ${helperChosen}; resolved: select ${((card.selected ?? 0) * 100).toFixed(1)}%, random ${((card.random ?? 0) * 100).toFixed(1)}%, oracle ${((card.oracle ?? 0) * 100).toFixed(1)}%`,
);
