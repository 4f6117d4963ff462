import type { CodePointer } from '@codemonkeys/protocol';

/**
 * How pointers are shown (DESIGN §3): the same pointers as whole files, as the spans themselves, as each
 * file's skeleton (its definition headers) plus the spans, or as windows of context around each span.
 * Every presentation is rendered by the same renderer, so the text maps back to the (file, line) pairs it shows.
 */
export const contextPresentations = ['full-files', 'spans', 'skeleton+spans', 'windows'] as const;
export type ContextPresentation = (typeof contextPresentations)[number];

export interface PresentationOptions {
  presentation: ContextPresentation;
  /** The file's content at the base commit, or undefined when it does not exist. */
  readFile(path: string): Promise<string | undefined> | string | undefined;
  /** `windows`: lines of context added before and after each span (default 10). */
  windowLines?: number;
  /**
   * `skeleton+spans`: the lines of a file's skeleton (1-based), such as the first line of every function
   * and class from an outline. Default: lines that open a Python `def`, `async def` or `class`.
   */
  skeletonLines?: (path: string, content: string) => readonly number[];
  /** `skeleton+spans`: at most this many skeleton lines a file (default 200). */
  maxSkeletonLines?: number;
}

const definitionHeader = /^\s*(?:async\s+def|def|class)\s+[A-Za-z_]/;

/** Lines that open a Python definition: the default skeleton. */
export function pythonDefinitionLines(content: string): number[] {
  const lines: number[] = [];
  content.split('\n').forEach((line, index) => {
    if (definitionHeader.test(line)) lines.push(index + 1);
  });
  return lines;
}

const lineCountOf = (content: string): number => {
  const lines = content.split('\n');
  return lines.length > 1 && lines.at(-1) === '' ? lines.length - 1 : lines.length;
};

/**
 * The pointers to render for a presentation, in the order the renderer should take them (it keeps the
 * order within a budget): `spans` as given; `full-files` one whole-file pointer at each file's first
 * pointer; `windows` each span widened by `windowLines`; `skeleton+spans` each file's skeleton lines right
 * after its first span, then the other spans in their order.
 */
export async function presentPointers(pointers: readonly CodePointer[], options: PresentationOptions): Promise<CodePointer[]> {
  if (options.presentation === 'spans') return [...pointers];
  const lineCounts = new Map<string, number | undefined>();
  const contents = new Map<string, string | undefined>();
  const contentOf = async (path: string): Promise<string | undefined> => {
    if (!contents.has(path)) {
      const content = await options.readFile(path);
      contents.set(path, content);
      lineCounts.set(path, content === undefined ? undefined : lineCountOf(content));
    }
    return contents.get(path);
  };
  const presented: CodePointer[] = [];
  const seen = new Set<string>();
  for (const pointer of pointers) {
    const first = !seen.has(pointer.path);
    seen.add(pointer.path);
    const content = await contentOf(pointer.path);
    if (content === undefined) {
      // The renderer reports the missing file.
      presented.push(pointer);
      continue;
    }
    const lineCount = lineCounts.get(pointer.path)!;
    if (options.presentation === 'full-files') {
      if (first)
        presented.push({ path: pointer.path, startLine: 1, endLine: Math.max(1, lineCount), kind: 'file', ...(pointer.score !== undefined ? { score: pointer.score } : {}) });
      continue;
    }
    if (options.presentation === 'windows') {
      const around = options.windowLines ?? 10;
      presented.push({ ...pointer, startLine: Math.max(1, pointer.startLine - around), endLine: Math.min(Math.max(1, lineCount), pointer.endLine + around), kind: 'lines' });
      continue;
    }
    presented.push(pointer);
    if (first) {
      const skeleton = (options.skeletonLines ?? ((_path: string, text: string) => pythonDefinitionLines(text)))(pointer.path, content);
      for (const line of skeleton.slice(0, options.maxSkeletonLines ?? 200)) {
        if (line >= 1 && line <= lineCount) presented.push({ path: pointer.path, startLine: line, endLine: line, kind: 'lines' });
      }
    }
  }
  return presented;
}
