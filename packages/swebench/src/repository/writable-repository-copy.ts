import fs from 'node:fs/promises';
import path from 'node:path';
import { NotFoundError, PathOutsideRepositoryError, type WritableWorkspace } from '@codemonkeys/protocol';
import { applyPatch } from '../diff/apply-patch';
import { runGit } from '../git/run-git';
import type { WorktreeLease } from './repository-cache';
import { readRepositoryFile, repositoryFileExists, safeRepositoryFile } from './safe-file-access';

/**
 * A private repository at the base commit that a generator edits, whose only commit is the base commit
 * (see WorktreeLease: no later commit is reachable from it). Its `diff()` is git's own diff of everything
 * (new files included) against the base commit, in the format SWE-bench predictions use.
 */
export async function createWritableRepositoryCopy(options: { instanceId: string; lease: WorktreeLease }): Promise<WritableWorkspace> {
  const { lease, instanceId } = options;
  const root = await fs.realpath(lease.root);
  let disposed = false;
  const assertOpen = (): void => {
    if (disposed) throw new Error(`The writable copy of ${instanceId} was disposed; create a new one.`);
  };
  return {
    instanceId,
    root,
    async listFiles() {
      assertOpen();
      const output = await runGit(['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root });
      const listed = output.split('\0').filter((entry) => entry !== '');
      // Deleted but still in the index: leave out.
      const present: string[] = [];
      for (const entry of listed) if (await repositoryFileExists(root, entry).catch(() => false)) present.push(entry);
      return [...new Set(present)].sort();
    },
    async readFile(input) {
      assertOpen();
      return readRepositoryFile(root, input, instanceId);
    },
    async fileExists(input) {
      assertOpen();
      return repositoryFileExists(root, input);
    },
    async writeFile(input, content) {
      assertOpen();
      const absolute = await safeRepositoryFile(root, input);
      const stat = await fs.lstat(absolute).catch(() => undefined);
      if (stat?.isSymbolicLink()) throw new PathOutsideRepositoryError({ path: input, reason: 'it is a symbolic link; write to the file it points to instead' });
      await fs.mkdir(path.dirname(absolute), { recursive: true });
      await fs.writeFile(absolute, content);
    },
    async deleteFile(input) {
      assertOpen();
      const absolute = await safeRepositoryFile(root, input);
      try {
        await fs.unlink(absolute);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`File "${input}" does not exist in the writable copy of ${instanceId}.`);
        throw error;
      }
    },
    async applyPatch(diff) {
      assertOpen();
      await applyPatch(root, diff);
    },
    async diff() {
      assertOpen();
      // Intent-to-add makes new files part of `git diff` without staging their content.
      await runGit(['add', '--all', '--intent-to-add'], { cwd: root });
      return runGit(['diff', '--no-color', '--no-ext-diff', '--no-renames', '--src-prefix=a/', '--dst-prefix=b/', lease.commit], { cwd: root });
    },
    async reset() {
      assertOpen();
      await runGit(['reset', '--quiet', '--hard', lease.commit], { cwd: root });
      await runGit(['clean', '-ffdxq'], { cwd: root });
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await lease.release();
    },
  };
}
