import type { Corpus } from '../chunking/corpus';
import type { HybridOptions } from '../options/embedding-localizer-options';
import { addEmbeddingUsage, emptyEmbeddingUsage, type Embedder, type EmbeddingIndex } from './embedder';

/** Positions (0 = best) of `scores` sorted descending; ties keep corpus order. */
function ranksOf(scores: ArrayLike<number>): Int32Array {
  const order = Array.from({ length: scores.length }, (_, index) => index).sort((a, b) => scores[b]! - scores[a]! || a - b);
  const ranks = new Int32Array(scores.length);
  order.forEach((index, rank) => {
    ranks[index] = rank;
  });
  return ranks;
}

/**
 * The `hybrid` embedder: a dense and a lexical index of the same chunks, fused by reciprocal rank:
 * score = denseWeight / (k + dense rank) + lexicalWeight / (k + lexical rank), ranks from 1. Chunks the
 * lexical index scores zero get no lexical share. Whole-file scores come from the lexical index.
 */
export function createHybridEmbedder(dense: Embedder, lexical: Embedder, options: HybridOptions): Embedder {
  return {
    name: 'hybrid',
    async index(corpus: Corpus, signal?: AbortSignal): Promise<EmbeddingIndex> {
      const [denseIndex, lexicalIndex] = await Promise.all([dense.index(corpus, signal), lexical.index(corpus, signal)]);
      const usage = emptyEmbeddingUsage();
      const refreshUsage = (): void => {
        Object.assign(usage, emptyEmbeddingUsage());
        addEmbeddingUsage(usage, denseIndex.usage);
        addEmbeddingUsage(usage, lexicalIndex.usage);
      };
      refreshUsage();
      return {
        usage,
        async score(query, scoreSignal) {
          const [denseScores, lexicalScores] = await Promise.all([denseIndex.score(query, scoreSignal), lexicalIndex.score(query, scoreSignal)]);
          refreshUsage();
          const denseRanks = ranksOf(denseScores.chunks);
          const lexicalRanks = ranksOf(lexicalScores.chunks);
          const chunks = new Float64Array(corpus.chunks.length);
          for (let chunk = 0; chunk < chunks.length; chunk += 1) {
            let score = 0;
            if (denseScores.chunks[chunk]! > 0) score += options.denseWeight / (options.rrfK + denseRanks[chunk]! + 1);
            if (lexicalScores.chunks[chunk]! > 0) score += options.lexicalWeight / (options.rrfK + lexicalRanks[chunk]! + 1);
            chunks[chunk] = score;
          }
          return lexicalScores.files ? { chunks, files: lexicalScores.files } : { chunks };
        },
      };
    },
  };
}
