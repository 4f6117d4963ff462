import path from 'node:path';
import {
  normalizeRepositoryPath,
  NotFoundError,
  PathOutsideRepositoryError,
  UnsupportedCapabilityError,
  type OutlineEntry,
  type Workspace,
  type WorkspaceCapabilities,
  type WritableWorkspace,
} from '@codemonkeys/protocol';
import { outlinePython } from '../outline/python-outline';
import { isPythonPath } from '../outline/python-parser';
import { skeletonPython, type SkeletonOptions } from '../outline/python-skeleton';
import type { RepositoryCache } from './repository-cache';
import { createWritableRepositoryCopy } from './writable-repository-copy';

export interface RepositoryWorkspaceOptions {
  instanceId: string;
  repo: string;
  /** The commit the workspace shows (an instance's base commit). */
  commit: string;
  cache: RepositoryCache;
  skeleton?: SkeletonOptions;
}

/** A read-only Workspace that also exposes where it comes from. */
export interface RepositoryWorkspace extends Workspace {
  readonly repo: string;
  /** Full hash of the commit shown. */
  readonly commit: string;
  /** The skeleton with, per line, the source line it shows (0 for `...`). */
  skeletonWithLines(path: string): Promise<{ text: string; sourceLines: number[] }>;
}

const maxSymlinkHops = 8;

/**
 * The repository of an instance at one commit, read straight from the bare mirror (no checkout):
 * listing comes from the commit's tree, reads from git's object store. Symlinks are followed only
 * while they stay inside the repository. `outline` and `skeleton` parse Python with tree-sitter;
 * other files raise UnsupportedCapabilityError. Writable copies are private repositories holding the commit
 * alone (see WorktreeLease).
 */
export async function openRepositoryWorkspace(options: RepositoryWorkspaceOptions): Promise<RepositoryWorkspace> {
  const { cache, repo, instanceId } = options;
  const commit = await cache.resolveCommit(repo, options.commit);
  const tree = () => cache.listTree(repo, commit);

  /** The path of the regular file that `input` names, following in-repository symlinks. */
  const resolveFile = async (input: string): Promise<string | undefined> => {
    let current = normalizeRepositoryPath(input);
    const { files, symlinks } = await tree();
    for (let hop = 0; hop <= maxSymlinkHops; hop++) {
      if (files.has(current)) return current;
      // A symlinked folder along the path: replace the prefix by its target.
      const parts = current.split('/');
      let replaced = false;
      for (let length = parts.length; length >= 1; length--) {
        const prefix = parts.slice(0, length).join('/');
        if (!symlinks.has(prefix)) continue;
        const target = (await cache.readBlob(repo, commit, prefix))?.toString('utf8') ?? '';
        const joined = path.posix.normalize(path.posix.join(path.posix.dirname(prefix), target, ...parts.slice(length)));
        if (target.startsWith('/') || joined === '..' || joined.startsWith('../')) {
          throw new PathOutsideRepositoryError({ path: input, reason: `"${prefix}" is a symbolic link to "${target}", outside the repository` });
        }
        current = normalizeRepositoryPath(joined);
        replaced = true;
        break;
      }
      if (!replaced) return undefined;
    }
    throw new PathOutsideRepositoryError({ path: input, reason: 'too many levels of symbolic links' });
  };

  const readFile = async (input: string): Promise<string> => {
    const file = await resolveFile(input);
    const content = file === undefined ? undefined : await cache.readBlob(repo, commit, file);
    if (content === undefined) throw new NotFoundError(`File "${input}" does not exist in ${repo} at ${commit.slice(0, 12)} (instance ${instanceId}).`);
    return content.toString('utf8');
  };

  const requirePython = (input: string, capability: 'outline' | 'skeleton'): void => {
    if (!isPythonPath(input)) {
      throw new UnsupportedCapabilityError({
        capability: `${capability} of "${input}"`,
        provider: 'The repository workspace',
        hint: 'Outlines and skeletons are parsed for Python files (.py, .pyi); read other files with readFile().',
      });
    }
  };

  const capabilities: WorkspaceCapabilities = { outline: true, writableCopy: true };
  return {
    specificationVersion: 'v1',
    instanceId,
    repo,
    commit,
    capabilities,
    async listFiles() {
      return [...(await tree()).files.keys()];
    },
    readFile,
    async fileExists(input) {
      return (await resolveFile(input)) !== undefined;
    },
    async outline(input): Promise<OutlineEntry[]> {
      requirePython(input, 'outline');
      return outlinePython(await readFile(input));
    },
    async skeleton(input) {
      requirePython(input, 'skeleton');
      return (await skeletonPython(await readFile(input), options.skeleton)).text;
    },
    async skeletonWithLines(input) {
      requirePython(input, 'skeleton');
      return skeletonPython(await readFile(input), options.skeleton);
    },
    async createWritableCopy(): Promise<WritableWorkspace> {
      return createWritableRepositoryCopy({ instanceId, lease: await cache.checkout(repo, commit) });
    },
  };
}
