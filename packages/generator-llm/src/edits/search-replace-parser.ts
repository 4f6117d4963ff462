import { fenceLine, normalizeNewlines } from './answer-text';
import { joinEditLines, type FileEdit, type ParsedEdits } from './file-edit';

// Marker lengths vary between prompt traditions (Aider and Agentless write 7 characters, CodeMonkeys 4
// and 10): any run of three or more is accepted, the divider needs five so that `===` in code is content.
const searchMarker = /^\s*<{3,}\s*SEARCH\b:?[ \t]*(.*?)\s*$/i;
const divider = /^\s*={5,}\s*$/;
const replaceMarker = /^\s*>{3,}\s*REPLACE\b/i;
const fenceOpener = /^\s*(?:```|~~~)\s*(\S*)\s*(\S*)/;

/** A path-looking token: no spaces, quotes or markup, at least one letter or digit. */
function asPath(candidate: string | undefined): string | undefined {
  if (candidate === undefined) return undefined;
  let cleaned = candidate.trim();
  cleaned = cleaned.replace(/^#+\s*/, '').replace(/^[-*]\s+/, '');
  cleaned = cleaned.replace(/^(?:\*\*)?(?:file(?:name)?|path)\s*:\s*(?:\*\*)?\s*/i, '');
  cleaned = cleaned
    .replace(/^[`'"*]+|[`'"*]+$/g, '')
    .replace(/:$/, '')
    .trim();
  cleaned = cleaned.replace(/^[`'"*]+|[`'"*]+$/g, '');
  if (cleaned === '' || /[\s<>|`'"]/.test(cleaned) || !/[A-Za-z0-9]/.test(cleaned)) return undefined;
  return cleaned;
}

/** A fence opener that carries a path (```` ```python textkit/a.py ```` or ```` ```textkit/a.py ````). */
function pathOnFence(line: string): string | undefined {
  const match = fenceOpener.exec(line);
  if (!match) return undefined;
  const [, first, second] = match;
  if (second) return asPath(second);
  if (first && /[./]/.test(first)) return asPath(first);
  return undefined;
}

/**
 * The path of the block whose `<<<<<<< SEARCH` is at `markerIndex`: written on the marker line, on the
 * line above (possibly with Markdown decoration, or on the fence opener), or, for a block that directly
 * follows another one, the previous block's path.
 */
function pathAbove(lines: readonly string[], markerIndex: number, previousPath: string | undefined): string | undefined {
  for (let index = markerIndex - 1; index >= 0; index -= 1) {
    const line = lines[index]!;
    if (line.trim() === '') continue;
    if (replaceMarker.test(line)) return previousPath;
    if (fenceLine.test(line)) {
      const onFence = pathOnFence(line);
      if (onFence) return onFence;
      // A bare ``` or ```python: the path is on the line above the fence (or the fence closed an earlier block).
      if (/^\s*(```|~~~)\s*$/.test(line) && index > 0 && replaceMarker.test(lines[index - 1]!)) return previousPath;
      continue;
    }
    return asPath(line);
  }
  return undefined;
}

/**
 * Reads SEARCH/REPLACE blocks from a model answer:
 *
 * ```text
 * path/to/file.py
 * <<<<<<< SEARCH
 * lines as they are
 * =======
 * lines as they should be
 * >>>>>>> REPLACE
 * ```
 *
 * Prose around the blocks, Markdown fences, Windows line breaks and the path on the SEARCH line
 * (`<<<<<<< SEARCH path/to/file.py`) are accepted. A block that cannot be read (no path, no divider, cut
 * off before `>>>>>>> REPLACE`) is a problem, named with its position, and no edit of the answer is
 * used: applying half of what the model meant would make a candidate nobody asked for.
 */
export function parseSearchReplaceBlocks(answer: string): ParsedEdits {
  const lines = normalizeNewlines(answer).split('\n');
  const edits: FileEdit[] = [];
  const problems: string[] = [];
  let state: 'outside' | 'search' | 'replace' = 'outside';
  let current: { path: string | undefined; search: string[]; replace: string[]; line: number } | undefined;
  let blockCount = 0;
  let previousPath: string | undefined;

  const start = (index: number, onMarker: string): void => {
    blockCount += 1;
    const path = asPath(onMarker) ?? pathAbove(lines, index, previousPath);
    current = { path, search: [], replace: [], line: index + 1 };
    state = 'search';
  };
  const finish = (): void => {
    const block = current!;
    if (block.path === undefined) {
      problems.push(`block ${blockCount} (answer line ${block.line}) names no file: put the file's path on the line just above "<<<<<<< SEARCH"`);
    } else {
      edits.push({ index: blockCount - 1, path: block.path, search: joinEditLines(block.search), replace: joinEditLines(block.replace) });
      previousPath = block.path;
    }
    current = undefined;
    state = 'outside';
  };

  lines.forEach((line, index) => {
    const search = searchMarker.exec(line);
    if (state === 'outside') {
      if (search) start(index, search[1] ?? '');
      else if (replaceMarker.test(line)) problems.push(`answer line ${index + 1} has ">>>>>>> REPLACE" without a "<<<<<<< SEARCH" block before it`);
      return;
    }
    if (state === 'search') {
      if (divider.test(line)) state = 'replace';
      else if (search || replaceMarker.test(line)) {
        problems.push(`block ${blockCount} (answer line ${current!.line}) has no "=======" line between its SEARCH and REPLACE parts`);
        current = undefined;
        state = 'outside';
        if (search) start(index, search[1] ?? '');
      } else current!.search.push(line);
      return;
    }
    if (replaceMarker.test(line)) finish();
    else if (search) {
      problems.push(`block ${blockCount} (answer line ${current!.line}) is not closed with ">>>>>>> REPLACE" before the next block starts`);
      start(index, search[1] ?? '');
    } else current!.replace.push(line);
  });
  if (state !== 'outside') {
    problems.push(`block ${blockCount} (answer line ${current!.line}) is cut off: it ends without ">>>>>>> REPLACE" (was the answer cut at its token limit?)`);
  }
  return { edits, problems };
}
