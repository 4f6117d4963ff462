/**
 * A file as lines, each with its own line ending, so that an edit changes only the lines it replaces:
 * a file with Windows line breaks (or a mix) keeps them, a file without a final line break keeps that.
 */
export interface FileLines {
  lines: string[];
  /** `\n`, `\r\n`, or `''` for a last line without a line break. */
  endings: string[];
}

export function splitFileLines(content: string): FileLines {
  const lines: string[] = [];
  const endings: string[] = [];
  const pattern = /\r?\n/g;
  let position = 0;
  for (let match = pattern.exec(content); match !== null; match = pattern.exec(content)) {
    lines.push(content.slice(position, match.index));
    endings.push(match[0]);
    position = match.index + match[0].length;
  }
  if (position < content.length) {
    lines.push(content.slice(position));
    endings.push('');
  }
  return { lines, endings };
}

export function joinFileLines(file: FileLines): string {
  return file.lines.map((line, index) => line + file.endings[index]!).join('');
}

/** The line ending most lines of the file use (`\n` for an empty file). */
export function dominantEnding(file: FileLines): string {
  let windows = 0;
  let unix = 0;
  for (const ending of file.endings) {
    if (ending === '\r\n') windows += 1;
    else if (ending === '\n') unix += 1;
  }
  return windows > unix ? '\r\n' : '\n';
}

/** Replaces lines [start, end) by `replacement`; new lines take the ending of the lines they replace. */
export function spliceFileLines(file: FileLines, start: number, end: number, replacement: readonly string[]): FileLines {
  const ending = file.endings[start] || file.endings[start - 1] || dominantEnding(file);
  const lastEnding = end > start ? file.endings[end - 1]! : ending;
  const endings = replacement.map((_, index) => (index === replacement.length - 1 ? lastEnding : ending));
  // Lines after an insertion at the end of a file without a final line break need one between them.
  if (replacement.length > 0 && end === start && start === file.lines.length && start > 0 && file.endings[start - 1] === '') {
    const before = { lines: file.lines.slice(0, start), endings: [...file.endings.slice(0, start - 1), dominantEnding(file)] };
    return {
      lines: [...before.lines, ...replacement],
      endings: [...before.endings, ...endings.map((value, index) => (index === endings.length - 1 ? '' : value || dominantEnding(file)))],
    };
  }
  if (replacement.length === 0 && end === file.lines.length && start > 0) {
    // Removing the last lines: the new last line ends as the old last line did.
    const endingsBefore = file.endings.slice(0, start);
    endingsBefore[start - 1] = file.endings[end - 1]!;
    return { lines: file.lines.slice(0, start), endings: endingsBefore };
  }
  return {
    lines: [...file.lines.slice(0, start), ...replacement, ...file.lines.slice(end)],
    endings: [...file.endings.slice(0, start), ...endings, ...file.endings.slice(end)],
  };
}
