import type { Corpus } from '../chunking/corpus';
import type { PackingOptions } from '../options/embedding-localizer-options';
import type { ContextSpan, SpanValuation } from './context-spans';
import { issueIdentifiers, referencedNames } from './issue-identifiers';
import type { RankedFile } from './rank-files';

interface Definitions {
  /** Last part of a definition's dotted name → its chunks (functions, methods, classes). */
  byName: Map<string, number[]>;
  /** Chunk → the lines of its whole definition (all parts of a split body). */
  extent: Map<number, { startLine: number; endLine: number }>;
}

const definitionsOfCorpus = new WeakMap<Corpus, Definitions>();
const isDunder = (name: string): boolean => name.startsWith('__') && name.endsWith('__');

/** The definitions the outline gave the chunks: by name, and each split function's whole extent. */
function definitionsOf(corpus: Corpus): Definitions {
  let definitions = definitionsOfCorpus.get(corpus);
  if (definitions) return definitions;
  const byName = new Map<string, number[]>();
  const extent = new Map<number, { startLine: number; endLine: number }>();
  for (let file = 0; file < corpus.files.length; file += 1) {
    const end = corpus.fileChunkStart[file + 1]!;
    for (let index = corpus.fileChunkStart[file]!; index < end; index += 1) {
      const chunk = corpus.chunks[index]!;
      if (!chunk.symbol || (chunk.kind !== 'function' && chunk.kind !== 'method' && chunk.kind !== 'class')) continue;
      const name = chunk.symbol.slice(chunk.symbol.lastIndexOf('.') + 1);
      const list = byName.get(name);
      if (list) list.push(index);
      else byName.set(name, [index]);
      if (chunk.kind !== 'class' && chunk.part === 1) {
        // The parts of a split body follow their first part, sharing its symbol.
        let last = index;
        while (last + 1 < end && corpus.chunks[last + 1]!.symbol === chunk.symbol && corpus.chunks[last + 1]!.part > 1) last += 1;
        const whole = { startLine: chunk.startLine, endLine: corpus.chunks[last]!.endLine };
        for (let part = index; part <= last; part += 1) extent.set(part, whole);
      }
    }
  }
  definitions = { byName, extent };
  definitionsOfCorpus.set(corpus, definitions);
  return definitions;
}

export interface SpanValuationInput {
  corpus: Corpus;
  rankedFiles: readonly RankedFile[];
  queryText: string;
  packing: PackingOptions;
}

/** A retrieved chunk's lines as offered: its whole function or method when that is short enough. */
export function definitionExtent(corpus: Corpus, packing: PackingOptions): (chunk: number) => { startLine: number; endLine: number } {
  if (packing.wholeDefinitionLines === 0) return (chunk) => corpus.chunks[chunk]!;
  const { extent } = definitionsOf(corpus);
  return (chunk) => {
    const whole = extent.get(chunk);
    return whole && whole.endLine - whole.startLine + 1 <= packing.wholeDefinitionLines ? whole : corpus.chunks[chunk]!;
  };
}

/**
 * What the packer weighs beside rank: definitions the issue names and neighbours of the top hits in the
 * definition graph (names their best chunks call or read) are boosted; a span costs about its characters
 * over four, plus the line-number prefixes.
 */
export function createSpanValuation(input: SpanValuationInput): SpanValuation {
  const { corpus, packing } = input;
  const marked = new Map<string, Array<{ startLine: number; endLine: number; reason: 'named' | 'neighbour' }>>();
  const mark = (chunk: number, reason: 'named' | 'neighbour'): void => {
    const { path, startLine, endLine } = corpus.chunks[chunk]!;
    const list = marked.get(path);
    if (list) list.push({ startLine, endLine, reason });
    else marked.set(path, [{ startLine, endLine, reason }]);
  };
  if (packing.namedSymbolWeight > 0 || packing.neighbourWeight > 0) {
    const { byName } = definitionsOf(corpus);
    if (packing.namedSymbolWeight > 0) {
      const named = issueIdentifiers(input.queryText);
      for (const name of named) {
        for (const chunk of byName.get(name) ?? []) {
          // `__init__` alone names every constructor: a dunder counts only with its class named too.
          const parts = corpus.chunks[chunk]!.symbol!.split('.');
          if (isDunder(name) && !(parts.length > 1 && named.has(parts.at(-2)!))) continue;
          mark(chunk, 'named');
        }
      }
    }
    if (packing.neighbourWeight > 0) {
      for (const ranked of input.rankedFiles.slice(0, packing.neighbourFiles)) {
        if (!ranked.retrieved) continue;
        const hit = ranked.chunks[0]!;
        for (const name of referencedNames(corpus.chunks[hit]!.code)) {
          if (isDunder(name)) continue;
          for (const chunk of byName.get(name) ?? []) if (chunk !== hit) mark(chunk, 'neighbour');
        }
      }
    }
  }
  const linesOf = new Map(corpus.files.map((file) => [file.path, file.lines]));
  return {
    boost(span: ContextSpan) {
      const list = marked.get(span.path);
      if (!list) return 1;
      let named = 0;
      let neighbour = 0;
      for (const entry of list) {
        if (entry.startLine > span.endLine || entry.endLine < span.startLine) continue;
        if (entry.reason === 'named') named = packing.namedSymbolWeight;
        else neighbour = packing.neighbourWeight;
      }
      return 1 + named + neighbour;
    },
    cost(span: ContextSpan) {
      const lines = linesOf.get(span.path);
      if (!lines) return 1;
      let characters = 0;
      for (let line = span.startLine; line <= Math.min(span.endLine, lines.length); line += 1) characters += lines[line - 1]!.length + 8;
      return characters / 4;
    },
  };
}
