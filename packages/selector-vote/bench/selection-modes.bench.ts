/**
 * The vote's offline modes (no repository, no sandbox) over the real SWE-bench Lite predictions of four
 * public systems (shared data, predictions-dev/): resolved rate of each mode × tie-break against a
 * uniformly random candidate, the best single system and the oracle, with the normalized gain
 * (choice − random) / (oracle − random). Ties that survive every step go to the first seen, so each
 * configuration is also run over all 24 orders of the systems (mean, min, max).
 *
 *   npm run bench:modes      (CODEMONKEYS_DATA_DIR=/path/to/data to point elsewhere)
 */
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { locateSharedData } from '@codemonkeys/protocol/testkit';
import type { VoteMode, VoteTieBreak } from '../src/index';
import { ensembleOf, loadSystem, permutations, scoreVote, tasksOf, voteSelectorOf } from './predictions-ensemble';

const systems = ['20240402_sweagent_gpt4', '20240523_aider', '20240530_autocoderover-v20240408', '20240609_moatless_gpt4o'];
const data = locateSharedData('swe-bench-lite.jsonl', ...systems.flatMap((system) => [`predictions-dev/${system}.jsonl`, `predictions-dev/${system}.resolved.json`]));
if (!data.available) {
  console.error(data.reason);
  process.exit(1);
}
const directory = path.dirname(data.paths[`predictions-dev/${systems[0]}.jsonl`]!);
const loaded = await Promise.all(systems.map((system) => loadSystem(directory, system)));
const taskOf = await tasksOf(data.paths['swe-bench-lite.jsonl']!);
const ensemble = ensembleOf(loaded);
const percent = (value: number): string => `${(100 * value).toFixed(1)}%`;

const modes: VoteMode[] = ['patch-vote', 'similarity'];
const tieBreaks: VoteTieBreak[] = ['smaller-patch', 'issue-files', 'issue-mentions'];
const orders = permutations(loaded);
const reference = await scoreVote(ensemble, await voteSelectorOf({ mode: 'patch-vote' }), systems);
console.log(`Offline vote modes over ${systems.length} systems' SWE-bench Lite predictions (${reference.instances} instances; textual normalization, no repository)`);
console.log('');
for (const [system, rate] of Object.entries(reference.perSystem)) console.log(`- ${system} alone: ${percent(rate)}`);
console.log(`- random candidate (expected): ${percent(reference.random)}; best single system: ${percent(reference.bestSystem)}; oracle: ${percent(reference.oracle)}`);
console.log('');
console.log('| mode | tie-break | resolved (systems in the order above) | normalized gain | mean over 24 orders (min–max) | ms per instance |');
console.log('| --- | --- | ---: | ---: | ---: | ---: |');
for (const mode of modes) {
  for (const tieBreak of tieBreaks) {
    const selector = await voteSelectorOf({ mode, tieBreak }, taskOf);
    const started = performance.now();
    const score = await scoreVote(ensemble, selector, systems);
    const perInstance = (performance.now() - started) / score.withCandidates;
    const rates: number[] = [];
    for (const order of orders) rates.push((await scoreVote(ensembleOf(order), selector, systems)).vote);
    const mean = rates.reduce((sum, rate) => sum + rate, 0) / rates.length;
    console.log(
      `| ${mode} | ${tieBreak} | ${percent(score.vote)} (${score.resolved}/${score.instances}) | ${score.normalized.toFixed(3)} | ${percent(mean)} (${percent(Math.min(...rates))}–${percent(Math.max(...rates))}) | ${perInstance.toFixed(2)} |`,
    );
  }
}
