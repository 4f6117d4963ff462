// Several processes sharing one repository cache folder, as two `codemonkeys worker`s (or a `codemonkeys
// run` beside a worker) on one machine do. Real child processes, real git, the fixture repository.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRepositoryCache } from '../src/index';
import { runGit } from '../src/git/run-git';
import { createFixtureRepository, type FixtureRepository } from '../src/testing/index';

const packageRoot = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const workerScript = path.join(packageRoot, 'test', 'support', 'cache-lock-worker.ts');
const mirrorName = 'codemonkeys-fixtures__textkit.git';

interface WorkerEvent {
  workerId: number;
  event: 'progress' | 'done' | 'locked';
  checked?: number;
  errors?: string[] | number;
  worktreeRoots?: string[];
  mirror?: string;
}

interface Worker {
  child: ChildProcess;
  events: WorkerEvent[];
  /** Resolves with the exit code (or signal) and stderr when the process ends. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  /** Resolves with the first event of a kind. */
  next(kind: WorkerEvent['event']): Promise<WorkerEvent>;
}

let fixture: FixtureRepository;
let commits: { commit: string; blobs: Record<string, string> }[];
const directories: string[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  fixture = await createFixtureRepository({ instances: ['word-count', 'sentence-stats', 'wrap-hang'] });
  const hashes = (await runGit(['rev-list', '--all'], { cwd: fixture.root })).trim().split('\n');
  commits = [];
  for (const commit of hashes) {
    const blobs: Record<string, string> = {};
    for (const entry of (await runGit(['ls-tree', '-r', '-z', commit], { cwd: fixture.root })).split('\0').filter(Boolean)) {
      const [meta, file] = entry.split('\t') as [string, string];
      blobs[file] = meta.split(' ')[2]!;
    }
    commits.push({ commit, blobs });
  }
}, 60_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await fixture?.cleanup();
  for (const directory of directories) await fs.rm(directory, { recursive: true, force: true });
});

const cacheDirectory = async (): Promise<string> => {
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'swebench-shared-cache-'));
  directories.push(directory);
  return directory;
};

function startWorker(configuration: {
  mode: 'lease' | 'hold';
  directory: string;
  workerId: number;
  rounds?: number;
  leasesPerRound?: number;
  maxIdleWorktrees?: number;
  lockStaleMs?: number;
  lockTimeoutMs?: number;
}): Worker {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', workerScript, JSON.stringify({ rounds: 1, leasesPerRound: 1, maxIdleWorktrees: 1, ...configuration, repo: fixture.repo, source: fixture.root, commits })],
    { cwd: packageRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  const events: WorkerEvent[] = [];
  const waiting: { kind: WorkerEvent['event']; resolve: (event: WorkerEvent) => void }[] = [];
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    let newline: number;
    while ((newline = buffered.indexOf('\n')) !== -1) {
      const event = JSON.parse(buffered.slice(0, newline)) as WorkerEvent;
      buffered = buffered.slice(newline + 1);
      events.push(event);
      for (const waiter of waiting.filter((candidate) => candidate.kind === event.event)) {
        waiting.splice(waiting.indexOf(waiter), 1);
        waiter.resolve(event);
      }
    }
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stderr })),
  );
  return {
    child,
    events,
    exited,
    next(kind) {
      const seen = events.find((event) => event.event === kind);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiting.push({ kind, resolve });
        void exited.then(({ code, signal, stderr: output }) => reject(new Error(`worker ${configuration.workerId} ended (${code ?? signal}) before "${kind}":\n${output}`)));
      });
    },
  };
}

/** The final report of a worker that must finish cleanly. */
async function finished(worker: Worker): Promise<WorkerEvent & { checked: number; errors: string[]; worktreeRoots: string[] }> {
  const { code, stderr } = await worker.exited;
  const done = worker.events.find((event) => event.event === 'done');
  expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
  expect(done).toBeDefined();
  return done as WorkerEvent & { checked: number; errors: string[]; worktreeRoots: string[] };
}

/** The mirror's registered worktrees other than the mirror itself. */
async function registeredWorktrees(directory: string): Promise<string[]> {
  const mirror = path.join(directory, 'mirrors', mirrorName);
  const listing = await runGit(['--git-dir', mirror, 'worktree', 'list', '--porcelain'], { cwd: mirror });
  return listing
    .split('\n')
    .filter((line) => line.startsWith('worktree ') && !line.endsWith(mirrorName))
    .map((line) => line.slice('worktree '.length));
}

describe('a repository cache folder shared by several processes', () => {
  it('serves concurrent worktrees of one mirror to three processes without git errors, each at the right commit with the right files', async () => {
    const directory = await cacheDirectory();
    const rounds = 12;
    const leasesPerRound = 4;
    // Without a pool every lease adds and removes a worktree; with one, reused worktrees are checked out again.
    const workers = [0, 1, 2].map((workerId) => startWorker({ mode: 'lease', directory, workerId, rounds, leasesPerRound, maxIdleWorktrees: workerId === 0 ? 1 : 0 }));
    const reports = [];
    for (const worker of workers) reports.push(await finished(worker));
    for (const report of reports) {
      expect(report.errors).toEqual([]);
      expect(report.checked).toBe(rounds * leasesPerRound);
    }
    // Worktree folders are private to a process: no two processes ever used the same one.
    const owners = new Map<string, number>();
    for (const report of reports) {
      for (const root of report.worktreeRoots) {
        expect(owners.get(root) ?? report.workerId, `${root} used by two processes`).toBe(report.workerId);
        owners.set(root, report.workerId);
      }
    }
    // Everything was given back: no registered worktree, no session folder, no lock left behind.
    expect(await registeredWorktrees(directory)).toEqual([]);
    expect(await fs.readdir(path.join(directory, 'worktrees'))).toEqual([]);
    expect(await fs.readdir(path.join(directory, 'mirrors'))).toEqual([mirrorName]);
  }, 180_000);

  it('recovers from processes killed with SIGKILL, one of them holding the mirror lock: the others go on once the lock is stale', async () => {
    const directory = await cacheDirectory();
    const lockStaleMs = 2_000;
    // Were the dead holder's lock never taken over, the survivors would report RepositoryLockError after this.
    const lockTimeoutMs = 60_000;
    const holder = startWorker({ mode: 'hold', directory, workerId: 9, lockStaleMs });
    const { mirror } = await holder.next('locked');
    holder.child.kill('SIGKILL');
    expect((await holder.exited).signal).toBe('SIGKILL');
    // The dead holder left its lock behind: nothing but staleness can free it.
    expect((await fs.stat(`${mirror}.lock`)).isDirectory()).toBe(true);

    const victim = startWorker({ mode: 'lease', directory, workerId: 3, rounds: 50, leasesPerRound: 3, lockStaleMs, lockTimeoutMs });
    const survivors = [0, 1].map((workerId) => startWorker({ mode: 'lease', directory, workerId, rounds: 4, leasesPerRound: 3, lockStaleMs, lockTimeoutMs }));
    // Killed in the middle of its work: it leaves worktrees, their registrations and perhaps the lock.
    await victim.next('progress');
    victim.child.kill('SIGKILL');
    expect((await victim.exited).signal).toBe('SIGKILL');
    for (const survivor of survivors) {
      const report = await finished(survivor);
      expect(report.errors).toEqual([]);
      expect(report.checked).toBe(4 * 3);
    }

    // The next cache to open the mirror removes the dead processes' worktrees and registrations.
    const cache = createRepositoryCache({ directory, repositorySources: fixture.repositorySources, lockStaleMs });
    const lease = await cache.checkout(fixture.repo, commits[0]!.commit);
    expect(await fs.readFile(path.join(lease.root, 'textkit/words.py'), 'utf8')).toBe(await fixture.fileAt(commits[0]!.commit, 'textkit/words.py'));
    await lease.release();
    await cache.close();
    expect(await registeredWorktrees(directory)).toEqual([]);
    expect(await fs.readdir(path.join(directory, 'worktrees'))).toEqual([]);
    await expect(fs.stat(`${mirror}.lock`)).rejects.toThrow(/ENOENT/);
  }, 180_000);
});
