import type { Corpus } from '../chunking/corpus';
import type { CorpusScores } from '../embedders/embedder';

export interface RankedFile {
  /** Index in `corpus.files`. */
  readonly file: number;
  readonly path: string;
  readonly score: number;
  /** Indexes of the file's retrieved chunks (among the top k), best first. */
  readonly chunks: readonly number[];
  /** Some chunk of the file is among the top k (otherwise it ranks by its whole-file score or a mention only). */
  readonly retrieved: boolean;
}

/** Indexes of the `limit` highest positive scores, best first (ties keep corpus order). */
export function topIndexes(scores: ArrayLike<number>, limit: number): number[] {
  const indexes: number[] = [];
  for (let index = 0; index < scores.length; index += 1) if (scores[index]! > 0) indexes.push(index);
  indexes.sort((a, b) => scores[b]! - scores[a]! || a - b);
  return indexes.slice(0, limit);
}

export interface RankFilesOptions {
  /** Chunks considered (the top k by score). */
  topK: number;
  /** Weight of the whole-file similarity against the best chunk's (both scaled to the best file's). */
  fileWeight: number;
  /** Files the issue names (file index → mentions). */
  mentions?: ReadonlyMap<number, number>;
  /** Weight of being named in the issue (scaled to the most named file). */
  mentionWeight: number;
}

const maxOf = (values: ArrayLike<number>): number => {
  let max = 0;
  for (let index = 0; index < values.length; index += 1) if (values[index]! > max) max = values[index]!;
  return max;
};

/**
 * Ranks files by the score of their best chunk among the top k, plus (weighted) their whole-file score
 * when the embedder gives one and how often the issue names them, each scaled to its maximum: a file
 * with one function that matches the issue closely and a file that matches it throughout both rise.
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
  const fused = new Float64Array(corpus.files.length);
  const bestMax = top.length > 0 ? scores.chunks[top[0]!]! : 0;
  if (bestMax > 0) for (const [file, chunks] of chunksOfFile) fused[file] = scores.chunks[chunks[0]!]! / bestMax;
  const fileMax = scores.files ? maxOf(scores.files) : 0;
  if (scores.files && fileMax > 0 && options.fileWeight > 0) {
    for (let file = 0; file < fused.length; file += 1) fused[file]! += (options.fileWeight * scores.files[file]!) / fileMax;
  }
  if (options.mentions && options.mentions.size > 0 && options.mentionWeight > 0) {
    const maxMentions = Math.max(...options.mentions.values());
    for (const [file, count] of options.mentions) fused[file]! += (options.mentionWeight * count) / maxMentions;
  }
  return topIndexes(fused, corpus.files.length).map((file) => {
    let chunks = chunksOfFile.get(file);
    const retrieved = chunks !== undefined;
    if (!chunks) {
      // Ranked by its whole-file score or a mention only: offer its best chunks anyway.
      const own: number[] = [];
      for (let chunk = corpus.fileChunkStart[file]!; chunk < corpus.fileChunkStart[file + 1]!; chunk += 1) own.push(chunk);
      chunks = own.sort((a, b) => scores.chunks[b]! - scores.chunks[a]! || a - b).slice(0, 1);
    }
    return { file, path: corpus.files[file]!.path, score: fused[file]!, chunks, retrieved };
  });
}
