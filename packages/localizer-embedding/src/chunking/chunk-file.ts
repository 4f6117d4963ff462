import { createHash } from 'node:crypto';
import type { OutlineEntry } from '@codemonkeys/protocol';
import type { ChunkingOptions } from '../options/embedding-localizer-options';
import type { Chunk, ChunkKind } from './chunk';

export type ChunkLayout = Pick<ChunkingOptions, 'maxChunkLines' | 'overlapLines' | 'windowLines'>;

interface OutlineNode {
  entry: OutlineEntry;
  children: OutlineNode[];
}

interface PendingChunk {
  kind: ChunkKind;
  symbol: string | undefined;
  signature: string | undefined;
  startLine: number;
  endLine: number;
  /** First line of the definition (or run) the chunk comes from: parts of one body share it. */
  owner: number;
}

/** The lines of a file as the renderer numbers them: a final newline does not start a line. */
export function splitLines(content: string): string[] {
  const lines = content.split('\n');
  if (lines.length > 1 && lines.at(-1) === '') lines.pop();
  return lines;
}

/** Entries nested by span: a method under its class, a nested function under its function. */
function outlineTree(entries: readonly OutlineEntry[], lineCount: number): OutlineNode[] {
  const sorted = entries
    .filter((entry) => entry.startLine <= lineCount && entry.endLine >= entry.startLine)
    .map((entry) => ({ ...entry, endLine: Math.min(entry.endLine, lineCount) }))
    .sort((a, b) => a.startLine - b.startLine || b.endLine - a.endLine);
  const roots: OutlineNode[] = [];
  const stack: OutlineNode[] = [];
  for (const entry of sorted) {
    const node: OutlineNode = { entry, children: [] };
    while (stack.length > 0 && stack.at(-1)!.entry.endLine < entry.startLine) stack.pop();
    const parent = stack.at(-1);
    if (parent && entry.endLine <= parent.entry.endLine) parent.children.push(node);
    else {
      // Overlapping but not nested (a parser quirk): treat as a sibling of the enclosing scope.
      while (stack.length > 0 && stack.at(-1)!.entry.endLine < entry.endLine) stack.pop();
      (stack.at(-1)?.children ?? roots).push(node);
    }
    stack.push(node);
  }
  return roots;
}

/** Splits [start, end] into windows of `size` lines sharing `overlap` lines; a short tail joins the window before it. */
export function windowSpans(start: number, end: number, size: number, overlap: number): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  const step = Math.max(1, size - overlap);
  for (let from = start; ; from += step) {
    let to = Math.min(from + size - 1, end);
    // Avoid a last window made only of overlap and a few lines: stretch this one instead.
    if (end - to > 0 && end - to <= Math.floor(size / 4)) to = end;
    spans.push([from, to]);
    if (to >= end) break;
  }
  return spans;
}

/** Runs of lines in [start, end] not covered by `covered`, trimmed of blank lines, empty runs dropped. */
function uncoveredRuns(lines: readonly string[], start: number, end: number, covered: ReadonlyArray<{ startLine: number; endLine: number }>): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  let cursor = start;
  const sorted = [...covered].sort((a, b) => a.startLine - b.startLine);
  const pushRun = (from: number, to: number): void => {
    while (from <= to && lines[from - 1]!.trim() === '') from += 1;
    while (to >= from && lines[to - 1]!.trim() === '') to -= 1;
    if (from <= to) runs.push([from, to]);
  };
  for (const span of sorted) {
    if (span.startLine > cursor) pushRun(cursor, Math.min(span.startLine - 1, end));
    cursor = Math.max(cursor, span.endLine + 1);
  }
  if (cursor <= end) pushRun(cursor, end);
  return runs;
}

function planFromOutline(lines: readonly string[], roots: readonly OutlineNode[], layout: ChunkLayout): PendingChunk[] {
  const pending: PendingChunk[] = [];
  const pushSpan = (kind: ChunkKind, symbol: string | undefined, signature: string | undefined, start: number, end: number, size: number): void => {
    for (const [from, to] of end - start + 1 > size ? windowSpans(start, end, size, layout.overlapLines) : [[start, end] as [number, number]]) {
      pending.push({ kind, symbol, signature, startLine: from, endLine: to, owner: start });
    }
  };
  const visitScope = (nodes: readonly OutlineNode[]): void => {
    for (const node of nodes) {
      const { entry } = node;
      if (entry.kind === 'class') {
        // The class's own lines (header, docstring, attributes) are chunks of the class; its methods are chunks of their own.
        for (const [from, to] of uncoveredRuns(
          lines,
          entry.startLine,
          entry.endLine,
          node.children.map((child) => child.entry),
        )) {
          pushSpan('class', entry.qualifiedName, entry.signature, from, to, layout.maxChunkLines);
        }
        visitScope(node.children);
      } else {
        // A function keeps its nested functions: they are rarely understood apart from it.
        pushSpan(entry.kind === 'method' ? 'method' : 'function', entry.qualifiedName, entry.signature, entry.startLine, entry.endLine, layout.maxChunkLines);
      }
    }
  };
  for (const [from, to] of uncoveredRuns(
    lines,
    1,
    lines.length,
    roots.map((root) => root.entry),
  )) {
    pushSpan('module', undefined, undefined, from, to, layout.windowLines);
  }
  visitScope(roots);
  return pending.sort((a, b) => a.startLine - b.startLine || a.endLine - b.endLine);
}

function planWindows(lines: readonly string[], layout: ChunkLayout): PendingChunk[] {
  return uncoveredRuns(lines, 1, lines.length, []).flatMap(([start, end]) =>
    windowSpans(start, end, layout.windowLines, layout.overlapLines).map(([from, to]) => ({
      kind: 'window' as const,
      symbol: undefined,
      signature: undefined,
      startLine: from,
      endLine: to,
      owner: start,
    })),
  );
}

/** The text an embedder sees: where the code is, what it is, and the code. */
export function chunkText(path: string, chunk: Pick<Chunk, 'kind' | 'symbol' | 'signature' | 'part'>, code: string): string {
  const header = [`# file: ${path}`];
  if (chunk.symbol) header.push(`# ${chunk.kind}: ${chunk.symbol}${chunk.part > 1 ? ` (part ${chunk.part})` : ''}`);
  // A later part of a long body would otherwise lose what it belongs to.
  if (chunk.part > 1 && chunk.signature) header.push(chunk.signature.split('\n')[0]!);
  return `${header.join('\n')}\n${code}`;
}

/**
 * Cuts a file into chunks: with an outline, one chunk per function or method (nested functions
 * included), the own lines of each class, and module-level code in windows; long bodies are split into
 * overlapping parts. Without an outline, overlapping line windows. Blank-only stretches make no chunk.
 */
export function chunkFile(path: string, content: string, outline: readonly OutlineEntry[] | undefined, layout: ChunkLayout): Chunk[] {
  const lines = splitLines(content);
  if (lines.length === 0 || (lines.length === 1 && lines[0]!.trim() === '')) return [];
  const plan = outline ? planFromOutline(lines, outlineTree(outline, lines.length), layout) : planWindows(lines, layout);
  const parts = new Map<number, number>();
  return plan.map((pending) => {
    const part = pending.symbol ? (parts.get(pending.owner) ?? 0) + 1 : 1;
    if (pending.symbol) parts.set(pending.owner, part);
    const code = lines.slice(pending.startLine - 1, pending.endLine).join('\n');
    const base = { kind: pending.kind, symbol: pending.symbol, signature: pending.signature, part };
    const text = chunkText(path, base, code);
    return {
      ...base,
      id: `${path}:${pending.startLine}-${pending.endLine}`,
      path,
      startLine: pending.startLine,
      endLine: pending.endLine,
      code,
      text,
      contentHash: createHash('sha256').update(text).digest('hex'),
    };
  });
}
