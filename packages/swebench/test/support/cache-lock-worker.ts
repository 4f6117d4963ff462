// A child process of repository-cache-processes.test.ts, run with `node --import tsx`. It shares one cache
// folder with other processes and repeatedly leases worktrees of the same fixture repository at several
// commits, checking every file of every lease against the commit's tree. It writes one JSON line per
// event to stdout: `{ "event": "progress", ... }` after each round and `{ "event": "done", ... }` at the end.
//
// Modes (argv[2] is the JSON configuration):
// - `lease`: rounds of `leasesPerRound` concurrent leases, each round with a fresh cache (so that opening
//   and closing, which prune the mirror's worktree list, race with the other processes' adds and removes).
// - `hold`: takes the lock of the repository's mirror, as the cache does, says `{ "event": "locked" }` and
//   waits to be killed.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { createRepositoryCache } from '../../src/index';

interface WorkerConfiguration {
  mode: 'lease' | 'hold';
  directory: string;
  repo: string;
  source: string;
  /** Each commit with its files (path → git blob id). */
  commits: { commit: string; blobs: Record<string, string> }[];
  workerId: number;
  rounds: number;
  leasesPerRound: number;
  /** Idle worktrees each cache keeps (0: every lease adds and removes a worktree). */
  maxIdleWorktrees: number;
  lockStaleMs?: number;
  lockTimeoutMs?: number;
}

const configuration = JSON.parse(process.argv[2]!) as WorkerConfiguration;
const emit = (event: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify({ workerId: configuration.workerId, ...event })}\n`);

/** git's blob id of a file's content (`git hash-object`), computed here so that checking needs no git process. */
const blobId = (content: Buffer): string => createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');

async function filesOf(root: string, relative = ''): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of await fs.readdir(path.join(root, relative), { withFileTypes: true })) {
    const entryPath = relative ? `${relative}/${entry.name}` : entry.name;
    if (entryPath === '.git') continue; // the worktree's link to the mirror
    if (entry.isDirectory()) for (const [file, id] of await filesOf(root, entryPath)) files.set(file, id);
    else files.set(entryPath, blobId(await fs.readFile(path.join(root, entryPath))));
  }
  return files;
}

/** Differences between a checkout and the commit's tree, as readable lines (none when they agree). */
function differences(actual: Map<string, string>, expected: Record<string, string>): string[] {
  const problems: string[] = [];
  for (const [file, id] of Object.entries(expected)) {
    if (!actual.has(file)) problems.push(`missing ${file}`);
    else if (actual.get(file) !== id) problems.push(`wrong content of ${file}`);
  }
  for (const file of actual.keys()) if (!(file in expected)) problems.push(`unexpected ${file}`);
  return problems;
}

async function lease(): Promise<void> {
  const errors: string[] = [];
  let checked = 0;
  const roots = new Set<string>();
  for (let round = 0; round < configuration.rounds; round++) {
    const cache = createRepositoryCache({
      directory: configuration.directory,
      repositorySources: { [configuration.repo]: configuration.source },
      maxIdleWorktrees: configuration.maxIdleWorktrees,
      ...(configuration.lockStaleMs ? { lockStaleMs: configuration.lockStaleMs } : {}),
      ...(configuration.lockTimeoutMs ? { lockTimeoutMs: configuration.lockTimeoutMs } : {}),
    });
    try {
      await Promise.all(
        Array.from({ length: configuration.leasesPerRound }, async (_, index) => {
          const target = configuration.commits[(configuration.workerId + round + index) % configuration.commits.length]!;
          try {
            const worktree = await cache.checkout(configuration.repo, target.commit);
            roots.add(worktree.root);
            try {
              if (worktree.commit !== target.commit) errors.push(`lease of ${target.commit} reports commit ${worktree.commit}`);
              const problems = differences(await filesOf(worktree.root), target.blobs);
              if (problems.length > 0) errors.push(`checkout of ${target.commit} at ${worktree.root}: ${problems.join(', ')}`);
              checked++;
              // Dirty it as a user of a writable copy would: the pool must clean it before the next lease.
              await fs.writeFile(path.join(worktree.root, `scratch-${configuration.workerId}.txt`), 'scratch\n');
              await fs.appendFile(path.join(worktree.root, Object.keys(target.blobs)[0]!), '# edited\n');
            } finally {
              await worktree.release();
            }
          } catch (error) {
            errors.push(error instanceof Error ? error.message : String(error));
          }
        }),
      );
    } finally {
      await cache.close().catch((error: unknown) => errors.push(`close: ${error instanceof Error ? error.message : String(error)}`));
    }
    emit({ event: 'progress', round, checked, errors: errors.length });
  }
  emit({ event: 'done', checked, errors, worktreeRoots: [...roots] });
}

async function hold(): Promise<void> {
  const { lockMirror } = await import('../../src/repository/mirror-lock');
  const cache = createRepositoryCache({ directory: configuration.directory, repositorySources: { [configuration.repo]: configuration.source } });
  const mirror = await cache.mirror(configuration.repo);
  await lockMirror(mirror, { staleMs: configuration.lockStaleMs ?? 2_000 });
  emit({ event: 'locked', mirror });
  // Keep the lock (and its refreshes) until the test kills this process with SIGKILL.
  setInterval(() => undefined, 60_000);
}

await (configuration.mode === 'hold' ? hold() : lease());
