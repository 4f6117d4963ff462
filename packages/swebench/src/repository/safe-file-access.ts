import fs from 'node:fs/promises';
import path from 'node:path';
import { NotFoundError, PathOutsideRepositoryError, resolveRepositoryPath } from '@codemonkeys/protocol';
import { realRepositoryLocation } from '../diff/patch-path-safety';

const isInside = (root: string, candidate: string): boolean => candidate === root || candidate.startsWith(root + path.sep);

/**
 * The absolute path of a repository file after every check: no absolute or `..` paths, no `.git`,
 * and no symlink (anywhere along the path, or the file itself) that leads out of the repository.
 * `realRoot` must be the root's realpath.
 */
export async function safeRepositoryFile(realRoot: string, input: string): Promise<string> {
  const absolute = resolveRepositoryPath(realRoot, input);
  const relative = path.relative(realRoot, absolute).split(path.sep).join('/');
  const real = await realRepositoryLocation(realRoot, relative);
  if (!isInside(realRoot, real)) {
    throw new PathOutsideRepositoryError({ path: input, reason: `it resolves through a symbolic link to ${real}, outside the repository` });
  }
  return absolute;
}

/** Reads a repository file as UTF-8 text, refusing unsafe paths; NotFoundError names the instance. */
export async function readRepositoryFile(realRoot: string, input: string, instanceId: string): Promise<string> {
  const absolute = await safeRepositoryFile(realRoot, input);
  try {
    return await fs.readFile(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') {
      throw new NotFoundError(`File "${input}" does not exist in the repository of ${instanceId}${code === 'EISDIR' ? ' (it is a directory)' : ''}.`);
    }
    throw error;
  }
}

export async function repositoryFileExists(realRoot: string, input: string): Promise<boolean> {
  try {
    const absolute = await safeRepositoryFile(realRoot, input);
    return (await fs.stat(absolute)).isFile();
  } catch (error) {
    if (PathOutsideRepositoryError.isInstance(error)) throw error;
    return false;
  }
}
