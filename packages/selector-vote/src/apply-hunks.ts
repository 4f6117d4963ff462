import type { Hunk } from './diff-files';

/** How one line of the result relates to the base: kept (`same`), removed from the base, or added. */
export type LineAlignment = { kind: 'same'; before: number; after: number } | { kind: 'removed'; before: number } | { kind: 'added'; after: number };

export type HunkApplication =
  | { applies: true; before: string[]; after: string[]; alignment: LineAlignment[] }
  /** `hunk`: the header of the first hunk that does not apply. */
  | { applies: false; hunk: string };

/** Context lines GNU patch may ignore at each end of a hunk (its default fuzz factor). */
export const defaultFuzz = 2;

const sameLine = (left: string, right: string): boolean => left.trimEnd() === right.trimEnd();

/**
 * Applies a file's hunks to its base text in memory, as GNU patch does: hunks in order, each at the
 * offset nearest to where its header puts it (shifted by the previous hunk's offset) and never before
 * the end of the previous one, trailing whitespace ignored, and when the whole old side is not found up
 * to `fuzz` context lines at each end ignored (the base's lines are kept there). Returns both texts as
 * lines and how every line of the result aligns with the base, or the first hunk that does not apply.
 */
export function applyHunks(baseText: string, hunks: readonly Hunk[], fuzz = defaultFuzz): HunkApplication {
  const before = baseText.split('\n');
  const after: string[] = [];
  const alignment: LineAlignment[] = [];
  let cursor = 0;
  let offset = 0;
  const keep = (index: number): void => {
    alignment.push({ kind: 'same', before: index, after: after.length });
    after.push(before[index]!);
  };
  for (const hunk of hunks) {
    const placed = placeHunk(before, hunk, cursor, offset, fuzz);
    if (!placed) return { applies: false, hunk: hunk.header };
    while (cursor < placed.start) keep(cursor++);
    for (const line of placed.lines) {
      if (line.kind === 'added') {
        alignment.push({ kind: 'added', after: after.length });
        after.push(line.content);
      } else if (line.kind === 'removed') alignment.push({ kind: 'removed', before: cursor++ });
      else keep(cursor++);
    }
    offset = placed.start - placed.headerPosition;
  }
  while (cursor < before.length) keep(cursor++);
  return { applies: true, before, after, alignment };
}

/** Where a hunk goes (index of its first old-side line) and the lines applied there, fuzz removed. */
function placeHunk(base: readonly string[], hunk: Hunk, cursor: number, offset: number, fuzz: number): { start: number; headerPosition: number; lines: Hunk['lines'] } | undefined {
  for (let ignored = 0; ignored <= fuzz; ignored += 1) {
    let leading = 0;
    while (leading < ignored && hunk.lines[leading]?.kind === 'context') leading += 1;
    let trailing = 0;
    while (trailing < ignored && hunk.lines.length - 1 - trailing > leading && hunk.lines[hunk.lines.length - 1 - trailing]?.kind === 'context') trailing += 1;
    if (ignored > 0 && leading + trailing === 0) break;
    const lines = hunk.lines.slice(leading, hunk.lines.length - trailing);
    const old = lines.filter((line) => line.kind !== 'added').map((line) => line.content);
    // A hunk without old lines inserts after line `oldStart`; otherwise its first old line is line `oldStart`.
    const insertion = hunk.lines.every((line) => line.kind === 'added');
    const headerPosition = (insertion ? hunk.oldStart : hunk.oldStart - 1) + leading;
    const start = nearestMatch(base, old, cursor, Math.max(0, headerPosition + offset));
    if (start !== undefined) return { start, headerPosition, lines };
  }
  return undefined;
}

/** The position at or after `from`, nearest to `expected`, where `needle` occurs in `base`. */
function nearestMatch(base: readonly string[], needle: readonly string[], from: number, expected: number): number | undefined {
  const last = base.length - needle.length;
  if (last < from) return undefined;
  const matches = (start: number): boolean => needle.every((line, index) => sameLine(base[start + index]!, line));
  const anchor = Math.min(Math.max(expected, from), last);
  for (let distance = 0; anchor - distance >= from || anchor + distance <= last; distance += 1) {
    if (anchor - distance >= from && matches(anchor - distance)) return anchor - distance;
    if (distance > 0 && anchor + distance <= last && matches(anchor + distance)) return anchor + distance;
  }
  return undefined;
}
