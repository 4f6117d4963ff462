/** One fenced (```) block of a model answer. */
export interface FencedBlock {
  /** The first word after the opening fence (`python` in ```` ```python ````), '' when there is none. */
  language: string;
  /** The lines between the fences, joined with `\n` (no trailing newline). */
  content: string;
  /** False for a last block the answer never closed (cut by the token limit). */
  closed: boolean;
}

/**
 * The fenced (```) blocks of a model answer, in order. A fence is a line that starts with ``` (after
 * spaces); an unterminated last block with at least one line counts, with `closed: false`.
 */
export function fencedCodeBlocks(text: string): FencedBlock[] {
  const blocks: FencedBlock[] = [];
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  let current: { language: string; lines: string[] } | undefined;
  for (const line of lines) {
    const fence = /^\s*```\s*(\S*)/.exec(line);
    if (fence) {
      if (current === undefined) current = { language: fence[1] ?? '', lines: [] };
      else {
        blocks.push({ language: current.language, content: current.lines.join('\n'), closed: true });
        current = undefined;
      }
      continue;
    }
    current?.lines.push(line);
  }
  if (current !== undefined && current.lines.length > 0) blocks.push({ language: current.language, content: current.lines.join('\n'), closed: false });
  return blocks;
}

/** The contents of the fenced blocks of a model answer (an unterminated last one included), in order. */
export function fencedBlocks(text: string): string[] {
  return fencedCodeBlocks(text).map((block) => block.content);
}
