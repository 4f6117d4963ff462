import path from 'node:path';
import { PathOutsideRepositoryError } from '../errors/data-errors';

/**
 * Normalizes a path relative to a repository root to POSIX form (`src/a.py`) and refuses anything that
 * could leave the repository: absolute paths, `..` escapes, NUL bytes, home-relative paths, and `.git`
 * internals.
 */
export function normalizeRepositoryPath(input: string): string {
  if (typeof input !== 'string' || input.trim() === '') throw new PathOutsideRepositoryError({ path: String(input), reason: 'the path is empty' });
  if (input.includes('\0')) throw new PathOutsideRepositoryError({ path: input, reason: 'the path contains a NUL byte' });
  const slashed = input.replace(/\\/g, '/');
  if (slashed.startsWith('/') || /^[a-zA-Z]:\//.test(slashed) || slashed.startsWith('~')) {
    throw new PathOutsideRepositoryError({ path: input, reason: 'absolute paths are not allowed' });
  }
  const normalized = path.posix.normalize(slashed).replace(/\/+$/, '');
  if (normalized === '.' || normalized === '') throw new PathOutsideRepositoryError({ path: input, reason: 'the path names the repository root, not a file' });
  if (normalized === '..' || normalized.startsWith('../')) throw new PathOutsideRepositoryError({ path: input });
  if (normalized === '.git' || normalized.startsWith('.git/')) {
    throw new PathOutsideRepositoryError({ path: input, reason: 'git internals are not part of the repository contents' });
  }
  return normalized;
}

/** The absolute location of a repository path under `root`, after {@link normalizeRepositoryPath}. */
export function resolveRepositoryPath(root: string, input: string): string {
  const relative = normalizeRepositoryPath(input);
  const absolute = path.resolve(root, relative);
  const rootWithSeparator = path.resolve(root) + path.sep;
  if (!absolute.startsWith(rootWithSeparator)) throw new PathOutsideRepositoryError({ path: input });
  return absolute;
}
