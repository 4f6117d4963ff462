import fs from 'node:fs/promises';
import path from 'node:path';
import { CodemonkeysError } from '@codemonkeys/protocol';
import { KeyedMutex } from './keyed-mutex';

export interface MirrorLockOptions {
  /**
   * A lock whose holder stopped refreshing it (a process killed with SIGKILL, a lost machine) is taken
   * over after this long. The holder refreshes the lock file's mtime every `staleMs / 2`, so this must
   * exceed the longest time a holder's event loop may be blocked. Minimum 2 000 (proper-lockfile's floor).
   */
  staleMs: number;
  /** How long to wait for a lock held by another process before giving up (default 30 minutes). */
  timeoutMs?: number;
}

/** The lock of a bare mirror could not be taken in time, or broke while held. */
export class RepositoryLockError extends CodemonkeysError {
  static override readonly errorName: string = 'RepositoryLockError';
  readonly lockPath: string;

  constructor(options: { lockPath: string; reason: string; cause?: unknown }) {
    super(
      `Could not lock ${options.lockPath}: ${options.reason}. Another process using the same repository cache folder holds it ` +
        `(a clone or fetch of a large repository can take minutes). If no such process is running, remove ${options.lockPath}; ` +
        'otherwise raise lockTimeoutMs or give each run its own cache folder.',
      { cause: options.cause },
    );
    this.lockPath = options.lockPath;
  }
}

/** The lock file of a mirror: a folder (proper-lockfile creates it with an atomic `mkdir`) beside it. */
export const mirrorLockPath = (mirror: string): string => `${mirror}.lock`;

const defaultTimeoutMs = 30 * 60_000;
/**
 * proper-lockfile polls: a waiter retries with exponential backoff (with jitter, so that waiters do not
 * retry in step) from a few milliseconds, for the short git commands that hold a lock most of the time,
 * up to a quarter second, for clones.
 */
const backoff = { factor: 1.5, minTimeout: 5, maxTimeout: 250, randomize: true } as const;
/** Retries whose waits (before jitter, which only lengthens them) add up to at least `timeoutMs`. */
function retriesFor(timeoutMs: number): number {
  let total = 0;
  let retries = 0;
  while (total < timeoutMs) {
    total += Math.min(backoff.maxTimeout, backoff.minTimeout * backoff.factor ** retries);
    retries++;
  }
  return retries;
}

/**
 * Takes the cross-process lock of a mirror and returns its release. Use `withMirrorLock`, which also
 * serialises the callers of this process in front of the file (cheaper than polling it, and
 * proper-lockfile is not re-entrant within a process).
 */
export async function lockMirror(mirror: string, options: MirrorLockOptions): Promise<() => Promise<void>> {
  const lockPath = mirrorLockPath(mirror);
  // Loaded on first use: proper-lockfile hooks process exit and signals (to remove held locks) when it is
  // imported, which users of this package who never lock a mirror (grading, datasets) need not get.
  const { default: lockfile } = await import('proper-lockfile');
  await fs.mkdir(path.dirname(lockPath), { recursive: true });
  let compromised: Error | undefined;
  try {
    const release = await lockfile.lock(mirror, {
      lockfilePath: lockPath,
      // The mirror may not exist yet (the lock guards its clone), so its path is taken as it is.
      realpath: false,
      stale: options.staleMs,
      retries: { retries: retriesFor(options.timeoutMs ?? defaultTimeoutMs), ...backoff },
      // By default proper-lockfile throws from a timer, which would end the process. A lock is compromised
      // when this process could not refresh it for `staleMs` (a blocked event loop) and another process
      // may have taken it over: the command it guarded has run by then, so say so at release instead.
      onCompromised: (error) => {
        compromised = error;
      },
    });
    return async () => {
      if (compromised)
        throw new RepositoryLockError({
          lockPath,
          reason: `the lock was lost while held (${compromised.message}); a concurrent process may have changed the mirror meanwhile`,
          cause: compromised,
        });
      await release().catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ERELEASED') throw error;
      });
    };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') {
      const waitedMs = options.timeoutMs ?? defaultTimeoutMs;
      throw new RepositoryLockError({ lockPath, reason: `still held after ${waitedMs < 10_000 ? `${waitedMs} ms` : `${Math.round(waitedMs / 1000)} s`}`, cause: error });
    }
    throw error;
  }
}

/** One queue per lock file for the whole process, so that several caches over one folder wait in memory. */
const processQueues = new KeyedMutex();

/**
 * Runs `task` holding the lock of `mirror`, for commands that change the mirror's shared state: clone,
 * fetch, `worktree add` / `remove` / `prune`. Callers of this process queue in memory first; only the
 * head of the queue takes (or waits for) the file lock, and holds it only while `task` runs.
 */
export function withMirrorLock<T>(mirror: string, options: MirrorLockOptions, task: () => Promise<T>): Promise<T> {
  return processQueues.run(mirrorLockPath(mirror), async () => {
    const release = await lockMirror(mirror, options);
    let result: T;
    try {
      result = await task();
    } catch (error) {
      await release().catch(() => undefined); // the task's error says more
      throw error;
    }
    await release();
    return result;
  });
}
