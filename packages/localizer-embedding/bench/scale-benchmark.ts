import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { TokenCounter } from '@codemonkeys/protocol';
import { createCorpusBuilder } from '../src/chunking/corpus-builder';
import { createLocalLexicalEmbedder } from '../src/embedders/local-lexical-embedder';
import { EmbeddingLocalizerOptionsSchema } from '../src/options/embedding-localizer-options';
import { localizeCorpus } from '../src/retrieval/localize-corpus';
import { memoizeTokenCounter } from '../src/retrieval/memoized-token-counter';
import { createDirectoryWorkspace } from './directory-workspace';
import { createRandom, generateQuery, generateRepository } from './generated-repository';

const percentile = (sorted: readonly number[], share: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)]!;

/**
 * Indexes a generated repository of about `targetLines` lines (files on disk) and queries it. Reports
 * the index time as a ratio to the I/O floor (reading and hashing every file once, in the same run),
 * the re-index time after 1% of the files change (the next instance of a repository), and the
 * latency of a query (scoring, ranking and rendering a 27k-token context) at p50 and p99.
 */
export async function runScaleBenchmark(countTokens: TokenCounter, targetLines = 500_000, queries = 200): Promise<string> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'localizer-embedding-scale-'));
  try {
    const paths = generateRepository(directory, targetLines);
    const options = EmbeddingLocalizerOptionsSchema.parse({});
    const workspace = createDirectoryWorkspace(directory, paths);
    await workspace.outline(paths[0]!); // load the parser outside the timings

    // The I/O floor: read and hash every file once (after a first pass, so both runs read a warm page cache).
    const floor = async (): Promise<number> => {
      const start = performance.now();
      let lines = 0;
      for (const relative of paths) {
        const content = await fs.promises.readFile(path.join(directory, relative), 'utf8');
        createHash('sha256').update(content).digest('hex');
        lines += content.split('\n').length - 1;
      }
      if (lines === 0) throw new Error('empty repository');
      return performance.now() - start;
    };
    await floor();
    const floorMs = await floor();
    // How much of indexing is parsing: the workspace's outline of every file, alone.
    let start = performance.now();
    for (const relative of paths) await workspace.outline(relative);
    const outlineMs = performance.now() - start;

    const builder = createCorpusBuilder({ chunking: options.chunking });
    const embedder = createLocalLexicalEmbedder(options.lexical);
    start = performance.now();
    const corpus = await builder.build(workspace);
    const chunkedMs = performance.now() - start;
    let index = await embedder.index(corpus);
    const indexMs = performance.now() - start;

    // The next instance: 1% of the files changed (one function body each).
    const changed = paths.filter((_, position) => position % 100 === 0);
    for (const relative of changed) {
      const file = path.join(directory, relative);
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('    total = 0\n', '    total = 1\n'));
    }
    start = performance.now();
    const nextCorpus = await builder.build(workspace);
    index = await embedder.index(nextCorpus);
    const reindexMs = performance.now() - start;

    const random = createRandom(11);
    const counter = memoizeTokenCounter(countTokens);
    const latencies: number[] = [];
    for (let query = 0; query < queries; query += 1) {
      const text = generateQuery(random);
      const queryStart = performance.now();
      const scores = await index.score({ text });
      const result = await localizeCorpus(nextCorpus, scores, {
        topK: options.topK,
        tokenBudget: options.tokenBudget,
        countTokens: counter,
        ranking: options.ranking,
        packing: options.packing,
        queryText: text,
      });
      latencies.push(performance.now() - queryStart);
      if (result.tokens > options.tokenBudget) throw new Error('budget exceeded');
    }
    const sorted = [...latencies].sort((a, b) => a - b);
    const { statistics } = corpus;
    return [
      `Generated repository: ${statistics.filesScanned} files, ${statistics.lines} lines, ${statistics.chunks} chunks (local embedder, defaults)`,
      '',
      '| measurement | time | baseline (same run) | ratio |',
      '| --- | --- | --- | --- |',
      `| index from scratch (read, outline, chunk, term vectors, BM25) | ${(indexMs / 1000).toFixed(2)} s (chunking ${(chunkedMs / 1000).toFixed(2)} s) | read + SHA-256 of every file: ${(floorMs / 1000).toFixed(2)} s | ${(indexMs / floorMs).toFixed(1)}× the I/O floor |`,
      `| of which parsing: the workspace's outline() of every file, alone | ${(outlineMs / 1000).toFixed(2)} s | I/O floor | ${(outlineMs / floorMs).toFixed(1)}× (${((100 * outlineMs) / indexMs).toFixed(0)}% of the index time) |`,
      `| index of the next instance (${changed.length} files changed) | ${(reindexMs / 1000).toFixed(2)} s | index from scratch | ${(reindexMs / indexMs).toFixed(2)}× (${(reindexMs / floorMs).toFixed(1)}× the I/O floor) |`,
      `| query: score, rank, render 27k tokens (${queries} queries) | p50 ${percentile(sorted, 0.5).toFixed(0)} ms, p99 ${percentile(sorted, 0.99).toFixed(0)} ms | I/O floor | p50 ${(percentile(sorted, 0.5) / floorMs).toFixed(2)}× |`,
    ].join('\n');
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
}
