import { renderContext } from '@codemonkeys/plugin-kit';
import { type Instance, type TokenCounter } from '@codemonkeys/protocol';
import { createInMemoryWorkspace } from '@codemonkeys/protocol/testkit';
import { goldLinesByFile, outlinePython } from '@codemonkeys/swebench';
import { createCorpusBuilder } from '../src/chunking/corpus-builder';
import type { Corpus } from '../src/chunking/corpus';
import type { Embedder } from '../src/embedders/embedder';
import { EmbeddingLocalizerOptionsSchema, type EmbeddingLocalizerOptionsInput } from '../src/options/embedding-localizer-options';
import { localizeCorpus } from '../src/retrieval/localize-corpus';
import { memoizeTokenCounter } from '../src/retrieval/memoized-token-counter';
import { createLocalLexicalEmbedder } from '../src/embedders/local-lexical-embedder';
import { createWholeFileBm25 } from './whole-file-bm25';

export const budgets = [13_000, 27_000, 50_000] as const;
export const topFiles = [1, 5, 10] as const;

export interface MethodScores {
  /** Share of instances whose every gold file is shown, per budget. */
  allGoldInContext: number[];
  /** Share of the instances with named gold functions whose every such function is shown (some of its lines), per budget. */
  allGoldFunctionsInContext: number[];
  /** Share of instances with a gold file among the top n ranked files. */
  goldInTop: number[];
  /** Mean context tokens per budget. */
  meanTokens: number[];
}

export interface QualityRun {
  corpus: Corpus;
  instances: number;
  /** Instances whose gold functions/classes (by name) all exist in the corpus's version of the files. */
  instancesWithGoldFunctions: number;
  local: MethodScores;
  bm25: MethodScores;
  /** Per instance, for inspection: rank of the first gold file (local, bm25), 0-based, -1 when absent. */
  ranks: Array<{ instanceId: string; local: number; bm25: number }>;
}

/** Paths the gold patch edits (scored by file: line numbers of the Debian package differ from the base commit). */
export const goldFilesOf = (instance: Instance): string[] => goldLinesByFile(instance.patch).map((file) => file.oldPath ?? file.path);

export async function buildCorpus(files: Record<string, string>, options: EmbeddingLocalizerOptionsInput = {}): Promise<Corpus> {
  const parsed = EmbeddingLocalizerOptionsSchema.parse(options);
  const workspace = createInMemoryWorkspace({ instanceId: 'corpus', files, outline: (_path, content) => outlinePython(content) });
  return createCorpusBuilder({ chunking: parsed.chunking }).build(workspace);
}

const share = (hits: number, total: number): number => (total === 0 ? 0 : hits / total);

/**
 * Scores the local embedder and the whole-file BM25 baseline on the same corpus and the same queries:
 * the share of instances with every gold file in the rendered context at each budget, and with a gold
 * file among the top 1/5/10 files.
 */
/**
 * Line spans, in the corpus's version of the files, of the functions, methods and classes the gold patch
 * edits (named in the shared gold-localization data); undefined when a name is not found in this version.
 */
export async function goldFunctionSpans(corpus: Corpus, expectedSpans: Record<string, string[]>): Promise<Array<{ path: string; startLine: number; endLine: number }> | undefined> {
  const spans: Array<{ path: string; startLine: number; endLine: number }> = [];
  for (const [path, names] of Object.entries(expectedSpans)) {
    const file = corpus.files.find((candidate) => candidate.path === path);
    const named = names.filter((name) => name !== 'imports' && name !== 'impl');
    if (named.length === 0) continue;
    if (!file) return undefined;
    const outline = await outlinePython(file.lines.join('\n'));
    for (const name of named) {
      const entry = outline.find((candidate) => candidate.qualifiedName === name);
      if (!entry) return undefined;
      spans.push({ path, startLine: entry.startLine, endLine: entry.endLine });
    }
  }
  return spans.length > 0 ? spans : undefined;
}

type Shown = ReadonlyArray<{ path: string; startLine: number; endLine: number }>;
const overlaps = (shown: Shown, span: { path: string; startLine: number; endLine: number }): boolean =>
  shown.some((pointer) => pointer.path === span.path && pointer.startLine <= span.endLine && pointer.endLine >= span.startLine);

export async function measureRetrievalQuality(
  corpus: Corpus,
  instances: readonly Instance[],
  expectedSpans: ReadonlyMap<string, Record<string, string[]>>,
  countTokens: TokenCounter,
  options: EmbeddingLocalizerOptionsInput = {},
  embedder?: Embedder,
): Promise<QualityRun> {
  const parsed = EmbeddingLocalizerOptionsSchema.parse(options);
  const counter = memoizeTokenCounter(countTokens);
  const index = await (embedder ?? createLocalLexicalEmbedder(parsed.lexical)).index(corpus);
  const baseline = createWholeFileBm25(corpus.files.map((file) => ({ path: file.path, content: file.lines.join('\n') })));
  const linesByPath = new Map(corpus.files.map((file) => [file.path, file.lines]));
  const fresh = () => ({ context: budgets.map(() => 0), functions: budgets.map(() => 0), top: topFiles.map(() => 0), tokens: budgets.map(() => 0) });
  const local = fresh();
  const bm25 = fresh();
  const ranks: QualityRun['ranks'] = [];
  let instancesWithGoldFunctions = 0;
  for (const instance of instances) {
    const gold = goldFilesOf(instance);
    const functions = await goldFunctionSpans(corpus, expectedSpans.get(instance.instanceId) ?? {});
    if (functions) instancesWithGoldFunctions += 1;
    const query = parsed.useHints && instance.hintsText ? `${instance.problemStatement}\n\n${instance.hintsText}` : instance.problemStatement;
    const scores = await index.score({ text: query });
    let localRanking: string[] = [];
    for (const [position, budget] of budgets.entries()) {
      const result = await localizeCorpus(corpus, scores, {
        topK: parsed.topK,
        tokenBudget: budget,
        countTokens: counter,
        ranking: parsed.ranking,
        packing: parsed.packing,
        queryText: query,
      });
      localRanking = result.rankedFiles.map((file) => file.path);
      const shown = new Set(result.pointers.map((pointer) => pointer.path));
      if (gold.every((path) => shown.has(path))) local.context[position]! += 1;
      if (functions?.every((span) => overlaps(result.pointers, span))) local.functions[position]! += 1;
      local.tokens[position]! += result.tokens;
    }
    const bm25Ranking = baseline.rank(query).map((file) => corpus.files[file]!.path);
    for (const [position, budget] of budgets.entries()) {
      // Whole files in rank order through the same renderer and budget (the first file that does not fit is cut).
      const pointers = bm25Ranking.slice(0, 200).map((path) => ({ path, startLine: 1, endLine: Math.max(1, linesByPath.get(path)!.length) }));
      const rendered = await renderContext(pointers, { readFile: (path) => linesByPath.get(path)?.join('\n'), tokenBudget: budget, countTokens: counter });
      const shown = new Set(rendered.shown.map((pointer) => pointer.path));
      if (gold.every((path) => shown.has(path))) bm25.context[position]! += 1;
      if (functions?.every((span) => overlaps(rendered.shown, span))) bm25.functions[position]! += 1;
      bm25.tokens[position]! += rendered.tokens;
    }
    for (const [position, n] of topFiles.entries()) {
      if (localRanking.slice(0, n).some((path) => gold.includes(path))) local.top[position]! += 1;
      if (bm25Ranking.slice(0, n).some((path) => gold.includes(path))) bm25.top[position]! += 1;
    }
    ranks.push({
      instanceId: instance.instanceId,
      local: localRanking.findIndex((path) => gold.includes(path)),
      bm25: bm25Ranking.findIndex((path) => gold.includes(path)),
    });
  }
  const summarize = (method: typeof local): MethodScores => ({
    allGoldInContext: method.context.map((hits) => share(hits, instances.length)),
    allGoldFunctionsInContext: method.functions.map((hits) => share(hits, instancesWithGoldFunctions)),
    goldInTop: method.top.map((hits) => share(hits, instances.length)),
    meanTokens: method.tokens.map((tokens) => tokens / Math.max(1, instances.length)),
  });
  return { corpus, instances: instances.length, instancesWithGoldFunctions, local: summarize(local), bm25: summarize(bm25), ranks };
}

const percent = (value: number): string => `${(100 * value).toFixed(1)}%`;

/** A Markdown table of one run. */
export function formatQualityTable(title: string, run: QualityRun): string {
  const row = (name: string, scores: MethodScores): string =>
    `| ${name} | ${scores.allGoldInContext.map(percent).join(' | ')} | ${scores.goldInTop.map(percent).join(' | ')} | ${scores.allGoldFunctionsInContext.map(percent).join(' | ')} |`;
  const difference = (a: number[], b: number[]): string => a.map((value, index) => (100 * (value - b[index]!)).toFixed(1)).join(' | ');
  return [
    `${title}: ${run.instances} instances, ${run.corpus.statistics.filesScanned} files, ${run.corpus.statistics.lines} lines, ${run.corpus.statistics.chunks} chunks`,
    '',
    `| method | all gold files in context @13k | @27k | @50k | gold file in top 1 | top 5 | top 10 | all gold functions in context @13k | @27k | @50k |`,
    `| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |`,
    row('local embedder', run.local),
    row('BM25, whole files', run.bm25),
    `| local − BM25 (points) | ${difference(run.local.allGoldInContext, run.bm25.allGoldInContext)} | ${difference(run.local.goldInTop, run.bm25.goldInTop)} | ${difference(run.local.allGoldFunctionsInContext, run.bm25.allGoldFunctionsInContext)} |`,
    '',
    `Gold functions: the ${run.instancesWithGoldFunctions} instances whose edited functions/classes (by name) exist in this version.`,
  ].join('\n');
}
