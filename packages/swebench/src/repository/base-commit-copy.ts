import fs from 'node:fs/promises';
import path from 'node:path';
import { runGit } from '../git/run-git';

/**
 * What `.git` of a fresh copy held, entry by entry, so that a used copy can be brought back to exactly
 * that. Files written again on every restore (`HEAD`, `config`, `shallow`) or by `reset --hard` (the
 * index, `ORIG_HEAD`) carry no stamp; every other file (the one pack and its index) must be the one
 * copied in: same inode and size. Not the modification time: git touches a pack whenever it writes an
 * object the pack already has (`git add`, a commit), which users of a copy do.
 */
interface Entry {
  kind: 'file' | 'directory';
  stamp?: string;
}

/**
 * The `.git` of a repository that holds one commit of a mirror and nothing else, never checked out nor
 * handed to anyone: copies of that commit are made from it without asking the mirror again.
 */
export interface BaseCommitTemplate {
  readonly commit: string;
  /** The template's `.git` folder. */
  readonly gitDirectory: string;
}

/** A private repository whose only commit is `commit`, checked out (see `createBaseCommitCopy`). */
export interface BaseCommitCopy {
  readonly root: string;
  readonly commit: string;
  /** `.git` of the fresh copy: relative paths (`/`-separated) → entry. */
  readonly entries: ReadonlyMap<string, Entry>;
  /** Content of `.git/config`, written again on every restore. */
  readonly config: string;
}

/**
 * Appended to what `git init` wrote (its probes of the filesystem): no reflog may keep a commit that a
 * reset left, no automatic gc may run in a copy, and the checkout has the blobs' bytes (as SWE-bench's has).
 */
const copyConfig = '[core]\n\tlogAllRefUpdates = false\n\tautocrlf = false\n[gc]\n\tauto = 0\n';
const unstamped = new Set(['HEAD', 'config', 'shallow', 'index', 'ORIG_HEAD']);

const stampOf = (stat: { ino: number; size: number }): string => `${stat.ino}:${stat.size}`;

async function snapshot(gitDirectory: string, relative = '', entries = new Map<string, Entry>()): Promise<Map<string, Entry>> {
  for (const entry of await fs.readdir(path.join(gitDirectory, relative), { withFileTypes: true })) {
    const name = relative ? `${relative}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      entries.set(name, { kind: 'directory' });
      await snapshot(gitDirectory, name, entries);
    } else if (entry.isFile()) {
      entries.set(name, unstamped.has(name) ? { kind: 'file' } : { kind: 'file', stamp: stampOf(await fs.lstat(path.join(gitDirectory, name))) });
    } else {
      throw new Error(`Unexpected ${name} in the new repository ${gitDirectory}.`);
    }
  }
  return entries;
}

/**
 * Fetches the one commit `commit` of the bare mirror into a new repository at `root` (not checked out):
 * with depth 1, so the commit keeps its real hash and `.git/shallow` stands for its parents; with no
 * remote (the mirror's path is given on the command line, never stored), ref, reflog, FETCH_HEAD or
 * alternate. The mirror is only read. Its pack is built without a delta search (`pack.window=0`: the
 * mirror's own deltas are reused where their bases come along), 2–3× faster than git's default for a
 * sympy-sized tree and about the same size, and kept whole (`fetch.unpackLimit=1`), so a copy's objects
 * are one pack file whose stamp tells whether anyone changed it.
 */
export async function createBaseCommitTemplate(options: { mirror: string; commit: string; root: string }): Promise<BaseCommitTemplate> {
  const { mirror, commit, root } = options;
  await fs.mkdir(root, { recursive: true });
  // No template: no sample hooks, no description, no info/exclude.
  await runGit(['-c', 'init.defaultBranch=base', 'init', '--quiet', '--template=', root], { cwd: root });
  const gitDirectory = path.join(root, '.git');
  await fs.appendFile(path.join(gitDirectory, 'config'), copyConfig);
  await runGit(
    [
      '-c',
      'protocol.version=2',
      '-c',
      'fetch.unpackLimit=1',
      'fetch',
      '--quiet',
      '--depth=1',
      '--no-tags',
      '--no-write-fetch-head',
      '--no-recurse-submodules',
      '--upload-pack=git -c pack.window=0 upload-pack',
      mirror,
      commit,
    ],
    { cwd: root, hint: `Fetching ${commit} from the mirror ${mirror} into a writable copy.` },
  );
  await fs.writeFile(path.join(gitDirectory, 'HEAD'), `${commit}\n`);
  return { commit, gitDirectory };
}

/**
 * A private repository at `root` holding the template's commit alone, checked out with HEAD detached at
 * it: `git log --all` there shows the commit alone, and nothing that is run in it can read a later commit
 * (an upstream fix) or any other. `.git` is copied from the template. When `root` holds a pooled copy of
 * another commit (restored: clean at its commit), its working files and index are kept, so that only
 * the files that differ are written; everything else of its `.git` goes, and the index is rewritten for
 * the new commit by `reset --hard`.
 */
export async function createBaseCommitCopy(options: { template: BaseCommitTemplate; root: string }): Promise<BaseCommitCopy> {
  const { template, root } = options;
  const gitDirectory = path.join(root, '.git');
  const previousIndex = path.join(root, '.git-index-of-another-commit');
  const reused = await fs.rename(path.join(gitDirectory, 'index'), previousIndex).then(
    () => true,
    () => false,
  );
  await fs.rm(gitDirectory, { recursive: true, force: true });
  await fs.mkdir(root, { recursive: true });
  await fs.cp(template.gitDirectory, gitDirectory, { recursive: true });
  if (reused) await fs.rename(previousIndex, path.join(gitDirectory, 'index'));
  await runGit(['reset', '--quiet', '--hard', template.commit], { cwd: root });
  return { root, commit: template.commit, config: await fs.readFile(path.join(gitDirectory, 'config'), 'utf8'), entries: await snapshot(gitDirectory) };
}

/**
 * Brings a used copy back to what `createBaseCommitCopy` made: everything in `.git` that was not there is
 * removed (objects and refs a user made, a stash, hooks, an alternate that would lead to the mirror),
 * HEAD, config and shallow are written again, then tracked files are reset and every untracked or
 * ignored file (nested repositories too) is removed. Returns false when the copy cannot be trusted any
 * more (its pack or a folder of `.git` was replaced, or git failed): remove it and make a new one.
 */
export async function restoreBaseCommitCopy(copy: BaseCommitCopy): Promise<boolean> {
  const gitDirectory = path.join(copy.root, '.git');
  const prune = async (relative: string): Promise<boolean> => {
    for (const entry of await fs.readdir(path.join(gitDirectory, relative), { withFileTypes: true })) {
      const name = relative ? `${relative}/${entry.name}` : entry.name;
      const absolute = path.join(gitDirectory, name);
      const expected = copy.entries.get(name);
      if (!expected) {
        await fs.rm(absolute, { recursive: true, force: true });
        continue;
      }
      if (expected.kind === 'directory') {
        if (!entry.isDirectory() || !(await prune(name))) return false;
      } else if (!entry.isFile() || (expected.stamp !== undefined && stampOf(await fs.lstat(absolute)) !== expected.stamp)) {
        return false;
      }
    }
    return true;
  };
  try {
    if (!(await fs.lstat(gitDirectory)).isDirectory() || !(await prune(''))) return false;
    for (const [name, entry] of copy.entries) {
      if (entry.stamp !== undefined && !(await fs.lstat(path.join(gitDirectory, name)).catch(() => undefined))) return false;
    }
    await fs.writeFile(path.join(gitDirectory, 'HEAD'), `${copy.commit}\n`);
    await fs.writeFile(path.join(gitDirectory, 'config'), copy.config);
    // A root commit has no parents to cut, so its copy has no shallow file.
    if (copy.entries.has('shallow')) await fs.writeFile(path.join(gitDirectory, 'shallow'), `${copy.commit}\n`);
    await runGit(['reset', '--quiet', '--hard', copy.commit], { cwd: copy.root });
    await runGit(['clean', '-ffdxq'], { cwd: copy.root });
    return true;
  } catch {
    return false;
  }
}
