/** Windows and old-Mac line breaks as `\n`: answers are parsed, and edits applied, on `\n` text. */
export function normalizeNewlines(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

/** A fence line (```` ``` ```` or `~~~`, with or without a language tag). */
export const fenceLine = /^\s*(```|~~~)/;

/** Text between `<tag>` and `</tag>` (the last complete pair), or undefined; `unterminated` when an opening tag is never closed. */
export function lastTaggedBlock(text: string, tag: string): { content: string } | { unterminated: true } | undefined {
  const pattern = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'gi');
  let content: string | undefined;
  for (const match of text.matchAll(pattern)) content = match[1];
  if (content !== undefined) return { content };
  if (new RegExp(`<${tag}>`, 'i').test(text)) return { unterminated: true };
  return undefined;
}

/** `text` with every `<tag>...</tag>` pair (and an unterminated last one) removed. */
export function withoutTaggedBlocks(text: string, tag: string): string {
  return text.replace(new RegExp(`<${tag}>[\\s\\S]*?(</${tag}>|$)`, 'gi'), '');
}

/**
 * The content of one fenced code block when the whole text is that block (models often wrap a script
 * in ```python ... ``` inside the tags they were asked for); otherwise the text unchanged.
 */
export function unwrapFence(text: string): string {
  const lines = text.split('\n');
  while (lines.length > 0 && lines[0]!.trim() === '') lines.shift();
  while (lines.length > 0 && lines.at(-1)!.trim() === '') lines.pop();
  if (lines.length >= 2 && fenceLine.test(lines[0]!) && /^\s*(```|~~~)\s*$/.test(lines.at(-1)!)) return lines.slice(1, -1).join('\n');
  return lines.join('\n');
}

/** Cuts a long text in the middle (head and tail kept), saying how much was left out. */
export function capText(text: string, maxCharacters: number): string {
  if (text.length <= maxCharacters) return text;
  const head = Math.floor(maxCharacters * 0.4);
  const tail = maxCharacters - head;
  return `${text.slice(0, head)}\n... [${text.length - head - tail} characters cut] ...\n${text.slice(text.length - tail)}`;
}
