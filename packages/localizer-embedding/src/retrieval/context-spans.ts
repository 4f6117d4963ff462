import type { CodePointer, CodePointerKind } from '@codemonkeys/protocol';
import type { ChunkKind } from '../chunking/chunk';
import type { Corpus } from '../chunking/corpus';
import type { PackingOptions } from '../options/embedding-localizer-options';
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
export function spansOfFile(
  corpus: Corpus,
  ranked: RankedFile,
  fileRank: number,
  chunkScores: ArrayLike<number>,
  extentOf: (chunk: number) => { startLine: number; endLine: number } = (chunk) => corpus.chunks[chunk]!,
): ContextSpan[] {
  const chunks = ranked.chunks
    .map((index) => {
      const chunk = corpus.chunks[index]!;
      const extent = extentOf(index);
      return { chunk: extent === chunk ? chunk : { ...chunk, startLine: extent.startLine, endLine: extent.endLine }, score: chunkScores[index]! };
    })
    .sort((a, b) => a.chunk.startLine - b.chunk.startLine);
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

/** The other chunks of a file (not among its retrieved spans), each a span of its own, best first. */
export function remainingChunkSpans(corpus: Corpus, ranked: RankedFile, fileRank: number, chunkScores: ArrayLike<number>, retrieved: readonly ContextSpan[]): ContextSpan[] {
  const spans: ContextSpan[] = [];
  for (let index = corpus.fileChunkStart[ranked.file]!; index < corpus.fileChunkStart[ranked.file + 1]!; index += 1) {
    const chunk = corpus.chunks[index]!;
    if (retrieved.some((span) => span.startLine <= chunk.startLine && span.endLine >= chunk.endLine)) continue;
    spans.push({
      path: ranked.path,
      startLine: chunk.startLine,
      endLine: chunk.endLine,
      score: chunkScores[index]!,
      symbol: chunk.symbol,
      kind: pointerKind(chunk.kind),
      fileRank,
    });
  }
  return spans.sort((a, b) => b.score - a.score || a.startLine - b.startLine);
}

/** What the packer knows of a span besides its file rank and position: how much more likely it is, and what it costs. */
export interface SpanValuation {
  /** Multiplies the span's priority (1: nothing known). */
  boost(span: ContextSpan): number;
  /** Estimated tokens of the span as rendered. */
  cost(span: ContextSpan): number;
}

/**
 * The order in which spans are offered to the renderer (which takes them until the budget is spent).
 * A span's priority falls with the rank of its file and with its position among the file's spans:
 * 1 / ((fileRank + 1)^fileDecay × (position + 1)^spanDecay), times its boost (a definition the issue
 * names, a neighbour of a hit in the definition graph). The spans are offered by priority per token,
 * priority / cost^costExponent: the greedy order of a knapsack (with costExponent 1) that maximizes the
 * summed priority within the budget, instead of taking large spans first-come. A file's spans are its
 * retrieved spans, best first, then (for the top `depthFiles` files) its other chunks, best first.
 */
export function packingOrder(
  files: ReadonlyArray<{ retrieved: readonly ContextSpan[]; remaining: () => readonly ContextSpan[] }>,
  plan: PackingOptions,
  valuation?: SpanValuation,
): ContextSpan[] {
  const candidates: Array<{ span: ContextSpan; priority: number }> = [];
  files.forEach((file, rank) => {
    const spans = rank < plan.depthFiles ? [...file.retrieved, ...file.remaining()] : file.retrieved;
    const filePriority = (rank + 1) ** -plan.fileDecay;
    spans.forEach((span, position) => {
      let priority = filePriority * (position + 1) ** -plan.spanDecay;
      if (valuation) {
        priority *= valuation.boost(span);
        if (plan.costExponent > 0) priority /= Math.max(1, valuation.cost(span)) ** plan.costExponent;
      }
      candidates.push({ span, priority });
    });
  });
  return candidates.sort((a, b) => b.priority - a.priority || a.span.fileRank - b.span.fileRank).map((candidate) => candidate.span);
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
