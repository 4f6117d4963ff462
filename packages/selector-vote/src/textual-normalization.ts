import parseDiff from 'parse-diff';
import { collapse, PythonLineNormalizer } from './python-line-normalizer';

/** One file's change after normalization. */
export interface NormalizedFileChange {
  path: string;
  /** `modified`, `added`, `deleted` or `renamed from <old path>`. */
  status: string;
  /** Normalized removed and added lines, in order, after no-op blocks are dropped. */
  removed: string[];
  added: string[];
}

export interface TextualNormalization {
  files: NormalizedFileChange[];
  /** Removed plus added lines after normalization (what "fewest changed lines" compares). */
  changedLines: number;
}

const isPython = (path: string): boolean => /\.pyi?$/.test(path);
const stripPrefix = (path: string | undefined): string | undefined => (path === undefined || path === '/dev/null' ? undefined : path.replace(/^[ab]\//, ''));

/**
 * Normalizes a diff without running anything, from the diff alone (so it works on predictions files
 * with no repository at hand): per file, the removed and added lines with whitespace collapsed, blank
 * lines dropped and, for Python, comments and docstrings (bare string statements) dropped; a block of
 * changes whose removed and added lines are equal after that (a reformatted or re-commented line) is
 * dropped; files that end up with no change and no rename/add/delete are left out. Hunk positions and
 * context lines are ignored, so the same fix made with different context sizes normalizes equally.
 */
export function normalizeDiffText(diff: string): TextualNormalization {
  const files: NormalizedFileChange[] = [];
  let changedLines = 0;
  for (const file of parseDiff(diff)) {
    const oldPath = stripPrefix(file.from);
    const newPath = stripPrefix(file.to);
    const path = newPath ?? oldPath;
    if (path === undefined) continue;
    const status = file.new || oldPath === undefined ? 'added' : file.deleted || newPath === undefined ? 'deleted' : oldPath !== newPath ? `renamed from ${oldPath}` : 'modified';
    const python = isPython(path);
    const removed: string[] = [];
    const added: string[] = [];
    for (const chunk of file.chunks) {
      // Each side of the hunk is lexed in its own order: the old side sees context and removed lines, the new side context and added lines.
      const oldSide = new PythonLineNormalizer();
      const newSide = new PythonLineNormalizer();
      let block = { removed: [] as string[], added: [] as string[] };
      const flush = (): void => {
        if (block.removed.join('\n') !== block.added.join('\n')) {
          removed.push(...block.removed);
          added.push(...block.added);
        }
        block = { removed: [], added: [] };
      };
      for (const change of chunk.changes) {
        const text = change.content.slice(1);
        if (change.type === 'normal') {
          flush();
          if (python) {
            oldSide.normalize(text);
            newSide.normalize(text);
          }
          continue;
        }
        const normalized = python ? (change.type === 'del' ? oldSide : newSide).normalize(text) : collapse(text);
        if (normalized === '') continue;
        (change.type === 'del' ? block.removed : block.added).push(normalized);
      }
      flush();
    }
    if (removed.length + added.length === 0 && status === 'modified') continue;
    changedLines += removed.length + added.length;
    files.push({ path, status, removed, added });
  }
  files.sort((left, right) => (left.path < right.path ? -1 : left.path > right.path ? 1 : 0));
  return { files, changedLines };
}

/** The canonical text of a normalization: equal texts mean "the same change". '' = changes nothing. */
export function normalizedKeyOf(files: readonly NormalizedFileChange[]): string {
  return files
    .map((file) => [`=== ${file.path} (${file.status})`, ...file.removed.map((line) => `-${line}`), ...file.added.map((line) => `+${line}`)].join('\n'))
    .join('\n');
}
