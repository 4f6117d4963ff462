/**
 * A small line-by-line Python lexer for the textual patch normalization: it drops comments and bare
 * string statements (docstrings), and collapses whitespace, keeping enough state across lines (open
 * triple-quoted strings, bracket depth, backslash continuations) to know what a line of a diff hunk is.
 * It is deliberately not a parser: a hunk starts mid-file, so the state starts at "top level, outside a
 * string", which is right for almost every hunk; the AST normalization in the sandbox is exact.
 */
export class PythonLineNormalizer {
  /** The quote of a string still open at the end of the previous line, and whether it is being dropped. */
  private openString: { quote: string; dropped: boolean } | undefined;
  private bracketDepth = 0;
  private continued = false;

  /** The line without comments and bare string statements, whitespace collapsed; '' when nothing is left. */
  normalize(line: string): string {
    let output = '';
    let index = 0;
    if (this.openString) {
      const end = findStringEnd(line, 0, this.openString.quote);
      if (end === -1) {
        return this.openString.dropped ? '' : collapse(line);
      }
      if (!this.openString.dropped) output += line.slice(0, end);
      index = end;
      this.openString = undefined;
    }
    const atStatementStart = output === '' && this.bracketDepth === 0 && !this.continued;
    this.continued = false;
    let first = true;
    while (index < line.length) {
      const character = line[index]!;
      if (character === '#') break;
      const literal = /^(?:[rRuUbBfF]{0,2})('''|"""|'|")/.exec(line.slice(index));
      if (literal && (literal[0].length === literal[1]!.length || !/[\w]/.test(line[index - 1] ?? ''))) {
        const quote = literal[1]!;
        const start = index;
        const end = findStringEnd(line, index + literal[0].length, quote);
        const isStatement = atStatementStart && first;
        if (end === -1) {
          // A string that goes on past this line: only triple quotes (or a backslash) do that.
          this.openString = { quote, dropped: isStatement };
          if (!isStatement) output += line.slice(start);
          return collapse(output);
        }
        const rest = stripComment(line.slice(end)).trim();
        if (isStatement && rest === '') return collapse(output);
        output += line.slice(start, end);
        index = end;
        first = false;
        continue;
      }
      if ('([{'.includes(character)) this.bracketDepth += 1;
      else if (')]}'.includes(character)) this.bracketDepth = Math.max(0, this.bracketDepth - 1);
      if (!/\s/.test(character)) first = false;
      output += character;
      index += 1;
    }
    if (/\\\s*$/.test(output)) this.continued = true;
    return collapse(output);
  }
}

/** Index just past the closing `quote` from `from`, honouring backslash escapes; -1 when the line ends first. */
function findStringEnd(line: string, from: number, quote: string): number {
  for (let index = from; index < line.length; index += 1) {
    if (line[index] === '\\') {
      index += 1;
      continue;
    }
    if (line.startsWith(quote, index)) return index + quote.length;
  }
  return -1;
}

/** The code of a line without a trailing comment (quotes respected). */
function stripComment(text: string): string {
  let quote: string | undefined;
  for (let index = 0; index < text.length; index += 1) {
    const character = text[index]!;
    if (quote) {
      if (character === '\\') index += 1;
      else if (character === quote) quote = undefined;
    } else if (character === '"' || character === "'") quote = character;
    else if (character === '#') return text.slice(0, index);
  }
  return text;
}

/** Leading and trailing whitespace dropped, inner runs collapsed to one space. */
export const collapse = (text: string): string => text.trim().replace(/\s+/g, ' ');
