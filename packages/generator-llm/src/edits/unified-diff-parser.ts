import { normalizeNewlines } from './answer-text';
import { joinEditLines, type FileEdit, type ParsedEdits } from './file-edit';

const fenceOpener = /^\s*(```|~~~)\s*(\S*)/;

/** `a/x.py` → `x.py`, `"b/x y.py"` → `x y.py`, timestamps after a tab dropped; undefined for /dev/null. */
function headerPath(raw: string): string | undefined {
  let value = raw.split('\t')[0]!.trim();
  value = value.replace(/^"(.*)"$/, '$1');
  if (value === '/dev/null') return undefined;
  return value.replace(/^[ab]\//, '');
}

/**
 * The diff text of an answer: the contents of its ```diff / ```patch fences, or of any fence that holds a
 * `---`/`+++` header, or the whole answer when it has no fence at all.
 */
function diffSections(lines: readonly string[]): string[][] {
  const sections: string[][] = [];
  let current: string[] | undefined;
  let sawFence = false;
  for (const line of lines) {
    const fence = fenceOpener.exec(line);
    if (fence) {
      sawFence = true;
      if (current === undefined) current = [];
      else {
        sections.push(current);
        current = undefined;
      }
      continue;
    }
    current?.push(line);
  }
  if (current !== undefined) sections.push(current);
  if (!sawFence) return [[...lines]];
  return sections.filter((section) => section.some((line) => line.startsWith('--- ') || line.startsWith('+++ ') || line.startsWith('@@')));
}

/**
 * Blank context lines at the end of a hunk (in both parts) are usually the empty line before the closing
 * fence, not lines of the file: they are dropped from both sides.
 */
function trailingBlankTrimmed(search: readonly string[], replace: readonly string[]): { search: string[]; replace: string[] } {
  let searchEnd = search.length;
  let replaceEnd = replace.length;
  while (searchEnd > 0 && replaceEnd > 0 && search[searchEnd - 1] === '' && replace[replaceEnd - 1] === '') {
    searchEnd -= 1;
    replaceEnd -= 1;
  }
  return { search: search.slice(0, searchEnd), replace: replace.slice(0, replaceEnd) };
}

/**
 * Reads the unified diffs of a model answer into edits, one per hunk: the hunk's context and removed
 * lines are what to search for, its context and added lines the replacement. Hunk headers are only
 * boundaries: their line numbers and counts are ignored (models get them wrong more often than not, and
 * the search text says where a hunk goes). `--- /dev/null` creates a file, `+++ /dev/null` deletes one.
 */
export function parseUnifiedDiffAnswer(answer: string): ParsedEdits {
  const edits: FileEdit[] = [];
  const problems: string[] = [];
  const sections = diffSections(normalizeNewlines(answer).split('\n'));
  let hunkCount = 0;

  for (const section of sections) {
    let oldPath: string | undefined;
    let newPath: string | undefined;
    let headerSeen = false;
    let hunk: { search: string[]; replace: string[]; changed: boolean } | undefined;

    const closeHunk = (): void => {
      if (!hunk) return;
      const current = hunk;
      hunk = undefined;
      if (!current.changed) return;
      hunkCount += 1;
      if (!headerSeen) {
        problems.push(`hunk ${hunkCount} has no "--- a/path" and "+++ b/path" lines before it`);
        return;
      }
      const deleting = newPath === undefined;
      const path = deleting ? oldPath : newPath;
      if (path === undefined) {
        problems.push(`hunk ${hunkCount} names /dev/null on both sides`);
        return;
      }
      // Trailing context lines the model left empty are indistinguishable from blank lines it meant; keep them.
      edits.push({
        index: hunkCount - 1,
        path,
        search: oldPath === undefined ? '' : joinEditLines(trailingBlankTrimmed(current.search, current.replace).search),
        replace: joinEditLines(trailingBlankTrimmed(current.search, current.replace).replace),
        ...(deleting ? { deleteFile: true } : {}),
      });
    };

    for (let index = 0; index < section.length; index += 1) {
      const line = section[index]!;
      if (line.startsWith('diff --git ')) {
        closeHunk();
        headerSeen = false;
        continue;
      }
      // "--- x" right before "+++ y" is a file header; elsewhere inside a hunk it is a removed line starting with "-- ".
      if (line.startsWith('--- ') && (section[index + 1] ?? '').startsWith('+++ ')) {
        closeHunk();
        oldPath = headerPath(line.slice(4));
        newPath = headerPath(section[index + 1]!.slice(4));
        headerSeen = true;
        index += 1;
        continue;
      }
      if (line.startsWith('@@')) {
        closeHunk();
        hunk = { search: [], replace: [], changed: false };
        continue;
      }
      if (!hunk) continue;
      if (line.startsWith('\\ No newline')) continue;
      if (line.startsWith('-')) {
        hunk.search.push(line.slice(1));
        hunk.changed = true;
      } else if (line.startsWith('+')) {
        hunk.replace.push(line.slice(1));
        hunk.changed = true;
      } else if (line.startsWith(' ') || line === '') {
        // Models often drop the leading space of an empty context line.
        hunk.search.push(line.slice(1));
        hunk.replace.push(line.slice(1));
      } else {
        closeHunk(); // prose after the diff
      }
    }
    closeHunk();
  }
  return { edits, problems };
}
