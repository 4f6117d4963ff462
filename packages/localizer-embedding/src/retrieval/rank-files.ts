import type { Corpus } from '../chunking/corpus';
import type { CorpusScores } from '../embedders/embedder';

export interface RankedFile {
  /** Index in `corpus.files`. */
  readonly file: number;
  readonly path: string;
  readonly score: number;
  /** Indexes of the file's chunks, best first (only chunks with a positive score). */
  readonly chunks: readonly number[];
}

/** Positions (0 = best) of `scores` sorted descending; ties keep corpus order. */
export function ranksOf(scores: ArrayLike<number>): Int32Array {
  const order = Array.from({ length: scores.length }, (_, index) => index).sort((a, b) => scores[b]! - scores[a]! || a - b);
  const ranks = new Int32Array(scores.length);
  order.forEach((index, rank) => {
    ranks[index] = rank;
  });
  return ranks;
}

/** Indexes of the `limit` highest positive scores, best first. */
export function topIndexes(scores: ArrayLike<number>, limit: number): number[] {
  const indexes: number[] = [];
  for (let index = 0; index < scores.length; index += 1) if (scores[index]! > 0) indexes.push(index);
  indexes.sort((a, b) => scores[b]! - scores[a]! || a - b);
  return indexes.slice(0, limit);
}

export interface RankFilesOptions {
  /** Chunks considered (the top k by score). */
  topK: number;
  /** The k of reciprocal-rank fusion between the best-chunk ranking and the whole-file ranking. */
  rrfK: number;
}

/**
 * Ranks files by their best chunks among the top k, fused (reciprocal rank) with the whole-file
 * ranking when the embedder gives one: a file whose one function matches the issue closely and a file
 * that matches it throughout both rise.
 */
export function rankFiles(corpus: Corpus, scores: CorpusScores, options: RankFilesOptions): RankedFile[] {
  const top = topIndexes(scores.chunks, options.topK);
  const chunksOfFile = new Map<number, number[]>();
  for (const chunk of top) {
    const file = corpus.fileOfChunk[chunk]!;
    const list = chunksOfFile.get(file);
    if (list) list.push(chunk);
    else chunksOfFile.set(file, [chunk]);
  }
  const best = new Float64Array(corpus.files.length);
  for (const [file, chunks] of chunksOfFile) best[file] = scores.chunks[chunks[0]!]!;
  let fused: Float64Array;
  if (scores.files) {
    const chunkRanks = ranksOf(best);
    const fileRanks = ranksOf(scores.files);
    fused = new Float64Array(corpus.files.length);
    for (let file = 0; file < fused.length; file += 1) {
      const fromChunks = best[file]! > 0 ? 1 / (options.rrfK + chunkRanks[file]! + 1) : 0;
      const fromFile = scores.files[file]! > 0 ? 1 / (options.rrfK + fileRanks[file]! + 1) : 0;
      fused[file] = fromChunks + fromFile;
    }
  } else fused = best;
  return topIndexes(fused, corpus.files.length).map((file) => {
    let chunks = chunksOfFile.get(file);
    if (!chunks) {
      // Ranked by the whole-file score only: show its best chunk anyway.
      const own: number[] = [];
      for (let chunk = corpus.fileChunkStart[file]!; chunk < corpus.fileChunkStart[file + 1]!; chunk += 1) if (scores.chunks[chunk]! > 0) own.push(chunk);
      chunks = own.sort((a, b) => scores.chunks[b]! - scores.chunks[a]!).slice(0, 3);
    }
    return { file, path: corpus.files[file]!.path, score: fused[file]!, chunks };
  });
}
