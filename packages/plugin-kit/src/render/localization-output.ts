import type { CodePointer } from '@codemonkeys/protocol';
import type { LocalizerOutput } from '../options/plugin-option-fragments';
import { renderContext, type RenderContextOptions } from './context-renderer';
import { presentPointers, type PresentationOptions } from './context-presentation';

export interface PointersWithinBudgetOptions extends Omit<RenderContextOptions, 'tokenBudget'>, Partial<Omit<PresentationOptions, 'readFile'>> {
  /** Tokens the rendered text may take; unlimited when absent or undefined. */
  tokenBudget?: number | undefined;
}

export interface RenderedPointers {
  /** The prompt text rendered by {@link renderContext}. */
  text: string;
  /**
   * What the text shows, merged per file, files in the order they appear. Each carries the score and
   * symbol of the best-scored offered pointer it overlaps (the first of equals), and that pointer's kind
   * when it is the only one and is shown exactly; `lines` otherwise.
   */
  pointers: CodePointer[];
  tokens: number;
  /** Code lines shown. */
  lines: number;
  /** Offered pointers left out (or cut) by the budget, or whose file does not exist. */
  omitted: number;
}

const scoreOf = (pointer: CodePointer): number => pointer.score ?? Number.NEGATIVE_INFINITY;

/**
 * Renders pointers in order within a token budget, in a presentation (`spans` by default: the pointers
 * as given), and maps what the text shows back to scored pointers.
 */
export async function renderPointersWithinBudget(pointers: readonly CodePointer[], options: PointersWithinBudgetOptions): Promise<RenderedPointers> {
  const presentation = options.presentation ?? 'spans';
  const presented =
    presentation === 'spans'
      ? pointers
      : await presentPointers(pointers, {
          presentation,
          readFile: options.readFile,
          ...(options.windowLines !== undefined ? { windowLines: options.windowLines } : {}),
          ...(options.skeletonLines ? { skeletonLines: options.skeletonLines } : {}),
          ...(options.maxSkeletonLines !== undefined ? { maxSkeletonLines: options.maxSkeletonLines } : {}),
        });
  const rendered = await renderContext(presented, {
    readFile: options.readFile,
    ...(options.countTokens ? { countTokens: options.countTokens } : {}),
    ...(options.tokenBudget !== undefined ? { tokenBudget: options.tokenBudget } : {}),
  });
  const offeredByPath = new Map<string, CodePointer[]>();
  for (const pointer of pointers) {
    const list = offeredByPath.get(pointer.path);
    if (list) list.push(pointer);
    else offeredByPath.set(pointer.path, [pointer]);
  }
  const shown = rendered.shown.map((span): CodePointer => {
    const sources = (offeredByPath.get(span.path) ?? []).filter((pointer) => pointer.startLine <= span.endLine && pointer.endLine >= span.startLine);
    const best = sources.reduce<CodePointer | undefined>((top, pointer) => (top === undefined || scoreOf(pointer) > scoreOf(top) ? pointer : top), undefined);
    const whole = sources.length === 1 && best !== undefined && best.startLine === span.startLine && best.endLine === span.endLine;
    return {
      ...span,
      kind: whole && best.kind ? best.kind : 'lines',
      ...(best?.score !== undefined ? { score: best.score } : {}),
      ...(best?.symbol ? { symbol: best.symbol } : {}),
    };
  });
  return { text: rendered.text, pointers: shown, tokens: rendered.tokens, lines: rendered.lines, omitted: rendered.omitted.length };
}

export interface LocalizationOutputOptions extends PointersWithinBudgetOptions {
  /** The localizer's `output` option (plugin-kit's `localizerOutputOptions`). */
  output: LocalizerOutput;
  /**
   * Whether pointers are cut to the budget too (they become what the rendered text shows). When false,
   * `output: 'pointers'` returns the pointers as given and renders nothing.
   */
  budgetPointers?: boolean;
}

export interface LocalizationOutput {
  /** The `content` of the LocalizationResult: pointers, or the rendered text. */
  content: CodePointer[] | string;
  /** The rendering, when there was one (always with `output: 'text'` or `budgetPointers`). */
  rendered?: RenderedPointers;
}

/**
 * A localizer's result content from its pointers, best first: `output: 'pointers'` gives the pointers
 * (as given, or as far as the budget shows them with `budgetPointers`), `output: 'text'` the pointers
 * rendered by {@link renderContext} within `tokenBudget`.
 */
export async function localizationOutput(pointers: readonly CodePointer[], options: LocalizationOutputOptions): Promise<LocalizationOutput> {
  if (options.output === 'pointers' && !options.budgetPointers) return { content: [...pointers] };
  const rendered = await renderPointersWithinBudget(pointers, options);
  return { content: options.output === 'text' ? rendered.text : rendered.pointers, rendered };
}
