// Validity of the static generation pseudo-rewards on real SWE-bench Lite predictions with known outcomes
// (shared data `predictions-dev/`): ROC-AUC and point-biserial r of Levenshtein similarity to gold, gold-file
// overlap, gold-line overlap and patch size for predicting `resolved`, with 95% bootstrap intervals
// (2000 resamples of instances, seed 1), per system and pooled. Run after a build: `npm run bench`.
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { locateSharedData } from '@codemonkeys/protocol/testkit';
import { loadDataset, loadPredictions } from '@codemonkeys/swebench';
import { formatValidityMarkdown, loadResolvedLabels, rewardPredictions } from '../dist/index.js';

const shared = locateSharedData('swe-bench-lite.jsonl', 'predictions-dev');
if (!shared.available) {
  console.error(shared.reason);
  process.exit(1);
}
const directory = shared.paths['predictions-dev'];
const systems = fs
  .readdirSync(directory)
  .filter((file) => file.endsWith('.jsonl'))
  .map((file) => file.replace(/\.jsonl$/, ''))
  .sort();
const instances = await loadDataset(shared.paths['swe-bench-lite.jsonl']);
const names = ['similarity', 'file-overlap', 'line-overlap', 'patch-lines'];
const validity = { names, samples: Number(process.env.BOOTSTRAP_SAMPLES ?? 2000), seed: 1 };

const predictions = [];
const labels = new Map();
for (const system of systems) {
  // Each system is one run, named after its file (some files share a model name).
  for (const prediction of await loadPredictions(path.join(directory, `${system}.jsonl`))) predictions.push({ ...prediction, model_name_or_path: system });
  labels.set(system, await loadResolvedLabels(path.join(directory, `${system}.resolved.json`)));
}

const started = performance.now();
const outcome = await rewardPredictions({
  instances,
  predictions,
  labels: (model) => labels.get(model),
  runIdOf: (model) => model,
  validity,
});
const seconds = (performance.now() - started) / 1000;

for (const run of outcome.runs) {
  const resolved = run.scorecard.headline.candidateResolved;
  console.log(`\n### ${run.model}: ${run.predictions} predictions, ${(resolved * 100).toFixed(1)}% resolved, mean similarity ${run.scorecard.headline.similarity.toFixed(3)}\n`);
  console.log(formatValidityMarkdown(run.scorecard.validity));
}
console.log(`\n### pooled: ${predictions.length} predictions of ${systems.length} systems (instances resampled as clusters)\n`);
console.log(formatValidityMarkdown(outcome.pooledValidity));
console.log(`\nrewards and validity of ${predictions.length} predictions in ${seconds.toFixed(1)} s (${validity.samples} bootstrap resamples)`);
