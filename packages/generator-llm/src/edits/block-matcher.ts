import { distance } from 'fastest-levenshtein';

/** How a SEARCH text was found: as written, ignoring whitespace, or by line similarity. */
export type MatchMethod = 'exact' | 'whitespace' | 'fuzzy';

export interface MatchSettings {
  /** Mean Levenshtein ratio of the lines a fuzzy match must reach (0.8 by default). */
  fuzzyThreshold: number;
  /** Share of the SEARCH lines that must equal their file line (whitespace ignored) for a fuzzy match. */
  minimumMatchingLineShare: number;
}

export interface BlockLocation {
  found: true;
  method: MatchMethod;
  /** Lines [start, end) of the file, from 0. */
  start: number;
  end: number;
  /** The REPLACE lines, re-indented when the SEARCH text was indented differently from the file. */
  replacement: string[];
  /** 1 for exact and whitespace matches; the mean line ratio for fuzzy ones. */
  similarity: number;
  /** The model copied the `N | ` prefixes of the shown code; they were removed. */
  lineNumbersStripped: boolean;
}

export interface BlockMiss {
  found: false;
  reason: 'not-found' | 'ambiguous';
  /** Said to the model, so it says what to do. */
  message: string;
}

export type BlockMatch = BlockLocation | BlockMiss;

/** Two fuzzy windows closer than this in similarity are equally likely: the match is refused as ambiguous. */
const ambiguityMargin = 0.05;
/** Above this many line comparisons the "closest lines" hint of a miss is not computed. */
const closestHintBudget = 400_000;
/** The `N | ` prefix core's renderContext puts before every shown line. */
const lineNumberPrefix = /^ *\d+ \|(?: |$)/;

const normalized = (line: string): string => line.trim().replace(/\s+/g, ' ');
const isBlank = (line: string): boolean => line.trim() === '';
const leadingWhitespace = (line: string): string => /^\s*/.exec(line)![0];

/** 1 - Levenshtein distance / longer length, on whitespace-normalized lines. */
export function lineSimilarity(left: string, right: string): number {
  const a = normalized(left);
  const b = normalized(right);
  if (a === b) return 1;
  const longer = Math.max(a.length, b.length);
  return longer === 0 ? 1 : 1 - distance(a, b) / longer;
}

function occurrences(file: readonly string[], search: readonly string[]): number[] {
  const found: number[] = [];
  if (search.length === 0 || search.length > file.length) return found;
  const first = search[0]!;
  for (let start = 0; start + search.length <= file.length; start += 1) {
    if (file[start] !== first) continue;
    let equal = true;
    for (let offset = 1; offset < search.length; offset += 1) {
      if (file[start + offset] !== search[offset]) {
        equal = false;
        break;
      }
    }
    if (equal) found.push(start);
  }
  return found;
}

/** Drops blank lines at the edges of SEARCH, and as many at the same edges of REPLACE. */
function trimBlankEdges(search: readonly string[], replace: readonly string[]): { search: string[]; replace: string[] } {
  let head = 0;
  while (head < search.length && isBlank(search[head]!)) head += 1;
  let tail = search.length;
  while (tail > head && isBlank(search[tail - 1]!)) tail -= 1;
  let replaceHead = 0;
  while (replaceHead < Math.min(head, replace.length) && isBlank(replace[replaceHead]!)) replaceHead += 1;
  let replaceTail = replace.length;
  const trailing = search.length - tail;
  while (replaceTail > replaceHead && replace.length - replaceTail < trailing && isBlank(replace[replaceTail - 1]!)) replaceTail -= 1;
  return { search: search.slice(head, tail), replace: replace.slice(replaceHead, replaceTail) };
}

/**
 * REPLACE lines shifted by the indentation difference between the SEARCH lines and the file lines they
 * matched, when that difference is the same prefix on every compared line (the model dropped or added
 * one level); otherwise unchanged.
 */
function reindent(window: readonly string[], search: readonly string[], replace: readonly string[], comparable: (index: number) => boolean): string[] {
  let added: string | undefined;
  let removed: string | undefined;
  let consistent = true;
  let compared = 0;
  for (let index = 0; index < search.length && consistent; index += 1) {
    const fileLine = window[index]!;
    const searchLine = search[index]!;
    if (isBlank(fileLine) || isBlank(searchLine) || !comparable(index)) continue;
    compared += 1;
    const fileIndent = leadingWhitespace(fileLine);
    const searchIndent = leadingWhitespace(searchLine);
    if (fileIndent === searchIndent) {
      if (added || removed) consistent = false;
      else added = '';
      continue;
    }
    if (fileIndent.endsWith(searchIndent) && fileIndent.length > searchIndent.length) {
      const prefix = fileIndent.slice(0, fileIndent.length - searchIndent.length);
      if (removed !== undefined || (added !== undefined && added !== prefix)) consistent = false;
      else added = prefix;
    } else if (searchIndent.endsWith(fileIndent) && searchIndent.length > fileIndent.length) {
      const prefix = searchIndent.slice(0, searchIndent.length - fileIndent.length);
      if (added !== undefined || (removed !== undefined && removed !== prefix)) consistent = false;
      else removed = prefix;
    } else consistent = false;
  }
  if (!consistent || compared === 0) return [...replace];
  if (added) return replace.map((line) => (isBlank(line) ? line : added + line));
  if (removed) return replace.map((line) => (line.startsWith(removed!) ? line.slice(removed!.length) : line));
  return [...replace];
}

/**
 * The replacement with every line the model kept unchanged (equal to a SEARCH line, in order) taken
 * from the file as it is, so that a match that tolerated whitespace or a typo changes only the lines
 * the model meant to change; the other lines are `adjusted` (re-indented) REPLACE lines.
 */
function keepUnchangedLines(window: readonly string[], search: readonly string[], replace: readonly string[], adjusted: readonly string[]): string[] {
  let next = 0;
  return replace.map((line, index) => {
    for (let candidate = next; candidate < search.length; candidate += 1) {
      if (search[candidate] === line) {
        next = candidate + 1;
        return window[candidate]!;
      }
    }
    return adjusted[index]!;
  });
}

const lineList = (starts: readonly number[], length: number): string => {
  const shown = starts.slice(0, 5).map((start) => (length === 1 ? `${start + 1}` : `${start + 1}-${start + length}`));
  return `${shown.join(', ')}${starts.length > 5 ? ', ...' : ''}`;
};

function locateOnce(file: readonly string[], searchLines: readonly string[], replaceLines: readonly string[], settings: MatchSettings, stripped: boolean): BlockMatch {
  const exact = occurrences(file, searchLines);
  if (exact.length === 1) {
    return { found: true, method: 'exact', start: exact[0]!, end: exact[0]! + searchLines.length, replacement: [...replaceLines], similarity: 1, lineNumbersStripped: stripped };
  }
  if (exact.length > 1) {
    return {
      found: false,
      reason: 'ambiguous',
      message: `the SEARCH text occurs ${exact.length} times (lines ${lineList(exact, searchLines.length)}); add neighbouring lines to it so that it occurs only once`,
    };
  }

  const trimmed = trimBlankEdges(searchLines, replaceLines);
  if (trimmed.search.length === 0) return { found: false, reason: 'not-found', message: 'the SEARCH part holds only blank lines; copy the lines to change from the file' };
  const normalizedFile = file.map(normalized);
  const normalizedSearch = trimmed.search.map(normalized);
  const loose = occurrences(normalizedFile, normalizedSearch);
  const length = normalizedSearch.length;
  // A match that tolerated whitespace or typos: REPLACE re-indented like the file (from the `comparable`
  // lines), and the lines the model kept unchanged taken from the file as it is.
  const tolerantMatch = (method: 'whitespace' | 'fuzzy', start: number, similarity: number, comparable: (index: number) => boolean): BlockMatch => {
    const window = file.slice(start, start + length);
    return {
      found: true,
      method,
      start,
      end: start + length,
      replacement: keepUnchangedLines(window, trimmed.search, trimmed.replace, reindent(window, trimmed.search, trimmed.replace, comparable)),
      similarity,
      lineNumbersStripped: stripped,
    };
  };
  if (loose.length === 1) return tolerantMatch('whitespace', loose[0]!, 1, () => true);
  if (loose.length > 1) {
    return {
      found: false,
      reason: 'ambiguous',
      message: `the SEARCH text (ignoring whitespace) occurs ${loose.length} times (lines ${lineList(loose, length)}); add neighbouring lines to it so that it occurs only once`,
    };
  }

  // Fuzzy: windows of the same number of lines; a window needs enough identical lines before the
  // (costlier) Levenshtein ratios are computed.
  const neededEqual = Math.ceil(settings.minimumMatchingLineShare * length - 1e-9);
  const candidates: Array<{ start: number; similarity: number }> = [];
  for (let start = 0; start + length <= file.length; start += 1) {
    let equal = 0;
    for (let offset = 0; offset < length; offset += 1) if (normalizedFile[start + offset] === normalizedSearch[offset]) equal += 1;
    if (equal < neededEqual) continue;
    let total = 0;
    for (let offset = 0; offset < length; offset += 1) total += lineSimilarity(normalizedFile[start + offset]!, normalizedSearch[offset]!);
    const similarity = total / length;
    if (similarity >= settings.fuzzyThreshold) candidates.push({ start, similarity });
  }
  candidates.sort((left, right) => right.similarity - left.similarity || left.start - right.start);
  const [best, second] = candidates;
  if (best && (!second || best.similarity - second.similarity >= ambiguityMargin)) {
    return tolerantMatch('fuzzy', best.start, best.similarity, (index) => normalizedFile[best.start + index] === normalizedSearch[index]);
  }
  if (best && second) {
    const close = candidates.filter((candidate) => best.similarity - candidate.similarity < ambiguityMargin);
    return {
      found: false,
      reason: 'ambiguous',
      message: `the SEARCH text is not in the file as written and resembles ${close.length} places about equally (lines ${lineList(
        close.map((candidate) => candidate.start),
        length,
      )}); copy the lines exactly from the file, with enough neighbouring lines to make them unique`,
    };
  }
  return {
    found: false,
    reason: 'not-found',
    message: `the SEARCH text is not in the file${closestHint(normalizedFile, normalizedSearch)}; copy the lines exactly from the file: whole lines, with their indentation, without line numbers`,
  };
}

/** ` (closest: lines 5-7, 62% similar)` or '' when the file is too large to look. */
function closestHint(file: readonly string[], search: readonly string[]): string {
  if (search.length > file.length || file.length * search.length > closestHintBudget) return '';
  let best: { start: number; similarity: number } | undefined;
  for (let start = 0; start + search.length <= file.length; start += 1) {
    let total = 0;
    for (let offset = 0; offset < search.length; offset += 1) total += lineSimilarity(file[start + offset]!, search[offset]!);
    const similarity = total / search.length;
    if (!best || similarity > best.similarity) best = { start, similarity };
  }
  if (!best || best.similarity < 0.3) return '';
  return ` (closest: lines ${lineList([best.start], search.length)}, ${Math.round(best.similarity * 100)}% similar)`;
}

/**
 * Finds where the SEARCH lines of an edit are in a file: exactly as written, then ignoring whitespace
 * (blank lines at the edges and indentation; the replacement is re-indented to match), then by line
 * similarity (mean Levenshtein ratio ≥ `fuzzyThreshold` with at least `minimumMatchingLineShare` of the
 * lines identical up to whitespace). REPLACE lines equal to SEARCH lines keep the file's text. A text
 * found at several places is refused as ambiguous at the first stage that finds it more than once, never
 * guessed. When nothing matches and the model copied
 * the `N | ` line prefixes of the shown code, the prefixes are removed and the search repeated.
 */
export function locateBlock(file: readonly string[], search: readonly string[], replace: readonly string[], settings: MatchSettings): BlockMatch {
  const first = locateOnce(file, search, replace, settings, false);
  if (first.found || first.reason === 'ambiguous') return first;
  const numbered = search.filter((line) => !isBlank(line));
  if (numbered.length === 0 || !numbered.every((line) => lineNumberPrefix.test(line))) return first;
  const strip = (line: string): string => line.replace(lineNumberPrefix, '');
  const again = locateOnce(file, search.map(strip), replace.map(strip), settings, true);
  return again.found || again.reason === 'ambiguous' ? again : first;
}
