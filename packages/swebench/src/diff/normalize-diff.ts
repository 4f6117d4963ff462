import type { DiffLine, FileDiff } from './file-diff';
import { normalizeWhitespace, type WhitespaceMode } from './changed-lines';
import { parseUnifiedDiff } from './parse-unified-diff';

export interface NormalizeDiffOptions {
  /** Default `collapse`. */
  whitespace?: WhitespaceMode;
  /** Drop changes that only alter whitespace, and blank added/removed lines (default true). */
  ignoreWhitespaceOnlyChanges?: boolean;
}

/**
 * A canonical text of a diff, for deciding whether two candidate patches make the same change
 * (majority vote, deduplication): files sorted by path, context lines, hunk positions in the patched
 * file, `index` lines and section headings dropped, whitespace normalized, whitespace-only changes
 * dropped. Each block of changes is keyed by the base line it starts at. Two diffs that differ only
 * in context size or spacing normalize to the same text; '' means "changes nothing".
 */
export function normalizeDiff(diff: string | readonly FileDiff[], options: NormalizeDiffOptions = {}): string {
  const whitespace = options.whitespace ?? 'collapse';
  const ignoreWhitespaceOnly = options.ignoreWhitespaceOnlyChanges ?? true;
  const files = (typeof diff === 'string' ? parseUnifiedDiff(diff) : [...diff]).sort((left, right) => (left.path < right.path ? -1 : left.path > right.path ? 1 : 0));
  const output: string[] = [];
  for (const file of files) {
    const blocks: string[] = [];
    for (const hunk of file.hunks) {
      let previousOldLine = hunk.oldLines === 0 ? hunk.oldStart : hunk.oldStart - 1;
      let block: { at: number; removed: string[]; added: string[] } | undefined;
      const flush = (): void => {
        if (!block) return;
        let { removed, added } = block;
        if (ignoreWhitespaceOnly) {
          removed = removed.filter((line) => line !== '');
          added = added.filter((line) => line !== '');
          if (removed.join('\n') === added.join('\n')) removed = added = [];
        }
        if (removed.length + added.length > 0) blocks.push([`@@ ${block.at}`, ...removed.map((line) => `-${line}`), ...added.map((line) => `+${line}`)].join('\n'));
        block = undefined;
      };
      for (const line of hunk.lines as DiffLine[]) {
        if (line.kind === 'context') {
          flush();
          previousOldLine = line.oldLine!;
          continue;
        }
        block ??= { at: previousOldLine + 1, removed: [], added: [] };
        const content = normalizeWhitespace(line.content, whitespace);
        if (line.kind === 'removed') {
          block.removed.push(content);
          previousOldLine = line.oldLine!;
        } else block.added.push(content);
      }
      flush();
    }
    const renamed = file.oldPath !== file.newPath;
    const modeChanged = file.oldMode !== undefined && file.newMode !== undefined && file.oldMode !== file.newMode;
    if (blocks.length === 0 && !renamed && !modeChanged && !file.binary && file.status === 'modified') continue;
    output.push(
      `--- ${file.oldPath ?? '/dev/null'}\n+++ ${file.newPath ?? '/dev/null'}${modeChanged ? `\nmode ${file.oldMode} -> ${file.newMode}` : ''}${file.binary ? '\nbinary' : ''}`,
    );
    output.push(...blocks);
  }
  return output.length === 0 ? '' : `${output.join('\n')}\n`;
}
