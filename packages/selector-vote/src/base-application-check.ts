import type { Workspace } from '@codemonkeys/protocol';
import parseDiff from 'parse-diff';

export interface BaseApplication {
  applies: boolean;
  reason?: string;
}

/** Context lines GNU patch may ignore at each end of a hunk (its default fuzz factor). */
const fuzz = 2;
const stripPrefix = (path: string | undefined): string | undefined => (path === undefined || path === '/dev/null' ? undefined : path.replace(/^[ab]\//, ''));

function occursIn(fileLines: readonly string[], hunkLines: readonly string[]): boolean {
  if (hunkLines.length === 0) return true;
  outer: for (let start = 0; start + hunkLines.length <= fileLines.length; start += 1) {
    for (let offset = 0; offset < hunkLines.length; offset += 1) if (fileLines[start + offset]!.trimEnd() !== hunkLines[offset]!.trimEnd()) continue outer;
    return true;
  }
  return false;
}

/**
 * Whether a diff would apply to the base commit, judged from the workspace without running anything:
 * every file it modifies exists, and the old side of every hunk (context and removed lines, up to two
 * context lines dropped at each end, trailing whitespace ignored) occurs in the file, anywhere (patch
 * applies hunks at an offset). Used when there is no sandbox; in the sandbox the real apply decides.
 */
export async function checkAgainstBase(diff: string, workspace: Workspace): Promise<BaseApplication> {
  const files = parseDiff(diff);
  if (files.length === 0) return { applies: false, reason: 'the diff has no file headers or hunks' };
  for (const file of files) {
    const oldPath = stripPrefix(file.from);
    if (file.new || oldPath === undefined) continue;
    let content: string;
    try {
      content = await workspace.readFile(oldPath);
    } catch {
      return { applies: false, reason: `${oldPath} does not exist at the base commit` };
    }
    const lines = content.split('\n');
    for (const chunk of file.chunks) {
      const changes = chunk.changes.filter((change) => !change.content.startsWith('\\'));
      const old = changes.filter((change) => change.type !== 'add');
      let leading = 0;
      while (leading < fuzz && old[leading]?.type === 'normal') leading += 1;
      let trailing = 0;
      while (trailing < fuzz && old[old.length - 1 - trailing]?.type === 'normal' && old.length - 1 - trailing >= leading) trailing += 1;
      const needle = old.slice(leading, old.length - trailing).map((change) => change.content.slice(1));
      if (!occursIn(lines, needle)) return { applies: false, reason: `hunk ${chunk.content.trim()} of ${oldPath} does not match the base commit` };
    }
  }
  return { applies: true };
}
