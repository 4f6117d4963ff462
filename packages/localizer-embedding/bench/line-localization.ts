import { renderContext } from '@codemonkeys/plugin-kit';
import { pointerLines, type CodePointer, type Instance, type TokenCounter } from '@codemonkeys/protocol';
import { goldLocalizationOf, localizationLineRewards, type GoldLocalization } from '@codemonkeys/rewards';
import { createCorpusBuilder } from '../src/chunking/corpus-builder';
import type { Corpus } from '../src/chunking/corpus';
import { createFileSelection } from '../src/chunking/file-selection';
import { createLocalLexicalEmbedder } from '../src/embedders/local-lexical-embedder';
import { EmbeddingLocalizerOptionsSchema, type EmbeddingLocalizerOptionsInput } from '../src/options/embedding-localizer-options';
import { localizeCorpus, type CorpusLocalization } from '../src/retrieval/localize-corpus';
import { memoizeTokenCounter } from '../src/retrieval/memoized-token-counter';
import type { CodebaseContent } from './codebase-content-workspace';
import { createWholeFileBm25 } from './whole-file-bm25';

export const lineBudgets = [13_000, 27_000, 50_000] as const;

/** Why a gold file is not in the context at the largest budget. */
export type NeverReachedCause = 'not-in-workspace' | 'excluded-by-path-filter' | 'too-large' | 'binary' | 'no-score' | 'no-chunk-in-top-k' | 'ranked-below-budget';

export interface InstanceFigures {
  instanceId: string;
  repo: string;
  /** Per budget: every gold file shown (0/1), gold-line recall, gold-hunk recall, relevant over context lines, tokens. */
  allGoldFiles: number[];
  lineRecall: number[];
  hunkRecall: number[];
  relevantOverContext: number[];
  tokens: number[];
}

export interface MethodFigures {
  name: string;
  instances: InstanceFigures[];
  /** Gold files not shown at the largest budget, by cause (local methods only). */
  neverReached: Map<NeverReachedCause, number>;
  /** Each gold file not shown at the largest budget: where it ranked (0-based, -1 when unranked). */
  missed: Array<{ instanceId: string; path: string; cause: NeverReachedCause; rank: number }>;
  /** Gold files of the gold files without outline that were chunked by windows (a contributing condition). */
  goldWithoutOutline: number;
  /** Milliseconds per instance: score + rank + pack + render at 27k. */
  queryMs: number[];
  /** Milliseconds per instance: reading, outlining and chunking (shared corpus builder). */
  chunkingMs: number[];
}

export interface LineBenchmarkMethod {
  name: string;
  options: EmbeddingLocalizerOptionsInput;
}

export interface LineBenchmarkRun {
  methods: MethodFigures[];
  bm25: MethodFigures;
  peakRssMb: number;
  goldFiles: number;
}

const quantile = (values: readonly number[], q: number): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
};

/** Base lines of the gold files that have an insertion point (the rewards' neighbour rule reads them). */
function goldFileLines(gold: GoldLocalization, linesOf: (path: string) => readonly string[] | undefined): (path: string) => readonly string[] | undefined {
  return (path) => (gold.insertionPoints.has(path) ? linesOf(path) : undefined);
}

function measurePointers(pointers: readonly CodePointer[], tokens: number, gold: GoldLocalization, linesOf: (path: string) => readonly string[] | undefined) {
  const rewards = localizationLineRewards(pointerLines(pointers), gold, { fileLines: goldFileLines(gold, linesOf) });
  return {
    allGoldFiles: rewards.fileRecallAll ?? 0,
    lineRecall: rewards.goldLineRecall ?? 0,
    hunkRecall: rewards.goldHunkRecall ?? 0,
    relevantOverContext: rewards.relevantOverContext ?? 0,
    tokens,
  };
}

function causeOf(path: string, corpus: Corpus, localization: CorpusLocalization, listed: ReadonlySet<string>, selected: (path: string) => boolean): NeverReachedCause {
  if (!listed.has(path)) return 'not-in-workspace';
  if (!selected(path)) return 'excluded-by-path-filter';
  const fileIndex = corpus.files.findIndex((file) => file.path === path);
  if (fileIndex < 0) return 'too-large';
  const ranked = localization.rankedFiles.find((file) => file.file === fileIndex);
  if (!ranked) return 'no-score';
  return ranked.retrieved ? 'ranked-below-budget' : 'no-chunk-in-top-k';
}

/**
 * Line-level localization on `codebase-content-lite` (every Python file at each instance's exact base
 * commit): each method (embedding localizer options) and the whole-file BM25 baseline over the same
 * instances, rendered through the same renderer and budgets, scored with `@codemonkeys/rewards`.
 */
export async function measureLineLocalization(
  content: CodebaseContent,
  instances: readonly Instance[],
  methods: readonly LineBenchmarkMethod[],
  countTokens: TokenCounter,
  log: (line: string) => void = () => {},
): Promise<LineBenchmarkRun> {
  const counter = memoizeTokenCounter(countTokens);
  // Methods with the same chunking and lexical options share one corpus builder and embedder (and their caches).
  const shared = new Map<string, { builder: ReturnType<typeof createCorpusBuilder>; embedder: ReturnType<typeof createLocalLexicalEmbedder> }>();
  const states = methods.map((method) => {
    const parsed = EmbeddingLocalizerOptionsSchema.parse(method.options);
    const key = JSON.stringify([parsed.chunking, parsed.lexical]);
    if (!shared.has(key)) shared.set(key, { builder: createCorpusBuilder({ chunking: parsed.chunking }), embedder: createLocalLexicalEmbedder(parsed.lexical) });
    return {
      method,
      parsed,
      ...shared.get(key)!,
      selection: createFileSelection(parsed.chunking),
      figures: { name: method.name, instances: [], neverReached: new Map(), missed: [], goldWithoutOutline: 0, queryMs: [], chunkingMs: [] } as MethodFigures,
    };
  });
  const bm25: MethodFigures = { name: 'BM25, whole files (all .py files)', instances: [], neverReached: new Map(), missed: [], goldWithoutOutline: 0, queryMs: [], chunkingMs: [] };
  let goldFiles = 0;
  for (const [position, instance] of instances.entries()) {
    const repo = content.repoOf(instance.instanceId);
    const workspace = content.workspace(instance.instanceId);
    const listedPaths = await workspace.listFiles();
    const listed = new Set(listedPaths);
    const texts = new Map<string, string>();
    for (const path of listedPaths) texts.set(path, await workspace.readFile(path));
    const linesCache = new Map<string, string[]>();
    const linesOf = (path: string): string[] | undefined => {
      if (!linesCache.has(path)) {
        const text = texts.get(path);
        if (text === undefined) return undefined;
        const lines = text.split('\n');
        if (lines.length > 1 && lines.at(-1) === '') lines.pop();
        linesCache.set(path, lines);
      }
      return linesCache.get(path);
    };
    const gold = goldLocalizationOf(instance.patch);
    goldFiles += gold.files.length;
    const query = instance.problemStatement;

    for (const state of states) {
      const started = performance.now();
      const corpus = await state.builder.build(workspace);
      const index = await state.embedder.index(corpus);
      state.figures.chunkingMs.push(performance.now() - started);
      const figures: InstanceFigures = { instanceId: instance.instanceId, repo, allGoldFiles: [], lineRecall: [], hunkRecall: [], relevantOverContext: [], tokens: [] };
      let largest: CorpusLocalization | undefined;
      for (const budget of lineBudgets) {
        const queryStarted = performance.now();
        const scores = await index.score({ text: query });
        const localization = await localizeCorpus(corpus, scores, {
          topK: state.parsed.topK,
          tokenBudget: budget,
          countTokens: counter,
          ranking: state.parsed.ranking,
          packing: state.parsed.packing,
          queryText: query,
          presentation: state.parsed.presentation,
        });
        if (budget === 27_000) state.figures.queryMs.push(performance.now() - queryStarted);
        const measured = measurePointers(localization.pointers, localization.tokens, gold, linesOf);
        figures.allGoldFiles.push(measured.allGoldFiles);
        figures.lineRecall.push(measured.lineRecall);
        figures.hunkRecall.push(measured.hunkRecall);
        figures.relevantOverContext.push(measured.relevantOverContext);
        figures.tokens.push(measured.tokens);
        largest = localization;
      }
      state.figures.instances.push(figures);
      const shownAtLargest = new Set(largest!.pointers.map((pointer) => pointer.path));
      for (const path of gold.files) {
        const file = corpus.files.find((candidate) => candidate.path === path);
        if (file && !file.outlined) state.figures.goldWithoutOutline += 1;
        if (shownAtLargest.has(path)) continue;
        const cause = causeOf(path, corpus, largest!, listed, (candidate) => state.selection.languageOf(candidate) !== undefined);
        state.figures.neverReached.set(cause, (state.figures.neverReached.get(cause) ?? 0) + 1);
        state.figures.missed.push({ instanceId: instance.instanceId, path, cause, rank: largest!.rankedFiles.findIndex((ranked) => ranked.path === path) });
      }
    }

    // The baseline: plain BM25 over every Python file (tests included, as in the SWE-bench paper), whole files in rank order.
    const documents = listedPaths.map((path) => ({ path, content: texts.get(path)! }));
    const baseline = createWholeFileBm25(documents);
    const ranking = baseline.rank(query).map((file) => documents[file]!.path);
    const baselineFigures: InstanceFigures = { instanceId: instance.instanceId, repo, allGoldFiles: [], lineRecall: [], hunkRecall: [], relevantOverContext: [], tokens: [] };
    for (const budget of lineBudgets) {
      const queryStarted = performance.now();
      const pointers = ranking.slice(0, 200).map((path) => ({ path, startLine: 1, endLine: Math.max(1, linesOf(path)!.length) }));
      const rendered = await renderContext(pointers, { readFile: (path) => texts.get(path), tokenBudget: budget, countTokens: counter });
      if (budget === 27_000) bm25.queryMs.push(performance.now() - queryStarted);
      const measured = measurePointers(rendered.shown, rendered.tokens, gold, linesOf);
      baselineFigures.allGoldFiles.push(measured.allGoldFiles);
      baselineFigures.lineRecall.push(measured.lineRecall);
      baselineFigures.hunkRecall.push(measured.hunkRecall);
      baselineFigures.relevantOverContext.push(measured.relevantOverContext);
      baselineFigures.tokens.push(measured.tokens);
    }
    bm25.instances.push(baselineFigures);
    log(`${position + 1}/${instances.length} ${instance.instanceId}`);
  }
  return { methods: states.map((state) => state.figures), bm25, peakRssMb: process.resourceUsage().maxRSS / 1024, goldFiles };
}

const mean = (values: readonly number[]): number => (values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length);
const percent = (value: number, digits = 1): string => (Number.isNaN(value) ? '–' : `${(100 * value).toFixed(digits)}%`);
const thousands = (value: number): string => (Number.isNaN(value) ? '–' : `${(value / 1000).toFixed(1)}k`);

/** Markdown tables: per repository and overall, each method at each budget. */
export function formatLineTables(run: LineBenchmarkRun): string {
  const all = [...run.methods, run.bm25];
  const repos = [...new Set(run.bm25.instances.map((figures) => figures.repo))].sort();
  const header = `| repository (instances) | method | ${lineBudgets.map((budget) => `all gold files @${budget / 1000}k`).join(' | ')} | ${lineBudgets.map((budget) => `line recall @${budget / 1000}k`).join(' | ')} | ${lineBudgets.map((budget) => `hunk recall @${budget / 1000}k`).join(' | ')} | ${lineBudgets.map((budget) => `relevant/context @${budget / 1000}k`).join(' | ')} | mean tokens @27k |`;
  const rows: string[] = [header, `| ${Array.from({ length: 3 + 4 * lineBudgets.length }, () => '---').join(' | ')} |`];
  const row = (label: string, method: MethodFigures, filter: (figures: InstanceFigures) => boolean): string => {
    const chosen = method.instances.filter(filter);
    const column = (key: 'allGoldFiles' | 'lineRecall' | 'hunkRecall' | 'relevantOverContext') =>
      lineBudgets.map((_, index) => percent(mean(chosen.map((figures) => figures[key][index]!)), key === 'relevantOverContext' ? 2 : 1)).join(' | ');
    return `| ${label} (${chosen.length}) | ${method.name} | ${column('allGoldFiles')} | ${column('lineRecall')} | ${column('hunkRecall')} | ${column('relevantOverContext')} | ${thousands(mean(chosen.map((figures) => figures.tokens[1]!)))} |`;
  };
  for (const repo of repos) for (const method of all) rows.push(row(repo, method, (figures) => figures.repo === repo));
  for (const method of all) rows.push(row('**overall**', method, () => true));
  const causes = run.methods.map((method) => {
    const listed = [...method.neverReached.entries()].sort((a, b) => b[1] - a[1]).map(([cause, count]) => `${cause} ${count}`);
    const missed = [...method.neverReached.values()].reduce((sum, count) => sum + count, 0);
    const each = method.missed.map((entry) => `\n  - ${entry.instanceId} ${entry.path}: ${entry.cause}${entry.rank >= 0 ? ` (rank ${entry.rank + 1})` : ''}`).join('');
    return `- ${method.name}: ${missed} of ${run.goldFiles} gold files not shown @${lineBudgets.at(-1)! / 1000}k: ${listed.join(', ') || 'none'}; gold files chunked by windows (no outline): ${method.goldWithoutOutline}${each}`;
  });
  const timing = all.map(
    (method) =>
      `- ${method.name}: query (score, rank, pack, render @27k) p50 ${quantile(method.queryMs, 0.5).toFixed(0)} ms, p99 ${quantile(method.queryMs, 0.99).toFixed(0)} ms` +
      (method.chunkingMs.length > 0
        ? `; chunking + indexing per instance p50 ${quantile(method.chunkingMs, 0.5).toFixed(0)} ms, p99 ${quantile(method.chunkingMs, 0.99).toFixed(0)} ms`
        : ''),
  );
  return [...rows, '', 'Gold files never reached:', ...causes, '', 'Time:', ...timing, `- peak RSS of the bench process: ${run.peakRssMb.toFixed(0)} MB`].join('\n');
}
