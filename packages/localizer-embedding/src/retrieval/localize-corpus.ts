import type { CodePointer, TokenCounter } from '@codemonkeys/core';
import type { Corpus } from '../chunking/corpus';
import type { CorpusScores } from '../embedders/embedder';
import { packingOrder, spansOfFile } from './context-spans';
import { rankFiles, type RankedFile } from './rank-files';
import { renderWithinBudget } from './render-within-budget';

export interface LocalizeCorpusOptions {
  topK: number;
  tokenBudget: number;
  countTokens: TokenCounter;
  /** The k of the reciprocal-rank fusion of best-chunk and whole-file rankings. */
  fileFusionK?: number;
  /** Spans of each file offered before the second spans of any file. */
  leadingSpansPerFile?: number;
}

export interface CorpusLocalization {
  text: string;
  pointers: CodePointer[];
  rankedFiles: RankedFile[];
  tokens: number;
  lines: number;
  filesShown: number;
  omittedSpans: number;
}

/** From similarity scores to a budgeted context: rank files, merge their chunks into spans, pack and render. */
export async function localizeCorpus(corpus: Corpus, scores: CorpusScores, options: LocalizeCorpusOptions): Promise<CorpusLocalization> {
  const rankedFiles = rankFiles(corpus, scores, { topK: options.topK, rrfK: options.fileFusionK ?? 60 });
  const spans = packingOrder(
    rankedFiles.map((ranked, rank) => spansOfFile(corpus, ranked, rank, scores.chunks)),
    options.leadingSpansPerFile ?? 1,
  );
  const linesByPath = new Map(corpus.files.map((file) => [file.path, file.lines]));
  const context = await renderWithinBudget(spans, (path) => linesByPath.get(path), options.tokenBudget, options.countTokens);
  return {
    text: context.text,
    pointers: context.pointers,
    rankedFiles,
    tokens: context.tokens,
    lines: context.lines,
    filesShown: new Set(context.pointers.map((pointer) => pointer.path)).size,
    omittedSpans: context.omittedSpans,
  };
}
