/**
 * Patch vote over the real SWE-bench Lite predictions of four public systems (shared data,
 * predictions-dev/): resolved rate of the vote's choice against a uniformly random candidate and the
 * oracle, with the textual normalization (no repository, no sandbox; then again with the base-commit files
 * of the 54 instances in codebase-content-lite/, read through a workspace). Also the cost of the vote against
 * a baseline in the same run: parsing every candidate diff with parse-diff and nothing else.
 *
 *   npm run bench            (CODEMONKEYS_DATA_DIR=/path/to/data to point elsewhere)
 */
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import parseDiff from 'parse-diff';
import { locateSharedData, sharedDataDirectory } from '@codemonkeys/protocol/testkit';
import { codebaseContentFiles } from './codebase-content';
import { baseCommitWorkspaces, ensembleOf, loadSystem, noChangeCandidates, permutations, scoreVote, textualVoteSelector } from './predictions-ensemble';

const systems = ['20240402_sweagent_gpt4', '20240523_aider', '20240530_autocoderover-v20240408', '20240609_moatless_gpt4o'];
const data = locateSharedData(...systems.flatMap((system) => [`predictions-dev/${system}.jsonl`, `predictions-dev/${system}.resolved.json`]), ...codebaseContentFiles);
if (!data.available) {
  console.error(data.reason);
  process.exit(1);
}
const directory = path.dirname(data.paths[`predictions-dev/${systems[0]}.jsonl`]!);
const loaded = await Promise.all(systems.map((system) => loadSystem(directory, system)));
const selector = await textualVoteSelector();
const percent = (value: number): string => `${(100 * value).toFixed(1)}%`;

const ensemble = ensembleOf(loaded);
const score = await scoreVote(ensemble, selector, systems);
console.log(
  `Patch vote over ${systems.length} systems' SWE-bench Lite predictions (${score.instances} instances, ${score.withCandidates} with a candidate; textual normalization)`,
);
console.log('');
console.log('| selection | resolved |');
console.log('| --- | ---: |');
for (const [system, rate] of Object.entries(score.perSystem)) console.log(`| ${system} alone | ${percent(rate)} |`);
console.log(`| random candidate (expected) | ${percent(score.random)} |`);
console.log(`| random non-empty candidate (expected) | ${percent(score.randomNonEmpty)} |`);
console.log(`| patch vote (systems in the order above) | ${percent(score.vote)} |`);

// Ties (no majority) go to fewest changed lines, then the first seen: average the vote over every order of the systems.
const orders = permutations(loaded);
let orderSum = 0;
let orderMin = 1;
let orderMax = 0;
for (const order of orders) {
  const rate = (await scoreVote(ensembleOf(order), selector, systems)).vote;
  orderSum += rate;
  orderMin = Math.min(orderMin, rate);
  orderMax = Math.max(orderMax, rate);
}
console.log(`| patch vote, mean over all ${orders.length} system orders | ${percent(orderSum / orders.length)} (min ${percent(orderMin)}, max ${percent(orderMax)}) |`);
console.log(`| oracle (any candidate resolved) | ${percent(score.oracle)} |`);
console.log('');
console.log(`normalized selection score (vote − random) / (oracle − random): ${score.normalized.toFixed(3)}`);
console.log(
  `instances with a real majority (a group of 2+ equal normalized patches): ${score.majorities}, of which resolved: ${score.majoritiesResolved} (${percent(score.majoritiesResolved / Math.max(1, score.majorities))})`,
);
const candidates = ensemble.flatMap((instance) => instance.candidates);
const nonEmpty = candidates.filter((candidate) => candidate.diff.trim() !== '').length;
const noChange = noChangeCandidates(ensemble);
console.log(
  `non-empty candidates read as "no change" (ineligible) from the diff alone: ${noChange.length} of ${nonEmpty} (${noChange.filter((candidate) => candidate.resolved).length} of them resolving)`,
);

// The same vote where the base-commit files are at hand (54 instances), the rest from the diff alone.
const base = await baseCommitWorkspaces(sharedDataDirectory(), ensemble);
const withBase = await scoreVote(ensemble, await textualVoteSelector(base.workspaceOf), systems);
const covered = ensemble.filter((instance) => base.instanceIds.includes(instance.instanceId));
const coveredDiff = await scoreVote(covered, selector, systems);
const coveredBase = await scoreVote(covered, await textualVoteSelector(base.workspaceOf), systems);
console.log('');
console.log(`With base-commit files (codebase-content-lite) for ${base.instanceIds.length} instances:`);
console.log('');
console.log(`| selection | resolved (all ${withBase.instances}) | resolved (the ${coveredBase.instances} with files) |`);
console.log('| --- | ---: | ---: |');
console.log(`| random candidate (expected) | ${percent(withBase.random)} | ${percent(coveredBase.random)} |`);
console.log(`| patch vote, diff alone | ${percent(score.vote)} | ${percent(coveredDiff.vote)} |`);
console.log(`| patch vote, files read against the base commit | ${percent(withBase.vote)} | ${percent(coveredBase.vote)} |`);
console.log(`| oracle | ${percent(withBase.oracle)} | ${percent(coveredBase.oracle)} |`);
console.log(
  `non-empty candidates of those ${covered.length} instances read as "no change": ${noChangeCandidates(covered).length} from the diff alone, ${noChangeCandidates(covered, base.baseTextOf).length} against the base commit`,
);

// Cost: the vote (normalization, grouping, metadata) per instance against parsing the same diffs only.
const rounds = 5;
const timings = { vote: [] as number[], parse: [] as number[] };
for (let round = 0; round < rounds; round += 1) {
  let started = performance.now();
  for (const instance of ensemble) for (const candidate of instance.candidates) parseDiff(candidate.diff);
  timings.parse.push(performance.now() - started);
  started = performance.now();
  for (const instance of ensemble) {
    if (instance.candidates.length === 0) continue;
    await selector.run(
      instance.candidates.map((candidate) => ({ instanceId: instance.instanceId, diff: candidate.diff, metadata: {} })),
      instance.instanceId,
    );
  }
  timings.vote.push(performance.now() - started);
}
const median = (values: number[]): number => [...values].sort((left, right) => left - right)[Math.floor(values.length / 2)]!;
console.log('');
console.log(
  `cost, median of ${rounds} rounds over ${score.withCandidates} instances: vote ${median(timings.vote).toFixed(1)} ms, ` +
    `parse-diff alone ${median(timings.parse).toFixed(1)} ms (baseline); ratio ${(median(timings.vote) / median(timings.parse)).toFixed(2)}×`,
);
