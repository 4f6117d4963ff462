import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { NotFoundError } from '@codemonkeys/protocol';
import { GitCommandError } from '../git/git-command-error';
import { runGit } from '../git/run-git';
import { createBaseCommitCopy, createBaseCommitTemplate, restoreBaseCommitCopy, type BaseCommitCopy, type BaseCommitTemplate } from './base-commit-copy';
import { GitObjectReader } from './git-object-reader';
import { KeyedMutex } from './keyed-mutex';
import { withMirrorLock, type MirrorLockOptions } from './mirror-lock';

export interface RepositoryCacheOptions {
  /**
   * Folder for the bare mirrors and the writable copies (`worktrees/`). Default: `<tmp>/codemonkeys-repositories`.
   * Processes of one machine share it safely: commands that change a mirror (clone, fetch, `worktree prune`)
   * run under a lock file beside the mirror (`mirrors/<owner>__<name>.git.lock`); copies only read it. Not for
   * several machines over a network filesystem (see the README).
   */
  directory?: string;
  /**
   * Where to clone each repository from (`owner/name` → URL or local path of a clone). Repositories not
   * listed come from `https://github.com/<owner/name>.git`.
   */
  repositorySources?: Readonly<Record<string, string>>;
  /**
   * Idle writable copies kept per repository for reuse (default 4), the least recently given back dropped
   * first. A copy is reused as it is (cleaned) for its own commit, and rebuilt for another.
   */
  maxIdleWorktrees?: number;
  /** Fetch from the source when a commit is missing from the mirror (default true). */
  fetchMissingCommits?: boolean;
  /**
   * A mirror lock whose holder died without releasing it (SIGKILL, out of memory) is taken over after this
   * long (default 20 000 ms, minimum 2 000). Holders refresh the lock every half of it, so it must exceed
   * the longest time this process's event loop may be blocked.
   */
  lockStaleMs?: number;
  /** How long to wait for a mirror lock another process holds before failing (default 30 minutes: a first clone of a large repository holds it for minutes). */
  lockTimeoutMs?: number;
}

/**
 * A private checkout of a commit; give it back with `release()`. It is a repository of its own whose only
 * commit is `commit` (fetched from the mirror with depth 1, keeping its hash): no other commit, ref, remote,
 * reflog, alternate or object is in it, so nothing run there (`git log --all`, `git show`) reaches a later
 * commit such as the upstream fix. A lease starts pristine: HEAD detached at `commit`, no changes to tracked
 * files, nothing staged, no untracked or ignored files, and `.git` as fetched (a new copy, or a pooled one of
 * the same commit brought back to that on release). Callers may rely on this and skip their own reset
 * before a first edit.
 */
export interface WorktreeLease {
  readonly repo: string;
  readonly commit: string;
  /** Absolute path of the checkout. */
  readonly root: string;
  /** Cleans the checkout and returns it to the pool (or removes it). */
  release(): Promise<void>;
}

export interface ArchiveOptions {
  /** Only these paths (files or folders) of the commit. */
  paths?: readonly string[];
  /** Prefix every entry, e.g. `testbed/`. */
  prefix?: string;
}

/**
 * Bare mirrors of repositories (each cloned once, from a URL or a local path), private copies of one
 * commit each (pooled and cleaned), blob reads without checkout, and `git archive` streams.
 */
export interface RepositoryCache {
  readonly directory: string;
  /** The URL or path a repository is cloned from. */
  sourceOf(repo: string): string;
  /** The bare mirror of a repository, cloned on first use. */
  mirror(repo: string): Promise<string>;
  /** The full hash of a commit of the repository, fetched from the source when missing. A full hash found once is not looked up again until the next fetch. */
  resolveCommit(repo: string, revision: string): Promise<string>;
  /** Every regular file of a commit (path → mode), sorted by path. Symlinks are listed apart. */
  listTree(repo: string, commit: string): Promise<{ files: Map<string, string>; symlinks: Map<string, string> }>;
  /** A blob of a commit, or undefined when the path is not a file there. */
  readBlob(repo: string, commit: string, path: string): Promise<Buffer | undefined>;
  /** A private copy of `commit` alone, from the pool when one is idle; pristine either way (see WorktreeLease). */
  checkout(repo: string, commit: string): Promise<WorktreeLease>;
  /** A tar stream of the commit's files (`git archive`), e.g. to put into a container. */
  archive(repo: string, commit: string, options?: ArchiveOptions): AsyncIterable<Uint8Array>;
  /** Removes this cache's writable copies and stops its git processes. Mirrors stay for the next run. */
  close(): Promise<void>;
}

const repoPattern = /^[\w.-]+\/[\w.-]+$/;
/** Templates of copies (see BaseCommitTemplate) kept per repository, the least recently used dropped first. */
const templatesPerRepository = 4;
const fullHashPattern = /^[0-9a-f]{40}$/i;
const exists = (file: string): Promise<boolean> =>
  fs.access(file).then(
    () => true,
    () => false,
  );
const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

export function createRepositoryCache(options: RepositoryCacheOptions = {}): RepositoryCache {
  const directory = path.resolve(options.directory ?? path.join(os.tmpdir(), 'codemonkeys-repositories'));
  const mirrorsDirectory = path.join(directory, 'mirrors');
  // Each cache instance keeps its copies in a folder named after its process, so that a crashed
  // process's leftovers can be recognised (dead pid) and removed by the next one.
  const sessionName = `${process.pid}-${randomUUID().slice(0, 8)}`;
  const worktreesDirectory = path.join(directory, 'worktrees', sessionName);
  const maxIdle = options.maxIdleWorktrees ?? 4;
  const fetchMissing = options.fetchMissingCommits ?? true;
  const lockOptions: MirrorLockOptions = {
    staleMs: Math.max(options.lockStaleMs ?? 20_000, 2_000),
    ...(options.lockTimeoutMs !== undefined ? { timeoutMs: options.lockTimeoutMs } : {}),
  };
  // In-process order, always: the repository's queue (pool bookkeeping), then the mirror lock.
  const locked = <T>(gitDirectory: string, task: () => Promise<T>): Promise<T> => withMirrorLock(gitDirectory, lockOptions, task);
  const repositoryLocks = new KeyedMutex();
  const mirrors = new Map<string, Promise<string>>();
  const readers = new Map<string, GitObjectReader>();
  const trees = new Map<string, Promise<{ files: Map<string, string>; symlinks: Map<string, string> }>>();
  /** Per repository, idle copies, the least recently given back first. */
  const idle = new Map<string, BaseCommitCopy[]>();
  /** Per repository, templates of copies, the least recently used first; `users` are copying from one now. */
  const templates = new Map<string, { commit: string; root: string; template: Promise<BaseCommitTemplate>; users: number }[]>();
  /** Per repository, full hashes of commits found in its mirror (see resolveCommit). */
  const verified = new Map<string, Set<string>>();
  let reaped: Promise<void> | undefined;
  let closed = false;

  const sourceOf = (repo: string): string => {
    const source = options.repositorySources?.[repo];
    if (source) return /^[a-z][\w+.-]*:\/\//i.test(source) || source.startsWith('git@') ? source : path.resolve(source);
    return `https://github.com/${repo}.git`;
  };
  const assertRepo = (repo: string): void => {
    if (!repoPattern.test(repo)) throw new NotFoundError(`"${repo}" is not a repository name; expected "owner/name".`);
    if (closed) throw new Error('The repository cache is closed.');
  };

  const reapLeftovers = async (): Promise<void> => {
    const parent = path.join(directory, 'worktrees');
    await fs.mkdir(parent, { recursive: true });
    for (const entry of await fs.readdir(parent)) {
      const pid = Number(entry.split('-')[0]);
      // Several processes may reap the same leftovers at once; one that fails here leaves them to the next.
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !isAlive(pid))
        await fs.rm(path.join(parent, entry), { recursive: true, force: true, maxRetries: 2 }).catch(() => undefined);
    }
  };

  const mirror = (repo: string): Promise<string> => {
    assertRepo(repo);
    let pending = mirrors.get(repo);
    if (!pending) {
      pending = (async () => {
        reaped ??= reapLeftovers();
        await reaped;
        const target = path.join(mirrorsDirectory, `${repo.replace('/', '__')}.git`);
        await fs.mkdir(mirrorsDirectory, { recursive: true });
        await locked(target, async () => {
          if (!(await exists(path.join(target, 'HEAD')))) {
            // Clone beside the target and rename: a process killed while cloning leaves no half-written
            // mirror behind, only a temporary folder, which the next clone (holding the lock) removes.
            for (const entry of await fs.readdir(mirrorsDirectory)) {
              if (entry.startsWith(`${path.basename(target)}.`) && entry.endsWith('.tmp')) await fs.rm(path.join(mirrorsDirectory, entry), { recursive: true, force: true });
            }
            const temporary = `${target}.${sessionName}.tmp`;
            await runGit(['clone', '--mirror', '--quiet', sourceOf(repo), temporary], {
              cwd: mirrorsDirectory,
              hint: `Check that ${sourceOf(repo)} is reachable, or map "${repo}" to a local clone with repositorySources.`,
            });
            await fs.rename(temporary, target);
          }
          // Registrations of worktrees whose folders are gone: writable copies were worktrees of the mirror
          // before they became repositories of their own, and a cache folder may hold an older version's.
          await runGit(['worktree', 'prune'], { cwd: target, env: { GIT_DIR: target } });
        });
        await overrideExportAttributes(target);
        return target;
      })();
      pending.catch(() => mirrors.delete(repo));
      mirrors.set(repo, pending);
    }
    return pending;
  };

  const git = async (repo: string, args: readonly string[]): Promise<string> => {
    const gitDirectory = await mirror(repo);
    return runGit(['--git-dir', gitDirectory, ...args], { cwd: gitDirectory });
  };

  const resolveCommit = async (repo: string, revision: string): Promise<string> => {
    const gitDirectory = await mirror(repo);
    // A full hash names the same commit forever, so one that was found once is not looked up again (each
    // `rev-parse` is a process spawn that blocks the event loop). Names that move (branches, tags, short
    // hashes) are always looked up. Only garbage collection after a fetch can drop a commit from the
    // mirror, so a fetch forgets what was verified.
    const known = verified.get(repo);
    if (known && fullHashPattern.test(revision) && known.has(revision.toLowerCase())) return revision.toLowerCase();
    const lookup = async (): Promise<string | undefined> => {
      const commits = verified.get(repo) ?? new Set<string>();
      if (!verified.has(repo)) verified.set(repo, commits);
      try {
        const found = (await runGit(['--git-dir', gitDirectory, 'rev-parse', '--verify', '--quiet', `${revision}^{commit}`], { cwd: gitDirectory })).trim();
        // Not remembered when a fetch started meanwhile (it replaced the set): the answer may predate it.
        if (found && verified.get(repo) === commits) commits.add(found);
        return found;
      } catch {
        return undefined;
      }
    };
    const found = await lookup();
    if (found) return found;
    if (fetchMissing) {
      await repositoryLocks.run(repo, () =>
        locked(gitDirectory, async () => {
          // Another process may have fetched it while this one waited for the lock.
          if (await lookup()) return;
          verified.set(repo, new Set());
          await runGit(['--git-dir', gitDirectory, 'remote', 'set-url', 'origin', sourceOf(repo)], { cwd: gitDirectory });
          await runGit(['--git-dir', gitDirectory, 'fetch', '--quiet', '--prune', 'origin'], { cwd: gitDirectory, allowFailure: true });
          if (!(await lookup()) && fullHashPattern.test(revision)) {
            await runGit(['--git-dir', gitDirectory, 'fetch', '--quiet', 'origin', revision], { cwd: gitDirectory, allowFailure: true });
          }
        }),
      );
      const fetched = await lookup();
      if (fetched) return fetched;
    }
    throw new NotFoundError(`Commit ${revision} is not in ${repo} (source: ${sourceOf(repo)}). Check the instance's base_commit and the repository source.`);
  };

  const listTree = (repo: string, commit: string): Promise<{ files: Map<string, string>; symlinks: Map<string, string> }> => {
    const key = `${repo}@${commit}`;
    let pending = trees.get(key);
    if (!pending) {
      pending = (async () => {
        const resolved = await resolveCommit(repo, commit);
        const output = await git(repo, ['ls-tree', '-r', '-z', '--full-tree', resolved]);
        const files = new Map<string, string>();
        const symlinks = new Map<string, string>();
        for (const entry of output.split('\0')) {
          const tab = entry.indexOf('\t');
          if (tab === -1) continue;
          const [mode, type] = entry.slice(0, tab).split(' ');
          const filePath = entry.slice(tab + 1);
          if (type !== 'blob') continue; // submodules (commit entries) have no content here
          (mode === '120000' ? symlinks : files).set(filePath, mode!);
        }
        return { files: new Map([...files].sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0))), symlinks };
      })();
      pending.catch(() => trees.delete(key));
      trees.set(key, pending);
    }
    return pending;
  };

  const readBlob = async (repo: string, commit: string, filePath: string): Promise<Buffer | undefined> => {
    const gitDirectory = await mirror(repo);
    let reader = readers.get(repo);
    if (!reader) {
      reader = new GitObjectReader(gitDirectory);
      readers.set(repo, reader);
    }
    return reader.read(`${commit}:${filePath}`);
  };

  /**
   * Runs `task` with the template of a commit, made on first use by fetching the commit alone from the
   * mirror (the mirror is only read, as archive and readBlob do, so no mirror lock: copies are made in
   * parallel, by several processes too). Later copies of the commit copy the template's `.git` instead.
   */
  const withTemplate = async <T>(repo: string, gitDirectory: string, commit: string, task: (template: BaseCommitTemplate) => Promise<T>): Promise<T> => {
    const list = templates.get(repo) ?? [];
    templates.set(repo, list);
    let entry = list.find((candidate) => candidate.commit === commit);
    if (entry) {
      list.splice(list.indexOf(entry), 1);
    } else {
      const root = path.join(worktreesDirectory, 'templates', repo.replace('/', '__'), commit);
      const template = fs.rm(root, { recursive: true, force: true }).then(() => createBaseCommitTemplate({ mirror: gitDirectory, commit, root }));
      const created = { commit, root, template, users: 0 };
      template.catch(() => {
        if (list.includes(created)) list.splice(list.indexOf(created), 1);
      });
      entry = created;
    }
    list.push(entry);
    entry.users++;
    try {
      return await task(await entry.template);
    } finally {
      entry.users--;
      for (let index = 0; list.length > templatesPerRepository && index < list.length;) {
        const candidate = list[index]!;
        if (candidate.users > 0) {
          index++;
          continue;
        }
        list.splice(index, 1);
        await fs.rm(candidate.root, { recursive: true, force: true });
      }
    }
  };

  const checkout = async (repo: string, commit: string): Promise<WorktreeLease> => {
    const resolved = await resolveCommit(repo, commit);
    const gitDirectory = await mirror(repo);
    const taken = await repositoryLocks.run(repo, async (): Promise<{ reused: BaseCommitCopy } | { location: string }> => {
      const pool = idle.get(repo) ?? [];
      const same = pool.findLastIndex((copy) => copy.commit === resolved);
      if (same !== -1) return { reused: pool.splice(same, 1)[0]! };
      // A copy of another commit gets a new .git (nothing of the other commit may stay: it may be this one's
      // future) and keeps its clean working files, so that only those that differ are written.
      const other = pool.shift();
      if (other) return { location: other.root };
      // Unique across processes: the session folder holds this process's pid (unique among live processes
      // of the machine) and a random part.
      return { location: path.join(worktreesDirectory, repo.replace('/', '__'), randomUUID().slice(0, 12)) };
    });
    let copy: BaseCommitCopy;
    if ('reused' in taken) {
      copy = taken.reused;
    } else {
      const { location } = taken;
      try {
        copy = await withTemplate(repo, gitDirectory, resolved, (template) => createBaseCommitCopy({ template, root: location }));
      } catch (error) {
        await fs.rm(location, { recursive: true, force: true });
        throw error;
      }
    }
    const root = copy.root;
    let released = false;
    return {
      repo,
      commit: resolved,
      root,
      async release() {
        if (released) return;
        released = true;
        const restored = !closed && maxIdle > 0 && (await restoreBaseCommitCopy(copy));
        const removed = await repositoryLocks.run(repo, async () => {
          if (!restored || closed) return [copy];
          const pool = idle.get(repo) ?? [];
          pool.push(copy);
          idle.set(repo, pool);
          return pool.splice(0, Math.max(0, pool.length - maxIdle));
        });
        for (const dropped of removed) await fs.rm(dropped.root, { recursive: true, force: true });
      },
    };
  };

  async function* archive(repo: string, commit: string, archiveOptions: ArchiveOptions = {}): AsyncIterable<Uint8Array> {
    const resolved = await resolveCommit(repo, commit);
    const gitDirectory = await mirror(repo);
    const args = [
      '--git-dir',
      gitDirectory,
      'archive',
      '--format=tar',
      ...(archiveOptions.prefix ? [`--prefix=${archiveOptions.prefix}`] : []),
      resolved,
      ...(archiveOptions.paths ? ['--', ...archiveOptions.paths] : []),
    ];
    const child = spawn('git', args, { cwd: gitDirectory, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' } });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const exit = new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    try {
      for await (const chunk of child.stdout) yield chunk as Uint8Array;
      const code = await exit;
      if (code !== 0) throw new GitCommandError({ command: ['git', ...args], cwd: gitDirectory, exitCode: code, stderr });
    } finally {
      if (child.exitCode === null) child.kill();
    }
  }

  return {
    directory,
    sourceOf,
    mirror,
    resolveCommit,
    listTree,
    readBlob,
    checkout,
    archive,
    async close() {
      if (closed) return;
      closed = true;
      for (const reader of readers.values()) reader.close();
      readers.clear();
      idle.clear();
      templates.clear();
      // Copies still leased go too: they are folders of this session, and nothing in a mirror refers to them.
      await fs.rm(worktreesDirectory, { recursive: true, force: true });
    },
  };
}

/**
 * `git archive` honours `export-ignore` (leaves files out) and `export-subst` (expands `$Format:…$`) from
 * `.gitattributes`, so a container would see other files than SWE-bench's checkout of the same commit.
 * `info/attributes` of the mirror overrides every `.gitattributes` of the repository. Written on every
 * open (mirrors cloned before this existed get it too), through a rename: concurrent processes write the
 * same content.
 */
async function overrideExportAttributes(gitDirectory: string): Promise<void> {
  const file = path.join(gitDirectory, 'info', 'attributes');
  if ((await fs.readFile(file, 'utf8').catch(() => undefined)) === exportAttributesOverride) return;
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${randomUUID()}.tmp`;
  await fs.writeFile(temporary, exportAttributesOverride);
  await fs.rename(temporary, file);
}

const exportAttributesOverride = '# codemonkeys: archives hold every file of the commit, as a checkout does.\n* -export-ignore -export-subst\n';
