import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError } from '@codemonkeys/protocol';
import { createRepositoryCache, createWorkspaceProvider, type RepositoryCache } from '../src/index';
import { createFixtureRepository, recordGitCalls, type FixtureRepository, type GitCallRecorder } from '../src/testing/index';

// Every git process is a spawn that blocks the event loop of the process running the cache; these tests
// pin how many a workspace and its writable copies start, and that fewer processes change no result.

let fixture: FixtureRepository;
let directory: string;
let recorder: GitCallRecorder;
const caches: RepositoryCache[] = [];
const newCache = (options: Parameters<typeof createRepositoryCache>[0] = {}): RepositoryCache => {
  const cache = createRepositoryCache({ directory, repositorySources: fixture.repositorySources, ...options });
  caches.push(cache);
  return cache;
};
const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.org',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.org',
    },
  }).trim();

beforeAll(async () => {
  fixture = await createFixtureRepository({ instances: ['word-count', 'sentence-stats'] });
  directory = await fs.mkdtemp(path.join(os.tmpdir(), 'swebench-git-processes-'));
  recorder = await recordGitCalls();
});
afterEach(async () => {
  for (const cache of caches.splice(0)) await cache.close();
});
afterAll(async () => {
  await recorder.restore();
  await fixture.cleanup();
  await fs.rm(directory, { recursive: true, force: true });
});

describe('resolving commits', () => {
  it('looks a full hash up once; names that move (HEAD, branches) every time', async () => {
    const cache = newCache();
    const commit = fixture.instance('word-count').baseCommit;
    await cache.mirror(fixture.repo);
    await recorder.clear();
    expect(await cache.resolveCommit(fixture.repo, commit)).toBe(commit);
    expect(await cache.resolveCommit(fixture.repo, commit)).toBe(commit);
    expect(await cache.resolveCommit(fixture.repo, commit.toUpperCase())).toBe(commit);
    expect(await recorder.count('rev-parse')).toBe(1);
    const head = await cache.resolveCommit(fixture.repo, 'HEAD');
    expect(await cache.resolveCommit(fixture.repo, 'HEAD')).toBe(head);
    expect(await recorder.count('rev-parse')).toBe(3);
    // The hash a moving name resolved to is a verified commit too.
    expect(await cache.resolveCommit(fixture.repo, head)).toBe(head);
    expect(await recorder.count('rev-parse')).toBe(3);
  });

  it('still refuses a commit that is not in the repository, every time', async () => {
    const cache = newCache({ fetchMissingCommits: false });
    const missing = 'f'.repeat(40);
    await expect(cache.resolveCommit(fixture.repo, missing)).rejects.toSatisfy((error: unknown) => NotFoundError.isInstance(error));
    await expect(cache.resolveCommit(fixture.repo, missing)).rejects.toSatisfy((error: unknown) => NotFoundError.isInstance(error));
  });

  it('forgets verified commits when it fetches: a commit dropped upstream and collected from the mirror is not found', async () => {
    const source = await fs.mkdtemp(path.join(os.tmpdir(), 'swebench-rewritten-'));
    try {
      git(source, 'init', '--quiet', '--initial-branch=main');
      await fs.writeFile(path.join(source, 'a.txt'), 'one\n');
      git(source, 'add', 'a.txt');
      git(source, 'commit', '--quiet', '-m', 'one');
      const first = git(source, 'rev-parse', 'HEAD');
      await fs.writeFile(path.join(source, 'a.txt'), 'two\n');
      git(source, 'commit', '--quiet', '-am', 'two');
      const dropped = git(source, 'rev-parse', 'HEAD');
      const cache = newCache({ repositorySources: { 'local/rewritten': source } });
      expect(await cache.resolveCommit('local/rewritten', dropped)).toBe(dropped);

      // Upstream rewrites its history: `dropped` is no longer on any branch.
      git(source, 'reset', '--quiet', '--hard', first);
      await fs.writeFile(path.join(source, 'a.txt'), 'three\n');
      git(source, 'commit', '--quiet', '-am', 'three');
      const replacement = git(source, 'rev-parse', 'HEAD');
      git(source, 'reflog', 'expire', '--expire=now', '--all');
      git(source, 'gc', '--quiet', '--prune=now');
      // Missing from the mirror: fetched (with --prune), after which garbage collection drops `dropped`.
      expect(await cache.resolveCommit('local/rewritten', replacement)).toBe(replacement);
      const mirror = await cache.mirror('local/rewritten');
      git(mirror, 'gc', '--quiet', '--prune=now');
      expect(() => git(mirror, 'cat-file', '-e', `${dropped}^{commit}`)).toThrow();

      await expect(cache.resolveCommit('local/rewritten', dropped)).rejects.toSatisfy((error: unknown) => NotFoundError.isInstance(error));
      expect(await cache.resolveCommit('local/rewritten', replacement)).toBe(replacement);
    } finally {
      await fs.rm(source, { recursive: true, force: true });
    }
  });
});

describe('writable copies', () => {
  it('start one git process each after the workspace is open (reset --hard), the first of a commit two more (its template: init, fetch of the commit alone), and their diff two', async () => {
    const cache = newCache({ maxIdleWorktrees: 0 });
    const provider = createWorkspaceProvider({ instances: fixture.instances, cache });
    const workspace = await provider.workspace(fixture.instances[0]!.instanceId);
    await recorder.clear();
    const copies = await Promise.all([workspace.createWritableCopy(), workspace.createWritableCopy(), workspace.createWritableCopy()]);
    expect((await recorder.calls()).sort()).toEqual(['fetch', 'init', 'reset', 'reset', 'reset']);
    await recorder.clear();
    expect(await copies[0]!.diff()).toBe('');
    expect(await recorder.calls()).toEqual(['add', 'diff']);
    // Without a pool, giving a copy back only removes its folder; the next copy of the commit is one reset again.
    await recorder.clear();
    for (const copy of copies) await copy.dispose();
    expect(await recorder.calls()).toEqual([]);
    const again = await workspace.createWritableCopy();
    expect(await recorder.calls()).toEqual(['reset']);
    await again.dispose();
  });

  it('of a commit that was leased before come out of the pool with no git process, cleaned by two when given back', async () => {
    const cache = newCache({ maxIdleWorktrees: 1 });
    const provider = createWorkspaceProvider({ instances: fixture.instances, cache });
    const workspace = await provider.workspace(fixture.instances[0]!.instanceId);
    const first = await workspace.createWritableCopy();
    await first.applyPatch(fixture.instances[0]!.patch);
    expect(await first.diff()).not.toBe('');
    await recorder.clear();
    await first.dispose();
    expect(await recorder.calls()).toEqual(['reset', 'clean']);
    await recorder.clear();
    const second = await workspace.createWritableCopy();
    expect(await recorder.calls()).toEqual([]);
    expect(second.root).toBe(first.root);
    expect(await second.diff()).toBe('');
    await second.dispose();
  });

  it('come out of the pool at the commit asked for with nothing left of the previous user', async () => {
    const cache = newCache({ maxIdleWorktrees: 1 });
    const [first, second] = fixture.instances;
    const lease = await cache.checkout(fixture.repo, first!.baseCommit);
    const root = lease.root;
    // Every kind of leftover: a changed tracked file, a deleted one, a staged new file, an untracked file in
    // a new folder, and an ignored one (a .gitignore that is itself untracked).
    await fs.writeFile(path.join(root, 'textkit/words.py'), 'changed\n');
    await fs.rm(path.join(root, 'textkit/__init__.py'));
    await fs.writeFile(path.join(root, 'staged.txt'), 'staged\n');
    git(root, 'add', 'staged.txt');
    await fs.mkdir(path.join(root, 'new-folder'));
    await fs.writeFile(path.join(root, 'new-folder/untracked.py'), 'x = 1\n');
    await fs.writeFile(path.join(root, '.gitignore'), '*.pyc\n');
    await fs.writeFile(path.join(root, 'textkit/words.pyc'), 'compiled\n');
    expect(git(root, 'status', '--porcelain', '--ignored', '--untracked-files=all')).toContain('!! textkit/words.pyc');
    await lease.release();

    for (const commit of [first!.baseCommit, second!.baseCommit]) {
      const reused = await cache.checkout(fixture.repo, commit);
      expect(reused.root).toBe(root);
      expect(git(reused.root, 'rev-parse', 'HEAD')).toBe(commit);
      expect(git(reused.root, 'status', '--porcelain', '--ignored', '--untracked-files=all')).toBe('');
      await fs.writeFile(path.join(reused.root, 'leftover.txt'), 'from the previous user\n');
      await reused.release();
    }
  });
});
