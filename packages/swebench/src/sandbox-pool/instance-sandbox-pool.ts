import { z } from 'zod';
import { SandboxError, parseWithSchema, type ExecResult, type InstanceSandbox, type Sandbox, type SandboxSession, type SandboxSpec } from '@codemonkeys/protocol';
import { listProcessesCommand, resetWorkdirCommand, snapshotWorkdirCommand } from './workdir-snapshot';

export const InstanceSandboxPoolSettingsSchema = z.object({
  /** Sessions (containers) the pool keeps at most; `use` calls beyond wait for one to come back. */
  maxSessions: z.number().int().positive().default(1),
  /** Directories emptied at every reset, besides the workdir which is restored. */
  scratchDirectories: z.array(z.string().startsWith('/')).default(['/tmp', '/var/tmp']),
  /** Where the snapshot lives inside the sandbox (outside the workdir). */
  snapshotDirectory: z.string().startsWith('/').default('/var/lib/codemonkeys-sandbox/snapshot'),
  /**
   * Make the workdir a git repository whose HEAD is the prepared state when `prepare` left none (as
   * /testbed is in SWE-bench images), so `git apply`, `git diff` and `git status` work inside.
   */
  createRepository: z.boolean().default(true),
  /** Time limit of the snapshot after prepare, and of each reset. */
  snapshotTimeoutMs: z.number().int().positive().default(600_000),
  resetTimeoutMs: z.number().int().positive().default(120_000),
  /**
   * Every session serves one use and is closed after it: no snapshot after prepare, no reset (what a pool
   * that lends once needs: fresh isolation, an instance evaluated once). Needs `createRepository: false`
   * (the snapshot is what makes that repository).
   */
  singleUse: z.boolean().default(false),
});
export type InstanceSandboxPoolSettings = z.input<typeof InstanceSandboxPoolSettingsSchema>;

export interface InstanceSandboxPoolOptions extends InstanceSandboxPoolSettings {
  instanceId: string;
  sandbox: Sandbox;
  /** The session every use starts from: image, workdir, limits. */
  spec: SandboxSpec;
  /**
   * Fills a new session's workdir, e.g. streams `git archive` of the base commit into it with
   * `session.putArchive`. Runs once per session; what it leaves in the workdir is what every use sees.
   */
  prepare?: (session: SandboxSession) => Promise<void>;
}

export interface InstanceSandboxPoolStatistics {
  /** Sessions opened and prepared (the first of each, plus replacements). */
  sessionsOpened: number;
  /** Resets that restored a used session. */
  resets: number;
  /** Used sessions that could not be reset and were replaced by fresh ones. */
  replacements: number;
  /** `use` calls that completed (whatever the callback returned or threw). */
  uses: number;
  /** Why the last replaced session could not be reset. */
  lastResetFailure?: string;
}

/** An InstanceSandbox that reuses a few sessions for every use, resetting each to the prepared state. */
export interface InstanceSandboxPool extends InstanceSandbox {
  readonly statistics: Readonly<InstanceSandboxPoolStatistics>;
  /** Closes every session, including lent ones (their commands fail); later `use` calls are refused. */
  close(): Promise<void>;
}

interface PooledSession {
  session: SandboxSession;
  snapshotCommit: string;
  keepProcessIds: string[];
  /** The reset started when the session came back (false: it cannot be reset); undefined when fresh. */
  reset?: Promise<boolean>;
}

const describeFailure = (result: ExecResult): string => (result.timedOut ? 'timed out' : `exited with ${result.exitCode}: ${(result.stderr || result.stdout).trim().slice(-2000)}`);

/**
 * The pool an experiment runner creates per instance: `use(fn)` lends a session whose workdir is exactly
 * what `prepare` produced (tracked, untracked and ignored files; the workdir's `.git`), with the scratch
 * directories empty and no process left from a previous use. One container then serves all candidates of
 * an instance instead of one fresh container per test run. A session that cannot be reset (its container
 * died, the snapshot was destroyed) is closed and replaced by a freshly prepared one.
 *
 * Changes outside the workdir and the scratch directories (say, `pip install` into the system) persist
 * across uses; give such directories as `scratchDirectories` or run installs in the image instead.
 */
export function createInstanceSandboxPool(options: InstanceSandboxPoolOptions): InstanceSandboxPool {
  const { instanceId, sandbox, spec, prepare, ...rest } = options;
  const settings = parseWithSchema(InstanceSandboxPoolSettingsSchema, rest, `instance sandbox pool options for ${instanceId}`);
  const statistics: InstanceSandboxPoolStatistics = { sessionsOpened: 0, resets: 0, replacements: 0, uses: 0 };
  const idle: PooledSession[] = [];
  const all = new Set<PooledSession>();
  const waiters: Array<{ resolve: (entry: PooledSession | undefined) => void; reject: (error: unknown) => void }> = [];
  let opening = 0;
  let closed = false;

  const closedError = (): SandboxError => new SandboxError(`The sandbox pool of ${instanceId} is closed; create a new pool to run more commands.`);

  async function openPrepared(): Promise<PooledSession> {
    const session = await sandbox.open(spec);
    if (settings.singleUse && !settings.createRepository) {
      try {
        await prepare?.(session);
      } catch (error) {
        await session.close().catch(() => undefined);
        throw error;
      }
      statistics.sessionsOpened += 1;
      return { session, snapshotCommit: '', keepProcessIds: [] };
    }
    try {
      const processes = await session.exec(listProcessesCommand(), { timeoutMs: 30_000, cwd: '/' });
      if (processes.exitCode !== 0) throw new SandboxError(`Listing the processes of a new session failed (${describeFailure(processes)}).`);
      await prepare?.(session);
      const snapshot = await session.exec(
        snapshotWorkdirCommand({ workdir: session.workdir, snapshotDirectory: settings.snapshotDirectory, createRepository: settings.createRepository }),
        { timeoutMs: settings.snapshotTimeoutMs, cwd: '/' },
      );
      const snapshotCommit = snapshot.stdout.trim().split('\n').pop() ?? '';
      if (snapshot.exitCode !== 0 || !/^[0-9a-f]{40,64}$/.test(snapshotCommit)) {
        throw new SandboxError(
          `Snapshotting the prepared workdir ${session.workdir} of ${instanceId} failed (${describeFailure(snapshot)}). ` + 'The image needs a POSIX shell, git, tar and find.',
        );
      }
      statistics.sessionsOpened += 1;
      return { session, snapshotCommit, keepProcessIds: processes.stdout.split(/\s+/).filter(Boolean) };
    } catch (error) {
      await session.close().catch(() => undefined);
      throw error;
    }
  }

  /** Resets a used session; false when it cannot be reset any more. */
  async function reset(entry: PooledSession): Promise<boolean> {
    try {
      const result = await entry.session.exec(
        resetWorkdirCommand({
          workdir: entry.session.workdir,
          snapshotDirectory: settings.snapshotDirectory,
          snapshotCommit: entry.snapshotCommit,
          keepProcessIds: entry.keepProcessIds,
          scratchDirectories: settings.scratchDirectories,
        }),
        { timeoutMs: settings.resetTimeoutMs, cwd: '/' },
      );
      if (result.exitCode === 0) {
        statistics.resets += 1;
        return true;
      }
      statistics.lastResetFailure = describeFailure(result);
      return false;
    } catch (error) {
      // The session is gone (container removed, daemon restarted): a fresh one replaces it.
      statistics.lastResetFailure = error instanceof Error ? error.message : String(error);
      return false;
    }
  }

  async function discard(entry: PooledSession): Promise<void> {
    all.delete(entry);
    await entry.session.close().catch(() => undefined);
  }

  /** A session ready to lend: an idle one reset, a new one, or one handed back by another user. */
  async function acquire(): Promise<PooledSession> {
    for (;;) {
      if (closed) throw closedError();
      let entry = idle.pop();
      if (!entry && all.size + opening < settings.maxSessions) {
        opening += 1;
        try {
          entry = await openPrepared();
        } finally {
          opening -= 1;
        }
        if (closed) {
          await entry.session.close().catch(() => undefined);
          throw closedError();
        }
        all.add(entry);
        return entry;
      }
      if (!entry) {
        entry = await new Promise<PooledSession | undefined>((resolve, reject) => waiters.push({ resolve, reject }));
        // undefined: a session was discarded, so there is room to open one; loop.
        if (!entry) continue;
      }
      const pendingReset = entry.reset;
      entry.reset = undefined;
      if (pendingReset === undefined || (await pendingReset)) return entry;
      statistics.replacements += 1;
      await discard(entry);
    }
  }

  function release(entry: PooledSession): void {
    if (closed || !all.has(entry) || entry.snapshotCommit === '') {
      void discard(entry);
      // A waiter opens a new session in the room this one leaves.
      waiters.shift()?.resolve(undefined);
      return;
    }
    // Reset at once rather than when the session is next lent: between uses (a model call, say) the
    // reset costs the next user nothing.
    entry.reset = reset(entry);
    const waiter = waiters.shift();
    if (waiter) waiter.resolve(entry);
    else idle.push(entry);
  }

  return {
    instanceId,
    statistics,
    async use<T>(fn: (session: SandboxSession) => Promise<T>): Promise<T> {
      let entry: PooledSession;
      try {
        entry = await acquire();
      } catch (error) {
        // An open or prepare failure frees a slot another waiter may use.
        waiters.shift()?.resolve(undefined);
        throw error;
      }
      try {
        return await fn(entry.session);
      } finally {
        statistics.uses += 1;
        release(entry);
      }
    },
    async close(): Promise<void> {
      closed = true;
      for (const waiter of waiters.splice(0)) waiter.reject(closedError());
      idle.length = 0;
      const entries = [...all];
      all.clear();
      await Promise.all(entries.map((entry) => entry.session.close().catch(() => undefined)));
    },
  };
}
