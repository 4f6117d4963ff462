// Benchmarks of @codemonkeys/localizer-embedding, each against a baseline measured in the same run.
//   npm run bench                 # everything
//   npm run bench -- quality      # retrieval quality on Debian's Django (development set) and SymPy (held out)
//   npm run bench -- scale        # index time and query latency on a generated ~500k-line repository
//   npm run bench -- lines        # line-level localization on codebase-content-lite (exact base commits) against BM25
// Needs apt-get (Debian packages are downloaded once into bench/.cache) and the shared SWE-bench data.
import fs from 'node:fs';
import { locateSharedData, sharedDataDirectory } from '@codemonkeys/protocol/testkit';
import { tiktokenCounter } from '@codemonkeys/llm';
import { loadDataset } from '@codemonkeys/swebench';
import { codebaseContentFiles, loadCodebaseContent } from './codebase-content-workspace';
import { ensureDebianPythonPackage, readTree } from './debian-corpus';
import { runLocalizersInOneProcess } from './localizers-in-one-process';
import { formatLineTables, measureLineLocalization, type LineBenchmarkMethod } from './line-localization';
import { buildCorpus, formatQualityTable, goldFilesOf, measureRetrievalQuality } from './retrieval-quality';
import { runScaleBenchmark } from './scale-benchmark';

const which = process.argv.slice(2);
const wants = (name: string): boolean => which.every((argument) => argument.startsWith('{')) || which.includes(name);
// cl100k_base, the tokenizer of GPT-4-era models; budgets are counted with it for both methods.
const countTokens = tiktokenCounter('cl100k_base');

if (wants('quality')) {
  const data = locateSharedData('swe-bench-lite.jsonl', 'gold-localization-lite.jsonl');
  if (!data.available) throw new Error(data.reason);
  const expectedSpans = new Map<string, Record<string, string[]>>(
    fs
      .readFileSync(data.paths['gold-localization-lite.jsonl']!, 'utf8')
      .trim()
      .split('\n')
      .map((line) => {
        const row = JSON.parse(line) as { instance_id: string; expected_spans: Record<string, string[]> };
        return [row.instance_id, row.expected_spans];
      }),
  );
  const sets = [
    { repo: 'django/django', debianPackage: 'python3-django', top: 'django', role: 'development set' },
    { repo: 'sympy/sympy', debianPackage: 'python3-sympy', top: 'sympy', role: 'held out' },
  ];
  for (const set of sets) {
    const { root, version } = ensureDebianPythonPackage(set.debianPackage);
    const corpus = await buildCorpus(readTree(root, set.top));
    const paths = new Set(corpus.files.map((file) => file.path));
    const all = await loadDataset(data.paths['swe-bench-lite.jsonl']!, { repos: [set.repo] });
    // Gold files that this version does not have cannot be found by any method: those instances are left out (and counted).
    const instances = all.filter((instance) => goldFilesOf(instance).every((file) => paths.has(file)));
    const started = performance.now();
    const run = await measureRetrievalQuality(corpus, instances, expectedSpans, countTokens);
    console.log(
      formatQualityTable(
        `${set.repo} (${set.role}) on Debian ${set.debianPackage} ${version}, ${all.length - instances.length} of ${all.length} instances left out (gold file absent)`,
        run,
      ),
    );
    console.log(`(${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
  }
}

if (wants('lines')) {
  const data = locateSharedData('swe-bench-lite.jsonl', ...codebaseContentFiles);
  if (!data.available) throw new Error(data.reason);
  const content = await loadCodebaseContent(sharedDataDirectory());
  const covered = new Set(content.instanceIds);
  const instances = (await loadDataset(data.paths['swe-bench-lite.jsonl']!))
    .filter((instance) => covered.has(instance.instanceId))
    .sort((a, b) => a.instanceId.localeCompare(b.instanceId));
  // Variants: `-- lines '{"name":"knapsack","options":{"packing":{"costExponent":1}}}' ...`; the defaults alone otherwise.
  const variants = which.filter((argument) => argument.startsWith('{')).map((argument) => JSON.parse(argument) as LineBenchmarkMethod);
  const methods: LineBenchmarkMethod[] = [{ name: 'embedding localizer (defaults)', options: {} }, ...variants];
  const started = performance.now();
  const run = await measureLineLocalization(content, instances, methods, countTokens, (line) => process.stderr.write(`\r${line}          `));
  console.log(`\ncodebase-content-lite: ${instances.length} instances at their exact base commits (budgets counted with cl100k_base)\n`);
  console.log(formatLineTables(run));
  console.log(`(${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
}

if (wants('memory')) {
  // Run alone (`-- memory`): the peak RSS is the process's.
  const data = locateSharedData('swe-bench-lite.jsonl', ...codebaseContentFiles);
  if (!data.available) throw new Error(data.reason);
  const content = await loadCodebaseContent(sharedDataDirectory());
  const covered = new Set(content.instanceIds);
  const instances = (await loadDataset(data.paths['swe-bench-lite.jsonl']!))
    .filter((instance) => covered.has(instance.instanceId))
    .sort((a, b) => a.instanceId.localeCompare(b.instanceId));
  const afterLoading = process.memoryUsage().rss / 2 ** 20;
  // `-- memory unbounded`: caches as large as the data (what the count cap of 20,000 files gave on these 10,464 files).
  const cacheBytes = which.includes('unbounded') ? 2 ** 36 : undefined;
  const budgets = [13_000, 27_000, 50_000].map((tokenBudget) => ({ tokenBudget, ...(cacheBytes ? { cacheBytes } : {}) }));
  const run = await runLocalizersInOneProcess(content, instances, budgets, countTokens, (line) => process.stderr.write(`\r${line}          `));
  const sorted = [...run.runMs].sort((a, b) => a - b);
  console.log(
    `\n${run.localizers} embedding localizers (13k, 27k, 50k; caches ${cacheBytes ? 'unbounded' : 'by default bytes'}) over ${run.instances} codebase-content-lite instances in one process: peak RSS ${run.peakRssMb.toFixed(0)} MB ` +
      `(${afterLoading.toFixed(0)} MB after loading the data), heap in use at the end ${run.heapUsedMb.toFixed(0)} MB; run p50 ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} ms, p99 ${sorted[Math.ceil(0.99 * sorted.length) - 1]!.toFixed(0)} ms`,
  );
}

if (wants('scale')) console.log(await runScaleBenchmark(countTokens));
