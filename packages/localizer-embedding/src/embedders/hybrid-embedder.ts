import { reciprocalRankFusion } from '@codemonkeys/plugin-kit';
import type { Corpus } from '../chunking/corpus';
import type { HybridOptions } from '../options/embedding-localizer-options';
import { addEmbeddingUsage, emptyEmbeddingUsage, type Embedder, type EmbeddingIndex } from './embedder';

/** Chunk indices the scores rank, best first (ties in corpus order); chunks scored zero or less are not ranked. */
function rankingOf(scores: ArrayLike<number>): number[] {
  const ranked: number[] = [];
  for (let chunk = 0; chunk < scores.length; chunk += 1) if (scores[chunk]! > 0) ranked.push(chunk);
  return ranked.sort((a, b) => scores[b]! - scores[a]! || a - b);
}

/**
 * The `hybrid` embedder: a dense and a lexical index of the same chunks, fused by reciprocal rank:
 * score = denseWeight / (k + dense rank) + lexicalWeight / (k + lexical rank), ranks from 1. Chunks the
 * lexical index scores zero get no lexical share (plugin-kit's `reciprocalRankFusion`). Whole-file scores come from the lexical index.
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
          const chunks = new Float64Array(corpus.chunks.length);
          const fused = reciprocalRankFusion([rankingOf(denseScores.chunks), rankingOf(lexicalScores.chunks)], {
            k: options.rrfK,
            weights: [options.denseWeight, options.lexicalWeight],
          });
          for (const { item: chunk, score } of fused) chunks[chunk] = score;
          return lexicalScores.files ? { chunks, files: lexicalScores.files } : { chunks };
        },
      };
    },
  };
}
