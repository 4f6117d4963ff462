// No commit after the base commit is reachable where a plugin or a candidate runs code: the generator's
// writable copy (a git repository on this machine), the instance sandbox (/testbed in Docker) and the
// read-only workspace. Agents have been seen running `git log --all` / `git show` to read the upstream fix;
// the fixture's history holds every fix after the base commit of the instance that asks for it.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError, PathOutsideRepositoryError, type SandboxSession } from '@codemonkeys/protocol';
import { describeWhenAvailable } from '@codemonkeys/protocol/testkit';
import { createInstanceSandboxProvider, createRepositoryCache, createWorkspaceProvider, type InstanceSandboxProvider, type RepositoryCache } from '../src/index';
import { runCommand, runGit } from '../src/git/run-git';
import { createFixtureRepository, fixtureEnvironmentSpec, type FixtureRepository } from '../src/testing/index';
import { dockerAvailability, openEvaluationSandbox, testLabel } from './support/evaluation-docker';

/** Runs a shell command in a repository (the copy's folder, or /testbed in a container). */
type Shell = (command: string) => Promise<{ exitCode: number | null; stdout: string }>;

interface History {
  /** `git log --all --format=%H` */
  logAll: string[];
  /** `git rev-list --all --reflog`: every commit a ref or a reflog reaches. */
  reachable: string[];
  /** Lines of `git fsck --lost-found --no-reflogs` (dangling or unreachable objects), and what it put in lost-found. */
  fsck: { exitCode: number | null; findings: string[]; lostFound: string[] };
  /** Commit objects in the object store, reachable or not (`git cat-file --batch-all-objects`). */
  storedCommits: string[];
  /** Every object id in the object store. */
  storedObjects: string[];
  /** The content of every object in the object store, concatenated. */
  storedContent: string;
  /** `git for-each-ref` */
  refs: string[];
  remotes: string;
  /** Blob ids of the index (`git ls-files --stage`). */
  indexed: string[];
}

const lines = (text: string): string[] => text.split('\n').filter((line) => line.trim() !== '');

async function historyOf(shell: Shell): Promise<History> {
  const run = async (command: string): Promise<string> => {
    const result = await shell(command);
    if (result.exitCode !== 0) throw new Error(`\`${command}\` exited with ${result.exitCode}:\n${result.stdout}`);
    return result.stdout;
  };
  const fsck = await shell('git fsck --lost-found --no-reflogs 2>&1');
  const objects = lines(await run('git cat-file --batch-all-objects --batch-check')).map((line) => line.split(' '));
  return {
    logAll: lines(await run('git log --all --format=%H')),
    reachable: lines(await run('git rev-list --all --reflog')),
    fsck: {
      exitCode: fsck.exitCode,
      findings: lines(fsck.stdout).filter((line) => /dangling|unreachable|missing/.test(line)),
      lostFound: lines(await run('find "$(git rev-parse --git-dir)/lost-found" -type f 2>/dev/null || true')),
    },
    storedCommits: objects.filter(([, type]) => type === 'commit').map(([id]) => id!),
    storedObjects: objects.map(([id]) => id!),
    storedContent: await run('git cat-file --batch-all-objects --batch'),
    refs: lines(await run("git for-each-ref --format='%(refname) %(objectname)'")),
    remotes: await run('git remote -v'),
    indexed: lines(await run('git ls-files --stage')).map((line) => line.split(' ')[1]!),
  };
}

/** What of the future a repository must not hold: the commits after the base, their messages and their new blobs. */
interface Future {
  commits: string[];
  messages: string[];
  /** Blobs of later commits that the base commit does not have. */
  blobs: string[];
}

let fixture: FixtureRepository;
let cacheDirectory: string;
let cache: RepositoryCache;
/** Every commit of the fixture's history, oldest first. */
let history: string[];

async function futureOf(base: string): Promise<Future> {
  const commits = history.slice(history.indexOf(base) + 1);
  expect(commits.length, 'the fixture has commits after the base').toBeGreaterThan(0);
  const blobsOf = async (commit: string): Promise<Set<string>> =>
    new Set(lines(await runGit(['ls-tree', '-r', commit], { cwd: fixture.root })).map((line) => line.split(/\s+/)[2]!));
  const baseBlobs = await blobsOf(base);
  const blobs = new Set<string>();
  for (const commit of commits) for (const blob of await blobsOf(commit)) if (!baseBlobs.has(blob)) blobs.add(blob);
  const messages = await Promise.all(commits.map(async (commit) => (await runGit(['log', '-1', '--format=%s', commit], { cwd: fixture.root })).trim()));
  return { commits, messages, blobs: [...blobs] };
}

/** Asserts that a repository's only commit is `only`, and that none of `future` can be reached, shown or read. */
async function expectNoFuture(shell: Shell, only: string, future: Future): Promise<History> {
  const found = await historyOf(shell);
  expect(found.logAll).toEqual([only]);
  expect(found.reachable).toEqual([only]);
  expect(found.storedCommits).toEqual([only]);
  expect(found.fsck).toEqual({ exitCode: 0, findings: [], lostFound: [] });
  expect(found.remotes).toBe('');
  for (const ref of found.refs) expect(ref.split(' ')[1]).toBe(only);
  for (const commit of future.commits) {
    expect((await shell(`git show ${commit}`)).exitCode, `git show ${commit}`).not.toBe(0);
    expect((await shell(`git cat-file -e ${commit}`)).exitCode, `git cat-file -e ${commit}`).not.toBe(0);
    expect(found.storedContent).not.toContain(commit);
  }
  for (const blob of future.blobs) {
    expect(found.storedObjects, `blob ${blob} of a later commit`).not.toContain(blob);
    expect(found.indexed, `blob ${blob} of a later commit in the index`).not.toContain(blob);
  }
  for (const message of future.messages) expect(found.storedContent).not.toContain(message);
  return found;
}

/** The index file of a copy names no later blob, not even in an extension (a copy of another commit keeps its index file). */
async function expectIndexFileHasNoFuture(root: string, future: Future): Promise<void> {
  const index = await fs.readFile(path.join(root, '.git', 'index'));
  for (const blob of future.blobs) expect(index.includes(Buffer.from(blob, 'hex')), `blob ${blob} of a later commit in .git/index`).toBe(false);
}

const hostShell =
  (root: string): Shell =>
  async (command) => {
    const result = await runCommand('sh', ['-c', command], { cwd: root, allowFailure: true });
    return { exitCode: result.exitCode, stdout: result.stdout.toString('utf8') };
  };

beforeAll(async () => {
  fixture = await createFixtureRepository({ instances: ['word-count', 'sentence-stats'] });
  history = lines(await runGit(['rev-list', '--reverse', 'main'], { cwd: fixture.root }));
  cacheDirectory = await fs.mkdtemp(path.join(os.tmpdir(), 'future-history-'));
  cache = createRepositoryCache({ directory: cacheDirectory, repositorySources: fixture.repositorySources, maxIdleWorktrees: 1 });
});

afterAll(async () => {
  await cache?.close();
  await fixture?.cleanup();
  if (cacheDirectory) await fs.rm(cacheDirectory, { recursive: true, force: true });
});

describe("the generator's writable copy", () => {
  it('is a repository whose only commit is the base commit: no later commit, ref, reflog, remote or object', async () => {
    const instance = fixture.instance('word-count');
    const future = await futureOf(instance.baseCommit);
    // The fix of this very instance is the next commit of the history.
    expect(future.messages[0]).toBe('Fix word-count (#1)');
    const provider = createWorkspaceProvider({ instances: fixture.instances, cache });
    const copy = await (await provider.workspace(instance.instanceId)).createWritableCopy();
    try {
      await expectNoFuture(hostShell(copy.root), instance.baseCommit, future);
      // Nothing in it leads to the mirror, which has the whole history.
      await expect(fs.access(path.join(copy.root, '.git', 'objects', 'info', 'alternates'))).rejects.toThrow(/ENOENT/);
      expect((await fs.stat(path.join(copy.root, '.git'))).isDirectory()).toBe(true);
      expect(await fs.readFile(path.join(copy.root, '.git', 'config'), 'utf8')).not.toContain(cacheDirectory);
      // No file of the copy names a later commit or the mirror (a FETCH_HEAD, packed-refs, a log).
      for (const file of await fs.readdir(copy.root, { recursive: true, withFileTypes: true })) {
        if (!file.isFile()) continue;
        const text = (await fs.readFile(path.join(file.parentPath, file.name))).toString('latin1');
        for (const commit of future.commits) expect(text.includes(commit), `${file.name} names ${commit}`).toBe(false);
        expect(text.includes(cacheDirectory), `${file.name} names the cache folder`).toBe(false);
      }
      // It still works as a writable copy: the diff is against the base commit, and reset goes back to it.
      await copy.applyPatch(instance.patch);
      expect(await copy.diff()).toBe(instance.patch);
      await copy.reset();
      expect(await copy.diff()).toBe('');
    } finally {
      await copy.dispose();
    }
  });

  it('stays so when the pool hands a copy of a later commit to an earlier one, and after a user wrote into its .git', async () => {
    const later = fixture.instance('sentence-stats');
    const earlier = fixture.instance('word-count');
    const provider = createWorkspaceProvider({ instances: fixture.instances, cache });
    const first = await (await provider.workspace(later.instanceId)).createWritableCopy();
    const laterFuture = await futureOf(later.baseCommit);
    await expectNoFuture(hostShell(first.root), later.baseCommit, laterFuture);
    await first.applyPatch(later.patch);
    expect(await first.diff()).not.toBe('');
    // What a user with a shell in the copy could leave for the next one: a commit, a branch, a stash and an alternate to the mirror.
    const shell = hostShell(first.root);
    const sneak = [
      'echo sneaky >> README.md && git -c user.name=u -c user.email=u@example.invalid commit -q -am sneaky',
      'git branch sneaky',
      `echo ${JSON.stringify(path.join(await cache.mirror(later.repo), 'objects'))} > .git/objects/info/alternates`,
    ];
    for (const command of sneak) expect((await shell(command)).exitCode, command).toBe(0);
    // The sneaking worked: a second commit, and the alternate reaches the whole history (here, the next fix).
    expect(lines((await shell('git log --all --format=%H')).stdout)).toHaveLength(2);
    expect((await shell(`git show --stat ${laterFuture.commits[0]}`)).exitCode).toBe(0);
    await first.dispose();

    // The later instance's base commit is the earlier instance's future.
    const earlierFuture = await futureOf(earlier.baseCommit);
    expect(earlierFuture.commits).toContain(later.baseCommit);
    const second = await (await provider.workspace(earlier.instanceId)).createWritableCopy();
    try {
      // The pooled folder, made anew for the other commit.
      expect(second.root).toBe(first.root);
      await expectNoFuture(hostShell(second.root), earlier.baseCommit, earlierFuture);
      await expectIndexFileHasNoFuture(second.root, earlierFuture);
      expect(await second.diff()).toBe('');
    } finally {
      await second.dispose();
    }
    // A copy of the same commit again, from the pool: the previous user's objects and refs are gone too.
    const third = await (await provider.workspace(earlier.instanceId)).createWritableCopy();
    try {
      const thirdShell = hostShell(third.root);
      for (const command of sneak) expect((await thirdShell(command)).exitCode, command).toBe(0);
      expect((await thirdShell(`git show --stat ${earlierFuture.commits[0]}`)).exitCode).toBe(0);
    } finally {
      await third.dispose();
    }
    const fourth = await (await provider.workspace(earlier.instanceId)).createWritableCopy();
    try {
      // The same folder, cleaned rather than made anew.
      expect(fourth.root).toBe(third.root);
      await expectNoFuture(hostShell(fourth.root), earlier.baseCommit, earlierFuture);
      // Its pack overwritten in place (same file names) by one of the mirror's whole history.
      const mirror = await cache.mirror(earlier.repo);
      const replacePack = [
        'pack=$(ls .git/objects/pack/*.pack) && chmod u+w "$pack" "${pack%.pack}.idx"',
        `git --git-dir=${JSON.stringify(mirror)} pack-objects --revs --all --stdout < /dev/null > ../full.pack`,
        'git index-pack -o ../full.idx ../full.pack',
        'cp ../full.pack "$pack" && cp ../full.idx "${pack%.pack}.idx" && rm ../full.pack ../full.idx',
      ].join(' && ');
      expect((await hostShell(fourth.root)(replacePack)).exitCode).toBe(0);
      expect((await hostShell(fourth.root)(`git show --stat ${earlierFuture.commits[0]}`)).exitCode).toBe(0);
    } finally {
      await fourth.dispose();
    }
    // A copy whose pack changed is not reused: the next one is made anew.
    const fifth = await (await provider.workspace(earlier.instanceId)).createWritableCopy();
    try {
      expect(fifth.root).not.toBe(fourth.root);
      await expectNoFuture(hostShell(fifth.root), earlier.baseCommit, earlierFuture);
      await expectIndexFileHasNoFuture(fifth.root, earlierFuture);
    } finally {
      await fifth.dispose();
    }
  });
});

describe('the read-only workspace', () => {
  it('reads the base commit only: no later file, commit, object id or path out of the tree', async () => {
    const instance = fixture.instance('word-count');
    const future = await futureOf(instance.baseCommit);
    const provider = createWorkspaceProvider({ instances: fixture.instances, cache });
    const workspace = await provider.workspace(instance.instanceId);
    expect(workspace.commit).toBe(instance.baseCommit);
    expect(await workspace.listFiles()).toEqual(lines(await runGit(['ls-tree', '-r', '--name-only', instance.baseCommit], { cwd: fixture.root })));
    expect(await workspace.readFile('textkit/words.py')).toBe(await fixture.fileAt(instance.baseCommit, 'textkit/words.py'));
    const notFound = (error: unknown): boolean => NotFoundError.isInstance(error);
    const outside = (error: unknown): boolean => PathOutsideRepositoryError.isInstance(error);
    // A file that only later commits have.
    await expect(workspace.readFile('textkit/stats.py')).rejects.toSatisfy(notFound);
    expect(await workspace.fileExists('textkit/stats.py')).toBe(false);
    // Object names instead of paths: a later commit's file, a later blob, a revision.
    const names = [
      `${future.commits[0]}:textkit/words.py`,
      `${future.commits.at(-1)}:textkit/stats.py`,
      ...future.blobs,
      'main:textkit/words.py',
      'HEAD:textkit/words.py',
      `${instance.baseCommit}:textkit/words.py`,
    ];
    for (const name of names) {
      await expect(workspace.readFile(name), name).rejects.toSatisfy((error: unknown) => notFound(error) || outside(error));
      expect(await workspace.fileExists(name).catch(() => false), name).toBe(false);
    }
    for (const name of ['../textkit/words.py', '../../mirrors/codemonkeys-fixtures__textkit.git/HEAD', '/etc/passwd', '.git/HEAD']) {
      await expect(workspace.readFile(name), name).rejects.toSatisfy((error: unknown) => notFound(error) || outside(error));
    }
  });
});

describeWhenAvailable('the instance sandbox in Docker', await dockerAvailability(), () => {
  let harness: Awaited<ReturnType<typeof openEvaluationSandbox>>;
  let provider: InstanceSandboxProvider;

  beforeAll(async () => {
    harness = await openEvaluationSandbox();
    provider = createInstanceSandboxProvider({ sandbox: harness.sandbox, repositoryCache: cache, specs: [fixtureEnvironmentSpec()], labels: { [testLabel.key]: testLabel.value } });
  }, 600_000);

  afterAll(async () => {
    await provider?.close();
    await harness?.finish();
  }, 120_000);

  const sessionShell =
    (session: SandboxSession): Shell =>
    async (command) => {
      const result = await session.exec(['sh', '-c', command], { timeoutMs: 60_000 });
      return { exitCode: result.exitCode, stdout: result.stdout };
    };

  it('holds /testbed as a repository of one commit, the base tree, and nothing of later commits', async () => {
    for (const instance of [fixture.instance('word-count'), fixture.instance('sentence-stats')]) {
      const future = await futureOf(instance.baseCommit);
      const baseTree = (await runGit(['rev-parse', `${instance.baseCommit}^{tree}`], { cwd: fixture.root })).trim();
      await provider.sandboxFor(instance).use(async (session) => {
        const shell = sessionShell(session);
        const head = (await shell('git rev-parse HEAD')).stdout.trim();
        expect(head).toMatch(/^[0-9a-f]{40}$/);
        // Its one commit has the base commit's tree: the files SWE-bench's checkout has.
        expect((await shell('git rev-parse HEAD^{tree}')).stdout.trim()).toBe(baseTree);
        expect((await shell('git rev-list --count --all')).stdout.trim()).toBe('1');
        await expectNoFuture(shell, head, future);
        // No file of the container names a later commit (e.g. a copied FETCH_HEAD or packed-refs).
        const grep = await shell(`grep -rlF -e ${future.commits.join(' -e ')} /testbed /root /tmp 2>/dev/null`);
        expect(grep.stdout).toBe('');
      });
    }
  }, 600_000);
});
