import type { ContextPresentation } from '@codemonkeys/plugin-kit';
import type { CodePointer, TokenCounter } from '@codemonkeys/protocol';
import type { Corpus } from '../chunking/corpus';
import type { CorpusScores } from '../embedders/embedder';
import { packingOrder, remainingChunkSpans, spansOfFile } from './context-spans';
import { mentionedFiles } from './mentioned-files';
import { rankFiles, type RankedFile } from './rank-files';
import type { PackingOptions, RankingOptions } from '../options/embedding-localizer-options';
import { renderWithinBudget } from './render-within-budget';
import { createSpanValuation, definitionExtent } from './span-valuation';

export interface LocalizeCorpusOptions {
  topK: number;
  tokenBudget: number;
  countTokens: TokenCounter;
  ranking: RankingOptions;
  packing: PackingOptions;
  /** The issue text, to find the files it names. */
  queryText: string;
  /** How the packed spans are rendered (default `spans`). */
  presentation?: ContextPresentation;
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
  const rankedFiles = rankFiles(corpus, scores, {
    topK: options.topK,
    fileWeight: options.ranking.fileWeight,
    mentionWeight: options.ranking.mentionWeight,
    mentions: mentionedFiles(options.queryText, corpus),
  });
  const extentOf = definitionExtent(corpus, options.packing);
  const spans = packingOrder(
    rankedFiles.map((ranked, rank) => {
      const retrieved = spansOfFile(corpus, ranked, rank, scores.chunks, extentOf);
      return { retrieved, remaining: () => remainingChunkSpans(corpus, ranked, rank, scores.chunks, retrieved) };
    }),
    options.packing,
    createSpanValuation({ corpus, rankedFiles, queryText: options.queryText, packing: options.packing }),
  );
  const filesByPath = new Map(corpus.files.map((file) => [file.path, file]));
  const context = await renderWithinBudget(spans, (path) => filesByPath.get(path), options.tokenBudget, options.countTokens, options.presentation);
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
