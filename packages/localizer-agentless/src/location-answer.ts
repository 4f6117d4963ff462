import { fencedBlocks } from '@codemonkeys/plugin-kit';
import { UnparseableAnswerError } from '@codemonkeys/protocol';

/** One location line of a model answer, under the file header it followed (if any). */
export type NamedLocation =
  | { file: string | undefined; kind: 'class' | 'function' | 'variable'; name: string; raw: string }
  | { file: string | undefined; kind: 'lines'; startLine: number; endLine: number; raw: string };

const entryPattern = /^\s*(?:[-*+]\s+)?(class|function|method|def|variable|var|global|line|lines)\s*:\s*(.+?)\s*$/i;
const pathPattern = /^[^\s:]+\.[A-Za-z0-9]+:?$|^[^\s:]+\/[^\s:]+:?$/;

function lineRanges(value: string): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (const part of value.split(/[,;]|\s+and\s+/)) {
    const range = /(\d+)\s*(?:-|–|to|\.\.)\s*(\d+)/.exec(part);
    if (range) {
      const start = Number(range[1]);
      const end = Number(range[2]);
      ranges.push(start <= end ? [start, end] : [end, start]);
      continue;
    }
    const single = /(\d+)/.exec(part);
    if (single) ranges.push([Number(single[1]), Number(single[1])]);
  }
  return ranges;
}

/**
 * Reads an answer of the form Agentless uses for elements and edit locations: a file path on its own
 * line, then `class: X`, `function: f`, `function: C.m`, `variable: V`, `line: 12` or `lines: 10-14`
 * lines under it. Reads the fenced blocks, or the whole text when there are none. Throws
 * UnparseableAnswerError when no location line is found.
 */
export function parseLocationAnswer(answer: string): NamedLocation[] {
  const blocks = fencedBlocks(answer);
  const text = blocks.length > 0 ? blocks.join('\n') : answer;
  const locations: NamedLocation[] = [];
  let file: string | undefined;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '') continue;
    const entry = entryPattern.exec(line);
    if (entry) {
      const keyword = entry[1]!.toLowerCase();
      const value = entry[2]!.replace(/[`'"]/g, '').trim();
      if (keyword === 'line' || keyword === 'lines') {
        for (const [startLine, endLine] of lineRanges(value)) if (startLine >= 1) locations.push({ file, kind: 'lines', startLine, endLine, raw: line });
        continue;
      }
      const kind = keyword === 'class' ? 'class' : keyword === 'variable' || keyword === 'var' || keyword === 'global' ? 'variable' : 'function';
      // `function: save(self)` or `function: Model.save()` name the same thing as `function: Model.save`.
      const name = value
        .replace(/\(.*$/, '')
        .replace(/^(?:def|class)\s+/, '')
        .trim();
      if (name !== '') locations.push({ file, kind, name, raw: line });
      continue;
    }
    const cleaned = line
      .replace(/^#+\s*|\s*#+$/g, '')
      .replace(/^(?:File:\s*)/i, '')
      .replace(/[`'"]/g, '')
      .trim();
    if (pathPattern.test(cleaned)) file = cleaned.replace(/:$/, '');
  }
  if (locations.length === 0) {
    throw new UnparseableAnswerError(
      'no location line was found. Put lines such as "function: name", "class: Name", "variable: NAME" or "line: 12" under the path of their file, inside one fenced block.',
    );
  }
  return locations;
}
