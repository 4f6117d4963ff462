import type { CodePointer, CodePointerKind } from '@codemonkeys/core';
import type { ChunkKind } from '../chunking/chunk';
import type { Corpus } from '../chunking/corpus';
import type { RankedFile } from './rank-files';

/** A span of a ranked file to show: retrieved chunks merged where they overlap or touch. */
export interface ContextSpan {
  readonly path: string;
  readonly startLine: number;
  readonly endLine: number;
  /** The best score of its chunks. */
  readonly score: number;
  /** The symbol of its best chunk. */
  readonly symbol: string | undefined;
  readonly kind: CodePointerKind;
  /** Rank of its file (0 = best). */
  readonly fileRank: number;
}

const pointerKind = (kind: ChunkKind): CodePointerKind => (kind === 'class' ? 'class' : kind === 'function' || kind === 'method' ? 'function' : 'lines');

/** The spans of one ranked file, best first: its retrieved chunks, merged where they overlap or touch. */
export function spansOfFile(corpus: Corpus, ranked: RankedFile, fileRank: number, chunkScores: ArrayLike<number>): ContextSpan[] {
  const chunks = ranked.chunks.map((index) => ({ chunk: corpus.chunks[index]!, score: chunkScores[index]! })).sort((a, b) => a.chunk.startLine - b.chunk.startLine);
  const merged: Array<{ start: number; end: number; best: { score: number; symbol: string | undefined; kind: ChunkKind }; count: number }> = [];
  for (const { chunk, score } of chunks) {
    const last = merged.at(-1);
    if (last && chunk.startLine <= last.end + 1) {
      last.end = Math.max(last.end, chunk.endLine);
      last.count += 1;
      if (score > last.best.score) last.best = { score, symbol: chunk.symbol, kind: chunk.kind };
    } else merged.push({ start: chunk.startLine, end: chunk.endLine, best: { score, symbol: chunk.symbol, kind: chunk.kind }, count: 1 });
  }
  return merged
    .map((span) => ({
      path: ranked.path,
      startLine: span.start,
      endLine: span.end,
      score: span.best.score,
      symbol: span.best.symbol,
      kind: span.count === 1 ? pointerKind(span.best.kind) : 'lines',
      fileRank,
    }))
    .sort((a, b) => b.score - a.score || a.startLine - b.startLine);
}

/**
 * The order in which spans are offered to the renderer (which takes them until the budget is spent):
 * first the best span of each file in rank order, so that the budget covers as many likely files as
 * it can, then the other spans of each file, file by file.
 */
export function packingOrder(spansByFile: readonly ContextSpan[][], leadingSpansPerFile = 1): ContextSpan[] {
  const order: ContextSpan[] = [];
  for (const spans of spansByFile) order.push(...spans.slice(0, leadingSpansPerFile));
  for (const spans of spansByFile) order.push(...spans.slice(leadingSpansPerFile));
  return order;
}

export function toPointer(span: ContextSpan): CodePointer {
  return {
    path: span.path,
    startLine: span.startLine,
    endLine: span.endLine,
    kind: span.kind,
    score: span.score,
    ...(span.symbol ? { symbol: span.symbol } : {}),
  };
}
