import fs from 'node:fs/promises';
import path from 'node:path';
import { normalizeRepositoryPath, PathOutsideRepositoryError } from '@codemonkeys/protocol';
import type { FileDiff } from './file-diff';
import { parseUnifiedDiff } from './parse-unified-diff';

const symlinkMode = '120000';

function isInside(root: string, candidate: string): boolean {
  return candidate === root || candidate.startsWith(root + path.sep);
}

/**
 * The real location of `relative` under `root`: the deepest existing ancestor (or the file itself) is
 * resolved through symlinks, the rest appended. A symlink inside the repository that points outside it
 * makes the result leave `root`.
 */
export async function realRepositoryLocation(root: string, relative: string): Promise<string> {
  const parts = relative.split('/');
  for (let count = parts.length; count >= 0; count--) {
    const candidate = path.join(root, ...parts.slice(0, count));
    try {
      const real = await fs.realpath(candidate);
      return path.join(real, ...parts.slice(count));
    } catch {
      // does not exist yet: try its parent
    }
  }
  return path.join(root, relative);
}

/**
 * Refuses a diff that would write outside `root`: absolute or `..` paths, `.git` internals, paths
 * that pass through a symlink leading out of the repository, and new symlinks pointing out of it.
 * Throws PathOutsideRepositoryError; returns the parsed files otherwise.
 */
export async function assertPatchStaysInRepository(root: string, diff: string | readonly FileDiff[]): Promise<FileDiff[]> {
  const files = typeof diff === 'string' ? parseUnifiedDiff(diff) : [...diff];
  const realRoot = await fs.realpath(root);
  for (const file of files) {
    for (const candidate of [file.oldPath, file.newPath]) {
      if (candidate === null) continue;
      const relative = normalizeRepositoryPath(candidate);
      const real = await realRepositoryLocation(realRoot, relative);
      if (!isInside(realRoot, real)) {
        throw new PathOutsideRepositoryError({ path: candidate, reason: `it resolves through a symbolic link to ${real}, outside the repository` });
      }
    }
    if (file.newMode === symlinkMode && file.newPath !== null) {
      const target = file.hunks
        .flatMap((hunk) => hunk.lines)
        .filter((line) => line.kind === 'added')
        .map((line) => line.content)
        .join('');
      const resolved = path.resolve(path.join(realRoot, path.dirname(normalizeRepositoryPath(file.newPath))), target);
      if (path.isAbsolute(target) || !isInside(realRoot, resolved)) {
        throw new PathOutsideRepositoryError({ path: file.newPath, reason: `it would become a symbolic link to "${target}", outside the repository` });
      }
    }
  }
  return files;
}
