import { applyHunks, type LineAlignment } from './apply-hunks';
import { parseFileDiffs, type FileDiff, type Hunk } from './diff-files';
import { collapse, normalizePythonLines, PythonLineNormalizer, type LexerStart } from './python-line-normalizer';

/**
 * How a file's change was read: `base-commit` = the whole file before and after the patch, lexed from
 * its first line (exact); `hunks` = the diff's hunks alone, every plausible lexer start tried; `raw` =
 * whitespace-collapsed text only, because the Python lexer could not read the file.
 */
export type NormalizationBasis = 'base-commit' | 'hunks' | 'raw';

/** One file's change after normalization. */
export interface NormalizedFileChange {
  path: string;
  /** `modified`, `added`, `deleted` or `renamed from <old path>`. */
  status: string;
  /** Normalized removed and added lines, in order, after no-op blocks are dropped. */
  removed: string[];
  added: string[];
  basis: NormalizationBasis;
  /** Why the file was not read against its base text, or was read as raw text. */
  note?: string;
}

export interface TextualNormalization {
  files: NormalizedFileChange[];
  /** Removed plus added lines after normalization (what "fewest changed lines" compares). */
  changedLines: number;
}

export interface TextualNormalizationOptions {
  /**
   * The base-commit text of a file by its path, or undefined when it is not at hand. With it, a file's
   * change is read in the context of the whole file; without it, from the diff's hunks alone.
   */
  baseText?: (path: string) => string | undefined;
}

const isPython = (path: string): boolean => /\.pyi?$/.test(path);

/**
 * Normalizes a diff without running anything: per file, the removed and added lines with whitespace
 * collapsed, blank lines dropped and, for Python, comments and docstrings (bare string statements)
 * dropped; a block of changes whose removed and added lines are equal after that (a reformatted or
 * re-commented line) is dropped; files that end up with no change and no rename/add/delete are left out.
 * Hunk positions and context lines are ignored, so the same fix made with different context sizes
 * normalizes equally.
 *
 * Whether a line is code, comment or string text depends on everything above it, so a file is read
 * against its base text when `options.baseText` has it: the patch is applied in memory and both whole
 * files are lexed from their first lines. Otherwise (no repository at hand, or the patch does not apply)
 * each hunk is lexed under every start the lexer cannot rule out (top level, inside brackets, inside a
 * `"""` or `'''` string) and a changed line is dropped only when every plausible start drops it. Where
 * lexing fails, raw text is compared. So a normalization error can make two equal changes look
 * different, never a change look like none.
 */
export function normalizeDiffText(diff: string, options: TextualNormalizationOptions = {}): TextualNormalization {
  const files: NormalizedFileChange[] = [];
  let changedLines = 0;
  for (const file of parseFileDiffs(diff)) {
    const status = file.status === 'renamed' ? `renamed from ${file.oldPath}` : file.status;
    const change = normalizeFileChange(file, options);
    if (change.removed.length + change.added.length === 0 && status === 'modified') continue;
    changedLines += change.removed.length + change.added.length;
    files.push({ path: file.path, status, ...change });
  }
  files.sort((left, right) => (left.path < right.path ? -1 : left.path > right.path ? 1 : 0));
  return { files, changedLines };
}

type FileChange = Pick<NormalizedFileChange, 'removed' | 'added' | 'basis' | 'note'>;

function normalizeFileChange(file: FileDiff, options: TextualNormalizationOptions): FileChange {
  const python = isPython(file.path);
  // An added file's base text is known: it is empty.
  const base = file.oldPath === undefined ? '' : options.baseText?.(file.oldPath);
  let note: string | undefined;
  if (base !== undefined) {
    const application = applyHunks(base, file.hunks);
    if (application.applies) return againstBase(application.before, application.after, application.alignment, python);
    note = `hunk ${application.hunk} of ${file.oldPath} does not match the base text; normalized from the hunks alone`;
  }
  const change = fromHunks(file.hunks, python);
  return note ? { ...change, note: change.note ? `${note}; ${change.note}` : note } : change;
}

/** Collects blocks of changed lines; a block whose sides are equal after normalization is dropped. */
class BlockCollector {
  readonly removed: string[] = [];
  readonly added: string[] = [];
  private block = { removed: [] as string[], added: [] as string[] };

  remove(line: string): void {
    if (line !== '') this.block.removed.push(line);
  }

  add(line: string): void {
    if (line !== '') this.block.added.push(line);
  }

  flush(): void {
    if (this.block.removed.join('\n') !== this.block.added.join('\n')) {
      this.removed.push(...this.block.removed);
      this.added.push(...this.block.added);
    }
    this.block = { removed: [], added: [] };
  }
}

/**
 * Both whole files normalized line by line; a kept line whose normalized text changed (code turned into
 * a string by a quote the patch added, say) counts as removed and added, so the change is never hidden.
 */
function againstBase(before: string[], after: string[], alignment: readonly LineAlignment[], python: boolean): FileChange {
  let basis: NormalizationBasis = 'base-commit';
  let note: string | undefined;
  let beforeLines = before.map(collapse);
  let afterLines = after.map(collapse);
  if (python) {
    const lexedBefore = normalizePythonLines(before);
    const lexedAfter = normalizePythonLines(after);
    if (lexedBefore.healthy && lexedAfter.healthy) {
      beforeLines = lexedBefore.normalized;
      afterLines = lexedAfter.normalized;
    } else {
      basis = 'raw';
      note = `the Python lexer could not read the file ${lexedBefore.healthy ? 'after' : 'before'} the patch; compared as raw text`;
    }
  }
  const blocks = new BlockCollector();
  for (const line of alignment) {
    if (line.kind === 'removed') blocks.remove(beforeLines[line.before]!);
    else if (line.kind === 'added') blocks.add(afterLines[line.after]!);
    else if (beforeLines[line.before] === afterLines[line.after]) blocks.flush();
    else {
      blocks.remove(beforeLines[line.before]!);
      blocks.add(afterLines[line.after]!);
    }
  }
  blocks.flush();
  return { removed: blocks.removed, added: blocks.added, basis, ...(note ? { note } : {}) };
}

/** Lexer starts a hunk read without its file may have (a hunk at line 1 starts at the top); brackets opened above it may close in it. */
const topOfFile: LexerStart = {};
const possibleStarts: readonly LexerStart[] = [
  { bracketsMayBeOpen: true },
  { bracketDepth: 1, bracketsMayBeOpen: true },
  { openString: { quote: '"""', dropped: true }, bracketsMayBeOpen: true },
  { openString: { quote: "'''", dropped: true }, bracketsMayBeOpen: true },
];

function fromHunks(hunks: readonly Hunk[], python: boolean): FileChange {
  const blocks = new BlockCollector();
  let rawHunks = 0;
  for (const hunk of hunks) {
    let lines = python ? lexHunk(hunk) : undefined;
    if (python && lines === undefined) rawHunks += 1;
    lines ??= rawReading(hunk);
    for (const line of lines) {
      if (line.before === line.after) blocks.flush();
      else {
        blocks.remove(line.before);
        blocks.add(line.after);
      }
    }
    blocks.flush();
  }
  const note = rawHunks > 0 ? `${rawHunks} hunk(s) could not be lexed from any start; compared as raw text` : undefined;
  return { removed: blocks.removed, added: blocks.added, basis: rawHunks > 0 ? 'raw' : 'hunks', ...(note ? { note } : {}) };
}

/** A hunk line's normalized text on each side ('' where the line is not on that side or reads as nothing). */
interface LineReading {
  before: string;
  after: string;
}

/** Whitespace collapsed, context lines unchanged. */
const rawReading = (hunk: Hunk): LineReading[] =>
  hunk.lines.map((line) =>
    line.kind === 'context' ? { before: '', after: '' } : line.kind === 'removed' ? { before: collapse(line.content), after: '' } : { before: '', after: collapse(line.content) },
  );

/**
 * How each line of a hunk reads, or undefined when no start is plausible (or only starts inside a
 * string the hunk never closes are). Each start lexes the old side (context and removed lines) and the
 * new side (context and added lines) separately, and a start whose reading is contradicted is
 * discarded. Of the remaining starts, a changed line reads as nothing only when every one drops it
 * (otherwise as the first that keeps it), and a context line counts as changed when some start reads
 * it differently on the two sides (a quote the patch added turned it into string text, say).
 */
function lexHunk(hunk: Hunk): LineReading[] | undefined {
  const starts = hunk.oldStart <= 1 ? [topOfFile] : possibleStarts;
  const readings: LineReading[][] = [];
  let informative = false;
  for (const start of starts) {
    const oldSide = new PythonLineNormalizer(start);
    const newSide = new PythonLineNormalizer(start);
    const reading = hunk.lines.map((line): LineReading => {
      if (line.kind === 'context') return { before: oldSide.normalize(line.content), after: newSide.normalize(line.content) };
      if (line.kind === 'removed') return { before: oldSide.normalize(line.content), after: '' };
      return { before: '', after: newSide.normalize(line.content) };
    });
    if (oldSide.contradicted !== undefined || newSide.contradicted !== undefined) continue;
    readings.push(reading);
    // A start inside a string that the hunk never closes reads everything as string text, untested.
    if (!oldSide.stillInInitialString || !newSide.stillInInitialString) informative = true;
  }
  if (!informative) return undefined;
  return hunk.lines.map((line, index) => {
    const options = readings.map((reading) => reading[index]!);
    if (line.kind === 'context') return options.find((option) => option.before !== option.after) ?? { before: '', after: '' };
    if (line.kind === 'removed') return { before: options.map((option) => option.before).find((text) => text !== '') ?? '', after: '' };
    return { before: '', after: options.map((option) => option.after).find((text) => text !== '') ?? '' };
  });
}

/** The canonical text of a normalization: equal texts mean "the same change". '' = changes nothing. */
export function normalizedKeyOf(files: readonly NormalizedFileChange[]): string {
  return files.map((file) => [`=== ${file.path} (${file.status})`, ...file.removed.map((line) => `-${line}`), ...file.added.map((line) => `+${line}`)].join('\n')).join('\n');
}
