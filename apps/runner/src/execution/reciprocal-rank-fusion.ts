import { lineRunsOf } from '@codemonkeys/plugin-kit';
import { parseRenderedContext, type CodePointer, type LocalizationResult } from '@codemonkeys/protocol';

export interface FusionOptions {
  /** The constant of reciprocal-rank fusion (60 in Cormack et al. and most hybrid retrievers). */
  k: number;
  /** One weight per result (default 1 each). */
  weights?: readonly number[];
  /** Names of the fused localizers, for the metadata. */
  names?: readonly string[];
}

interface RankedSpan {
  path: string;
  startLine: number;
  endLine: number;
  symbol?: string;
  kind?: CodePointer['kind'];
  /** Fused score: Σ over results of weight / (k + rank). */
  score: number;
  /** Results that showed (part of) this span. */
  sources: Set<number>;
}

/** The spans of a result in its own order: its pointers as given, or the line runs of a rendered text in order of appearance. */
export function rankedSpansOf(result: LocalizationResult): Array<Pick<CodePointer, 'path' | 'startLine' | 'endLine' | 'symbol' | 'kind'>> {
  if (typeof result.content !== 'string') return result.content;
  const spans: Array<Pick<CodePointer, 'path' | 'startLine' | 'endLine'>> = [];
  for (const [path, lines] of parseRenderedContext(result.content)) {
    for (const run of lineRunsOf(lines)) spans.push({ path, ...run });
  }
  return spans;
}

const overlapsOrTouches = (a: { startLine: number; endLine: number }, b: { startLine: number; endLine: number }): boolean =>
  a.startLine <= b.endLine + 1 && b.startLine <= a.endLine + 1;

/**
 * Merges several localizations by reciprocal-rank fusion (the Hybrid Localization experiment without
 * code). Each result's spans are ranked in the order the localizer gave them; a span's fused score is
 * Σ weight / (k + rank) over the results that show it, where spans of one file that overlap or touch are
 * one span (a result contributes its best rank to it). The fused result lists the merged spans, best first,
 * as pointers: the generator renders them within its own `contextTokenBudget`.
 */
export function fuseLocalizations(results: readonly LocalizationResult[], options: FusionOptions): LocalizationResult {
  const merged: RankedSpan[] = [];
  const byPath = new Map<string, RankedSpan[]>();
  results.forEach((result, resultIndex) => {
    const weight = options.weights?.[resultIndex] ?? 1;
    // The best rank each result gives each merged span.
    const contributions = new Map<RankedSpan, number>();
    rankedSpansOf(result).forEach((span, index) => {
      // Ranks count from 1, as in Cormack et al. (and the embedding localizer's hybrid): the first span scores weight / (k + 1).
      const rank = index + 1;
      const spansOfFile = byPath.get(span.path) ?? [];
      byPath.set(span.path, spansOfFile);
      const touching = spansOfFile.filter((existing) => overlapsOrTouches(existing, span));
      let target: RankedSpan;
      if (touching.length === 0) {
        target = { path: span.path, startLine: span.startLine, endLine: span.endLine, score: 0, sources: new Set(), ...(span.symbol ? { symbol: span.symbol } : {}), ...(span.kind ? { kind: span.kind } : {}) };
        spansOfFile.push(target);
        merged.push(target);
      } else {
        // The new span joins every span it touches into one.
        target = touching[0]!;
        target.startLine = Math.min(target.startLine, span.startLine, ...touching.map((entry) => entry.startLine));
        target.endLine = Math.max(target.endLine, span.endLine, ...touching.map((entry) => entry.endLine));
        for (const other of touching.slice(1)) {
          target.score += other.score;
          for (const source of other.sources) target.sources.add(source);
          const previous = contributions.get(other);
          if (previous !== undefined) contributions.set(target, Math.min(contributions.get(target) ?? Infinity, previous));
          contributions.delete(other);
          spansOfFile.splice(spansOfFile.indexOf(other), 1);
          merged.splice(merged.indexOf(other), 1);
        }
        if (target.symbol !== span.symbol || target.startLine !== span.startLine || target.endLine !== span.endLine) {
          delete target.symbol;
          target.kind = 'lines';
        }
      }
      contributions.set(target, Math.min(contributions.get(target) ?? Infinity, rank));
      target.sources.add(resultIndex);
    });
    for (const [span, rank] of contributions) span.score += weight / (options.k + rank);
  });
  const ordered = merged
    .map((span, position) => ({ span, position }))
    .sort((a, b) => b.span.score - a.span.score || a.position - b.position)
    .map(({ span }) => span);
  const content: CodePointer[] = ordered.map((span) => ({
    path: span.path,
    startLine: span.startLine,
    endLine: span.endLine,
    ...(span.symbol ? { symbol: span.symbol } : {}),
    ...(span.kind ? { kind: span.kind } : {}),
    score: Number(span.score.toFixed(6)),
  }));
  return {
    content,
    metadata: {
      fusion: {
        method: 'reciprocal-rank',
        k: options.k,
        weights: results.map((_, index) => options.weights?.[index] ?? 1),
        localizers: options.names ?? results.map((_, index) => `localizer ${index}`),
        spans: results.map((result) => rankedSpansOf(result).length),
        fusedSpans: content.length,
        sharedSpans: ordered.filter((span) => span.sources.size > 1).length,
      },
    },
  };
}
