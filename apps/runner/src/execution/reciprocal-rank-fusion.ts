import { lineRunsOf, reciprocalRankFusion } from '@codemonkeys/plugin-kit';
import { parseRenderedContext, type CodePointer, type LocalizationResult } from '@codemonkeys/protocol';

export interface FusionOptions {
  /** The constant of reciprocal-rank fusion (60 in Cormack et al. and most hybrid retrievers). */
  k: number;
  /** One weight per result (default 1 each). */
  weights?: readonly number[];
  /** Names of the fused localizers, for the metadata. */
  names?: readonly string[];
}

type RankedSpan = Pick<CodePointer, 'path' | 'startLine' | 'endLine' | 'symbol' | 'kind'>;

/** The spans of a result in its own order: its pointers as given, or the line runs of a rendered text in order of appearance. */
export function rankedSpansOf(result: LocalizationResult): RankedSpan[] {
  if (typeof result.content !== 'string') return result.content;
  const spans: RankedSpan[] = [];
  for (const [path, lines] of parseRenderedContext(result.content)) {
    for (const run of lineRunsOf(lines)) spans.push({ path, ...run });
  }
  return spans;
}

/** Spans of one file that overlap or touch, joined: the unit the fusion ranks. */
interface MergedSpan {
  path: string;
  startLine: number;
  endLine: number;
  /** Its spans in the order the results showed them (result by result). */
  members: RankedSpan[];
}

/** Joins the spans of each file that overlap or touch (transitively) into one merged span. */
function mergeSpans(spans: ReadonlyArray<{ span: RankedSpan; order: number }>): Map<number, MergedSpan> {
  const mergedOf = new Map<number, MergedSpan>();
  const byPath = new Map<string, Array<{ span: RankedSpan; order: number }>>();
  for (const entry of spans) {
    const list = byPath.get(entry.span.path);
    if (list) list.push(entry);
    else byPath.set(entry.span.path, [entry]);
  }
  for (const [path, entries] of byPath) {
    let current: MergedSpan | undefined;
    let currentEntries: Array<{ span: RankedSpan; order: number }> = [];
    const close = (): void => {
      if (!current) return;
      current.members = currentEntries.sort((a, b) => a.order - b.order).map((entry) => entry.span);
      for (const entry of currentEntries) mergedOf.set(entry.order, current);
    };
    for (const entry of [...entries].sort((a, b) => a.span.startLine - b.span.startLine || a.order - b.order)) {
      if (current && entry.span.startLine <= current.endLine + 1) {
        current.endLine = Math.max(current.endLine, entry.span.endLine);
        currentEntries.push(entry);
      } else {
        close();
        current = { path, startLine: entry.span.startLine, endLine: entry.span.endLine, members: [] };
        currentEntries = [entry];
      }
    }
    close();
  }
  return mergedOf;
}

/** A merged span keeps the symbol and kind of its first span only when every span of it is that same span. */
function pointerOf(merged: MergedSpan, score: number): CodePointer {
  const first = merged.members[0]!;
  const same = merged.members.every((member) => member.startLine === merged.startLine && member.endLine === merged.endLine && member.symbol === first.symbol);
  return {
    path: merged.path,
    startLine: merged.startLine,
    endLine: merged.endLine,
    ...(same ? { ...(first.symbol ? { symbol: first.symbol } : {}), ...(first.kind ? { kind: first.kind } : {}) } : { kind: 'lines' as const }),
    score: Number(score.toFixed(6)),
  };
}

/**
 * Merges several localizations by reciprocal-rank fusion (the Hybrid Localization experiment without
 * code). Each result's spans are ranked in the order the localizer gave them (from 1); spans of one file
 * that overlap or touch, within a result or across results, are one span, and a result contributes its
 * best rank to it. The fused score is plugin-kit's `reciprocalRankFusion` over those merged spans: Σ
 * weight / (k + rank), ties in order of first appearance. The fused result lists the merged spans, best
 * first, as pointers: the generator renders them within its own `contextTokenBudget`.
 */
export function fuseLocalizations(results: readonly LocalizationResult[], options: FusionOptions): LocalizationResult {
  const spansOfResults = results.map(rankedSpansOf);
  const ordered: Array<{ span: RankedSpan; order: number }> = [];
  for (const spans of spansOfResults) for (const span of spans) ordered.push({ span, order: ordered.length });
  const mergedOf = mergeSpans(ordered);
  let order = 0;
  const rankings = spansOfResults.map((spans) => spans.map(() => mergedOf.get(order++)!));
  const fused = reciprocalRankFusion(rankings, { k: options.k, ...(options.weights ? { weights: options.weights } : {}) });
  const content = fused.map(({ item, score }) => pointerOf(item, score));
  return {
    content,
    metadata: {
      fusion: {
        method: 'reciprocal-rank',
        k: options.k,
        weights: results.map((_, index) => options.weights?.[index] ?? 1),
        localizers: options.names ?? results.map((_, index) => `localizer ${index}`),
        spans: spansOfResults.map((spans) => spans.length),
        fusedSpans: content.length,
        sharedSpans: fused.filter((entry) => entry.rankings.length > 1).length,
      },
    },
  };
}
