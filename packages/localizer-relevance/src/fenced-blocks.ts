/**
 * The contents of the fenced (```) blocks of a model answer, in order. An unterminated last block (an
 * answer cut by the token limit) counts up to the end of the text. The language tag after the opening
 * fence is dropped.
 */
export function fencedBlocks(text: string): string[] {
  const blocks: string[] = [];
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  let current: string[] | undefined;
  for (const line of lines) {
    if (/^\s*```/.test(line)) {
      if (current === undefined) current = [];
      else {
        blocks.push(current.join('\n'));
        current = undefined;
      }
      continue;
    }
    current?.push(line);
  }
  if (current !== undefined && current.length > 0) blocks.push(current.join('\n'));
  return blocks;
}
