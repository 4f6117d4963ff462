/**
 * What the SEARCH matcher costs and buys, measured against baselines in the same run, on real Python
 * sources (the standard library of the machine's python3, 15k+ lines):
 * - exact blocks: `locateBlock` against `String.indexOf` of the block text (the cheapest possible exact
 *   search; the ratio is the matcher's overhead for splitting, counting occurrences and ambiguity);
 * - blocks with a typo in one line: `locateBlock` (identical-line prefilter, then Levenshtein ratios)
 *   against the naive fuzzy search (mean Levenshtein ratio of every window), with how often each one
 *   finds the right place.
 * Prints times per block, how many blocks each found at the right place, at a wrong place or not at all
 * (the matcher refuses a match that resembles two places about equally), and the ratios. Run: npm run bench.
 */
import fs from 'node:fs';
import path from 'node:path';
import { distance } from 'fastest-levenshtein';
import { locateBlock } from '../src/index';

const sourceFiles = ['argparse.py', 'typing.py', 'inspect.py', 'tarfile.py', 'email/_header_value_parser.py'];
const libraryDirectory = fs
  .readdirSync('/usr/lib')
  .filter((name) => /^python3\.\d+$/.test(name))
  .sort()
  .at(-1);
if (!libraryDirectory) throw new Error('No /usr/lib/python3.X found: the benchmark reads real Python sources from there (apt-get install python3).');
const files = sourceFiles.map((name) => fs.readFileSync(path.join('/usr/lib', libraryDirectory, name), 'utf8').split('\n'));
const settings = { fuzzyThreshold: 0.8, minimumMatchingLineShare: 0.5 };
const blockLines = 6;
const blocksPerFile = 40;

/** A deterministic pseudo-random sequence (the same blocks every run). */
let seed = 12345;
const random = (): number => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};

interface Case {
  file: string[];
  /** Where the block's first non-blank line is (where whitespace and fuzzy matches start). */
  start: number;
  /** Where the block starts (where an exact match starts). */
  rawStart: number;
  exact: string[];
  exactText: string;
  typo: string[];
}
const cases: Case[] = [];
for (const file of files) {
  let made = 0;
  while (made < blocksPerFile) {
    const start = Math.floor(random() * (file.length - blockLines));
    const exact = file.slice(start, start + blockLines);
    // Blocks worth editing: mostly code, and unique in the file.
    if (exact.filter((line) => line.trim().length > 8).length < blockLines - 1) continue;
    const text = exact.join('\n');
    const joined = file.join('\n');
    if (joined.indexOf(text) !== joined.lastIndexOf(text)) continue;
    // One typo: three letters of one line reversed (a line where that changes something).
    const typoLine = exact.findIndex((line) => /([a-z])(?!\1)[a-z]([a-z])/.test(line) && line.trim().length > 12);
    if (typoLine < 0) continue;
    const typo = exact.map((line, index) =>
      index === typoLine
        ? line.replace(/([a-z])([a-z])([a-z])/, (word, first: string, middle: string, last: string) => (first === last ? word : `${last}${middle}${first}`))
        : line,
    );
    if (typo[typoLine] === exact[typoLine]) continue;
    // Blank lines at the edges are not searched for: the block starts at its first non-blank line.
    let leading = 0;
    while (exact[leading]!.trim() === '') leading += 1;
    cases.push({ file, start: start + leading, rawStart: start, exact, exactText: text, typo });
    made += 1;
  }
}

const normalized = (line: string): string => line.trim().replace(/\s+/g, ' ');
/** The naive fuzzy search: the window with the best mean Levenshtein ratio, every window computed. */
function naiveFuzzy(file: readonly string[], search: readonly string[]): { start: number; similarity: number } {
  const fileLines = file.map(normalized);
  const searchLines = search.map(normalized);
  let best = { start: -1, similarity: -1 };
  for (let start = 0; start + searchLines.length <= fileLines.length; start += 1) {
    let total = 0;
    for (let offset = 0; offset < searchLines.length; offset += 1) {
      const a = fileLines[start + offset]!;
      const b = searchLines[offset]!;
      const longer = Math.max(a.length, b.length);
      total += longer === 0 ? 1 : 1 - distance(a, b) / longer;
    }
    const similarity = total / searchLines.length;
    if (similarity > best.similarity) best = { start, similarity };
  }
  return best;
}

interface Tally {
  right: number;
  wrong: number;
  refused: number;
}

function time(label: string, rounds: number, body: () => Tally): { label: string; msPerBlock: number; tally: Tally } {
  body(); // warm-up
  const started = performance.now();
  let tally: Tally = { right: 0, wrong: 0, refused: 0 };
  for (let round = 0; round < rounds; round += 1) tally = body();
  const elapsed = performance.now() - started;
  return { label, msPerBlock: elapsed / rounds / cases.length, tally };
}

function tallyOf(outcomes: ReadonlyArray<'right' | 'wrong' | 'refused'>): Tally {
  return {
    right: outcomes.filter((outcome) => outcome === 'right').length,
    wrong: outcomes.filter((outcome) => outcome === 'wrong').length,
    refused: outcomes.filter((outcome) => outcome === 'refused').length,
  };
}
const joinedFiles = new Map(files.map((file) => [file, file.join('\n')]));

const exactMatcher = time('exact: locateBlock', 5, () =>
  tallyOf(
    cases.map((entry) => {
      const match = locateBlock(entry.file, entry.exact, ['pass'], settings);
      return !match.found ? 'refused' : match.start === entry.rawStart ? 'right' : 'wrong';
    }),
  ),
);
// Only finds the text (no line numbers, no ambiguity check): the floor of an exact search.
const exactBaseline = time('exact: String.indexOf (baseline)', 5, () =>
  tallyOf(
    cases.map((entry) => {
      return joinedFiles.get(entry.file)!.indexOf(entry.exactText) < 0 ? 'refused' : 'right';
    }),
  ),
);
const fuzzyMatcher = time('typo: locateBlock', 3, () =>
  tallyOf(
    cases.map((entry) => {
      const match = locateBlock(entry.file, entry.typo, ['pass'], settings);
      return !match.found ? 'refused' : match.method === 'fuzzy' && match.start === entry.start ? 'right' : 'wrong';
    }),
  ),
);
const fuzzyBaseline = time('typo: naive window scan (baseline)', 1, () =>
  tallyOf(cases.map((entry) => (naiveFuzzy(entry.file, entry.typo).start + entry.typo.findIndex((line) => line.trim() !== '') === entry.start ? 'right' : 'wrong'))),
);

const rows = [exactMatcher, exactBaseline, fuzzyMatcher, fuzzyBaseline];
console.log(`${cases.length} blocks of ${blockLines} lines in ${files.length} files (${files.reduce((sum, file) => sum + file.length, 0)} lines) of ${libraryDirectory}`);
for (const row of rows) {
  console.log(
    `${row.label.padEnd(38)} ${row.msPerBlock.toFixed(3).padStart(9)} ms/block   right place ${row.tally.right}, wrong place ${row.tally.wrong}, no match ${row.tally.refused}`,
  );
}
console.log(`exact matcher / indexOf baseline:      ${(exactMatcher.msPerBlock / exactBaseline.msPerBlock).toFixed(2)}x the time`);
console.log(
  `fuzzy matcher / naive fuzzy baseline:  ${(fuzzyMatcher.msPerBlock / fuzzyBaseline.msPerBlock).toFixed(3)}x the time (${(fuzzyBaseline.msPerBlock / fuzzyMatcher.msPerBlock).toFixed(1)}x faster)`,
);
