/** Where the lexer starts: at the top of a file, or somewhere inside one (a hunk read without its file). */
export interface LexerStart {
  /** A triple-quoted string open before the first line, and whether it is a bare string statement (dropped). */
  openString?: { quote: '"""' | "'''"; dropped: boolean };
  /** Brackets known to be open before the first line. */
  bracketDepth?: number;
  /** More brackets may be open before the first line (a hunk): closing one that was not seen open is no contradiction. */
  bracketsMayBeOpen?: boolean;
}

/** Statements that cannot begin a line inside brackets: seeing one there means the lexer's state is wrong. */
const statementKeyword = /^(?:def|class|return|import|raise|pass|try|except|finally|elif|while|with|del|global|nonlocal|assert|break|continue)\b/;
/** The characters the lexer acts on; everything else is copied. */
const special = /[#"'()[\]{}]/g;
/** Words that may follow a closing quote directly in valid Python (`"a"if x else "b"`). */
const keywordAfterString = /^(?:if|else|in|is|and|or|not|for|async)\b/;

/**
 * A small line-by-line Python lexer for the textual patch normalization: it drops comments and bare
 * string statements (docstrings), and collapses whitespace, keeping enough state across lines (open
 * triple-quoted strings, bracket depth, backslash continuations) to know what a line is. It is
 * deliberately not a parser. Its state is right only when it has seen everything before the line: fed a
 * whole file from its first line it is exact for valid Python; fed a hunk alone it has to assume a
 * start (`LexerStart`), and the textual normalization tries every plausible one. When what it reads
 * cannot be valid Python from its assumed start (a string closed and followed at once by a name, `def`
 * inside brackets, a bracket closed that was never opened) it sets `contradicted`, so that the caller
 * discards that reading instead of trusting it.
 */
export class PythonLineNormalizer {
  /** The quote of a string still open at the end of the previous line, and whether it is being dropped. */
  private openString: { quote: string; dropped: boolean } | undefined;
  private bracketDepth: number;
  private continued = false;
  private contradiction: string | undefined;
  private readonly bracketsMayBeOpen: boolean;
  private inInitialString: boolean;

  constructor(start: LexerStart = {}) {
    this.openString = start.openString ? { ...start.openString } : undefined;
    this.inInitialString = this.openString !== undefined;
    this.bracketDepth = start.bracketDepth ?? 0;
    this.bracketsMayBeOpen = start.bracketsMayBeOpen ?? false;
  }

  /** Whether the string the lexer was started inside has not closed yet (so nothing it read was tested). */
  get stillInInitialString(): boolean {
    return this.inInitialString;
  }

  /** Why the lines read so far cannot be valid Python from the assumed start; undefined while they can. */
  get contradicted(): string | undefined {
    return this.contradiction;
  }

  /** Whether a string is still open after the last line (at the end of a file: the lexer misread it). */
  get insideString(): boolean {
    return this.openString !== undefined;
  }

  /** Brackets still open after the last line. */
  get openBrackets(): number {
    return this.bracketDepth;
  }

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
      this.checkAfterString(line, end);
      index = end;
      this.openString = undefined;
      this.inInitialString = false;
    }
    const atStatementStart = output === '' && this.bracketDepth === 0 && !this.continued;
    this.continued = false;
    if (this.bracketDepth > 0 && index === 0 && statementKeyword.test(line.trimStart())) this.contradict(`"${line.trim()}" inside brackets`);
    let first = true;
    // Jump from one character that matters (comment, quote, bracket) to the next; the text between is copied.
    while (index < line.length) {
      special.lastIndex = index;
      const at = special.exec(line)?.index ?? line.length;
      const character = line[at];
      if (character === '"' || character === "'") {
        // A prefix (r, b, f, u, two at most) belongs to the string unless it ends a longer name.
        let start = at;
        while (start > index && at - start < 2 && /[rRuUbBfF]/.test(line[start - 1]!)) start -= 1;
        if (start < at && /\w/.test(line[start - 1] ?? '')) start = at;
        const before = line.slice(index, start);
        output += before;
        if (/\S/.test(before)) first = false;
        const quote = line.startsWith(character.repeat(3), at) ? character.repeat(3) : character;
        const end = findStringEnd(line, at + quote.length, quote);
        const isStatement = atStatementStart && first;
        if (end === -1) {
          // A string that goes on past this line: only triple quotes (or a backslash) do that.
          this.openString = { quote, dropped: isStatement };
          if (!isStatement) output += line.slice(start);
          return collapse(output);
        }
        this.checkAfterString(line, end);
        const rest = stripComment(line.slice(end)).trim();
        if (isStatement && rest === '') return collapse(output);
        output += line.slice(start, end);
        index = end;
        first = false;
        continue;
      }
      const before = line.slice(index, at);
      output += before;
      if (character === undefined || character === '#') break;
      if ('([{'.includes(character)) this.bracketDepth += 1;
      else {
        if (this.bracketDepth === 0 && !this.bracketsMayBeOpen) this.contradict(`"${character}" closes a bracket that is not open`);
        this.bracketDepth = Math.max(0, this.bracketDepth - 1);
      }
      first = false;
      output += character;
      index = at + 1;
    }
    if (/\\\s*$/.test(output)) this.continued = true;
    return collapse(output);
  }

  /** A string literal followed at once by a name (not a keyword, not another string's prefix) is not Python. */
  private checkAfterString(line: string, end: number): void {
    const after = line.slice(end);
    if (/^\w/.test(after) && !keywordAfterString.test(after) && !/^[rRuUbBfF]{1,2}['"]/.test(after)) {
      this.contradict(`a string closes and "${after.trim().slice(0, 20)}" follows it`);
    }
  }

  private contradict(reason: string): void {
    this.contradiction ??= reason;
  }
}

/**
 * Normalizes every line of a whole file read from its first line (so string and bracket state is
 * right). `healthy` is false when the lexer's reading cannot be valid Python (a string or bracket still
 * open at the end, or a contradiction): the caller then compares raw text instead.
 */
export function normalizePythonLines(lines: readonly string[]): { normalized: string[]; healthy: boolean } {
  const lexer = new PythonLineNormalizer();
  const normalized = lines.map((line) => lexer.normalize(line));
  return { normalized, healthy: !lexer.insideString && lexer.openBrackets === 0 && lexer.contradicted === undefined };
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
