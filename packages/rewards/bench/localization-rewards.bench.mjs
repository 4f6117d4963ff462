// Cost of the localization rewards on a repository of real size: the Python standard library (its .py
// files outside test/, ~640 files, ~12 MB) as the repository, js-tiktoken cl100k_base as the tokenizer.
// Compression needs the lines and tokens of every source file the localizer could have scanned. Baseline:
// measuring them from scratch for each instance (a fresh FileSizeCache). Measured: one rewarder's shared
// cache, on the next instance's commit where 20 files changed. Prints both times and their ratio.
// Run after a build: `npm run bench`.
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInMemoryWorkspace } from '@codemonkeys/protocol/testkit';
import { Tiktoken } from 'js-tiktoken/lite';
import cl100k from 'js-tiktoken/ranks/cl100k_base';
import { FileSizeCache, computeLocalizationRewards } from '../dist/index.js';

const root = process.env.BENCH_REPOSITORY ?? '/usr/lib/python3.11';
if (!fs.existsSync(root)) {
  console.error(`${root} does not exist: set BENCH_REPOSITORY to a folder of Python sources.`);
  process.exit(1);
}
const files = {};
const walk = (directory) => {
  for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory() && !['test', 'tests', 'site-packages', 'dist-packages', '__pycache__'].includes(entry.name)) walk(full);
    else if (entry.isFile() && entry.name.endsWith('.py')) files[path.relative(root, full)] = fs.readFileSync(full, 'utf8');
  }
};
walk(root);
const paths = Object.keys(files).sort();
const bytes = paths.reduce((sum, file) => sum + files[file].length, 0);

const encoder = new Tiktoken(cl100k);
const countTokens = (text) => (text === '' ? 0 : encoder.encode(text, [], []).length);

// The next instance's commit: 20 files changed.
const nextFiles = { ...files };
for (const file of paths.filter((_, index) => index % Math.ceil(paths.length / 20) === 0)) nextFiles[file] = `${files[file]}\n# changed by the next commit\n`;

const target = paths.find((file) => file.endsWith('json/decoder.py')) ?? paths[0];
const goldPatch = [`diff --git a/${target} b/${target}`, `--- a/${target}`, `+++ b/${target}`, '@@ -10,1 +10,1 @@', `-${files[target].split('\n')[9]}`, '+changed', ''].join('\n');
const result = { content: [{ path: target, startLine: 1, endLine: 60 }], metadata: {} };

async function reward(workspaceFiles, cache, key) {
  const workspace = createInMemoryWorkspace({ instanceId: key, files: workspaceFiles });
  const started = performance.now();
  const rewards = await computeLocalizationRewards({ result, goldPatch, workspace, countTokens, fileSizes: cache, repositoryKey: key });
  return { ms: performance.now() - started, rewards };
}

console.log(`repository: ${root}: ${paths.length} Python files, ${(bytes / 1e6).toFixed(1)} MB; tokenizer cl100k_base`);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const ratios = [];
for (let round = 1; round <= rounds; round += 1) {
  // Baseline: a fresh measurement of the next commit.
  const baseline = await reward(nextFiles, new FileSizeCache(countTokens), `next-${round}-fresh`);
  // Measured: the rewarder already measured the previous commit; the next one reuses every unchanged file.
  const shared = new FileSizeCache(countTokens);
  const first = await reward(files, shared, `previous-${round}`);
  const next = await reward(nextFiles, shared, `next-${round}`);
  if (next.rewards.compressionTokens !== baseline.rewards.compressionTokens) throw new Error('the cache changed the result');
  ratios.push(baseline.ms / next.ms);
  console.log(
    `round ${round}: first commit ${first.ms.toFixed(0)} ms; next commit from scratch ${baseline.ms.toFixed(0)} ms, with the shared cache ${next.ms.toFixed(0)} ms ` +
      `(${(baseline.ms / next.ms).toFixed(1)}× faster); scanned ${next.rewards.scanned.lines} lines, ${next.rewards.scanned.tokens} tokens; compression ${next.rewards.compressionTokens.toExponential(2)}`,
  );
}
console.log(`shared cache on the next commit: ${Math.min(...ratios).toFixed(1)}–${Math.max(...ratios).toFixed(1)}× faster than measuring from scratch`);
