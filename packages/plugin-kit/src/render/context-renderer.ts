import { approximateTokenCount, renderedFileFooter, renderedFileHeader, renderedGapMarker, type CodePointer, type TokenCounter } from '@codemonkeys/protocol';

export interface RenderContextOptions {
  /** The file's content at the base commit, or undefined when it does not exist. */
  readFile(path: string): Promise<string | undefined> | string | undefined;
  /** Tokens the rendered text may take; unlimited when absent. */
  tokenBudget?: number;
  /** Defaults to a rough four-characters-a-token count; pass `model.countTokens` for exact budgets. */
  countTokens?: TokenCounter;
}

export interface RenderedContext {
  /** The prompt text: one `[start of path]` ... `[end of path]` block per file, each line numbered. */
  text: string;
  /** The spans shown, merged per file, in the order the files appear. */
  shown: CodePointer[];
  /** Pointers (or their tails) left out by the budget, or whose file does not exist. */
  omitted: CodePointer[];
  missingFiles: string[];
  tokens: number;
  /** Code lines shown (headers and gap markers not counted). */
  lines: number;
}

interface Span {
  start: number;
  end: number;
}

const fileHeader = renderedFileHeader;
const fileFooter = renderedFileFooter;
const gapMarker = renderedGapMarker;

function formatLine(lineNumber: number, text: string, width: number): string {
  return `${String(lineNumber).padStart(width, ' ')} | ${text}`;
}

function mergeSpans(spans: readonly Span[]): Span[] {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  const merged: Span[] = [];
  for (const span of sorted) {
    const last = merged.at(-1);
    if (last && span.start <= last.end + 1) last.end = Math.max(last.end, span.end);
    else merged.push({ ...span });
  }
  return merged;
}

function renderFile(path: string, lines: readonly string[], spans: readonly Span[]): string {
  const merged = mergeSpans(spans);
  const width = String(merged.at(-1)?.end ?? 1).length;
  const out: string[] = [fileHeader(path)];
  merged.forEach((span, index) => {
    if (index > 0 || span.start > 1) out.push(gapMarker);
    for (let line = span.start; line <= span.end; line += 1) out.push(formatLine(line, lines[line - 1] ?? '', width));
  });
  if ((merged.at(-1)?.end ?? 0) < lines.length) out.push(gapMarker);
  out.push(fileFooter(path));
  return out.join('\n');
}

/**
 * Renders code pointers into a prompt: files in the order they are first pointed at, overlapping and
 * adjacent spans merged, every line numbered, within a token budget. Pointers are taken in order (most
 * relevant first); the first one that does not fit is cut to the lines that do, later ones are added
 * only when they fit whole. {@link parseRenderedContext} maps the text back to the lines it shows.
 */
export async function renderContext(pointers: readonly CodePointer[], options: RenderContextOptions): Promise<RenderedContext> {
  const countTokens = options.countTokens ?? approximateTokenCount;
  const budget = options.tokenBudget ?? Number.POSITIVE_INFINITY;
  const files = new Map<string, { lines: string[]; spans: Span[]; shown: Set<number> }>();
  const missingFiles: string[] = [];
  const omitted: CodePointer[] = [];
  let used = 0;
  let cutOne = false;

  for (const pointer of pointers) {
    let file = files.get(pointer.path);
    if (!file) {
      if (missingFiles.includes(pointer.path)) {
        omitted.push(pointer);
        continue;
      }
      const content = await options.readFile(pointer.path);
      if (content === undefined) {
        missingFiles.push(pointer.path);
        omitted.push(pointer);
        continue;
      }
      const lines = content.split('\n');
      if (lines.at(-1) === '' && lines.length > 1) lines.pop();
      file = { lines, spans: [], shown: new Set() };
    }
    if (pointer.startLine > file.lines.length) {
      omitted.push(pointer);
      continue;
    }
    const start = pointer.startLine;
    const end = Math.min(pointer.endLine, file.lines.length);
    const width = String(file.lines.length).length;
    const isNewFile = !files.has(pointer.path);
    let cost = isNewFile ? countTokens(`${fileHeader(pointer.path)}\n${fileFooter(pointer.path)}\n${gapMarker}\n`) : countTokens(`${gapMarker}\n`);
    let lastFitting = start - 1;
    for (let line = start; line <= end; line += 1) {
      if (!file.shown.has(line)) cost += countTokens(`${formatLine(line, file.lines[line - 1] ?? '', width)}\n`);
      if (used + cost > budget) break;
      lastFitting = line;
    }
    if (lastFitting < end && (cutOne || lastFitting < start)) {
      omitted.push(pointer);
      continue;
    }
    if (lastFitting < end) {
      cutOne = true;
      omitted.push({ ...pointer, startLine: lastFitting + 1, endLine: Math.max(lastFitting + 1, pointer.endLine) });
    }
    for (let line = start; line <= lastFitting; line += 1) file.shown.add(line);
    file.spans.push({ start, end: lastFitting });
    if (isNewFile) files.set(pointer.path, file);
    used += cost;
  }

  const blocks = [...files.entries()].map(([path, file]) => ({ path, file }));
  let text = blocks.map(({ path, file }) => renderFile(path, file.lines, file.spans)).join('\n\n');
  let tokens = text === '' ? 0 : countTokens(text);
  // Per-line estimates are close to, not always exactly, the count of the joined text: trim the tail until it fits.
  while (tokens > budget && blocks.length > 0) {
    const last = blocks.at(-1)!;
    const spans = mergeSpans(last.file.spans);
    const lastSpan = spans.at(-1)!;
    const excessShare = Math.max(1, Math.ceil(((tokens - budget) / Math.max(tokens, 1)) * last.file.shown.size));
    const newEnd = lastSpan.end - excessShare;
    for (let line = Math.max(newEnd + 1, lastSpan.start); line <= lastSpan.end; line += 1) last.file.shown.delete(line);
    if (newEnd < lastSpan.start) spans.pop();
    else lastSpan.end = newEnd;
    last.file.spans = spans;
    if (spans.length === 0) blocks.pop();
    text = blocks.map(({ path, file }) => renderFile(path, file.lines, file.spans)).join('\n\n');
    tokens = text === '' ? 0 : countTokens(text);
  }

  const shown: CodePointer[] = blocks.flatMap(({ path, file }) =>
    mergeSpans(file.spans).map((span) => ({ path, startLine: span.start, endLine: span.end, kind: 'lines' as const })),
  );
  return { text, shown, omitted, missingFiles, tokens, lines: shown.reduce((sum, span) => sum + span.endLine - span.startLine + 1, 0) };
}
