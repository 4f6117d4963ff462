import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { InstanceLease, InstanceLeaseKey, InstanceLeases } from '@codemonkeys/protocol';

/** How this process holds the leases of the instances it works on (one writer per run and instance). */
export interface InstanceLeaseSettings {
  /** This process's name in its leases, as other processes see it. */
  holder: string;
  /** How long a lease lasts without a renewal: a killed process's instances are taken over after about this long. */
  durationMs: number;
  /** How often a held lease is renewed; well within `durationMs`, so that a busy moment never loses it. */
  renewEveryMs: number;
  /** How often an instance that another process holds is looked at again. */
  recheckEveryMs: number;
}

/** A minute: long beside any pause of a healthy process, short enough that a killed process's instances are soon taken over. */
export const defaultInstanceLeaseDurationMs = 60_000;

/** `host:pid:random`: unique per process, readable in messages. */
export const defaultLeaseHolder = (): string => `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

export function instanceLeaseSettings(overrides: Partial<InstanceLeaseSettings> = {}): InstanceLeaseSettings {
  const durationMs = overrides.durationMs ?? defaultInstanceLeaseDurationMs;
  return {
    holder: overrides.holder ?? defaultLeaseHolder(),
    durationMs,
    renewEveryMs: overrides.renewEveryMs ?? Math.max(1, Math.floor(durationMs / 3)),
    recheckEveryMs: overrides.recheckEveryMs ?? Math.max(1, Math.min(2_000, Math.floor(durationMs / 4))),
  };
}

/** This process's hold on one instance of one run: renewed by a heartbeat until released or lost. */
export interface InstanceHold {
  readonly key: InstanceLeaseKey;
  /** The lease as last renewed. */
  readonly lease: InstanceLease;
  /** True once the lease is no longer this process's: the instance's work must stop at its next stage boundary. */
  readonly lost: boolean;
  /** Why it was lost (for messages). */
  readonly lostBecause: string | undefined;
  /** One renewal now (the heartbeat calls it every `renewEveryMs`). */
  renew(): Promise<void>;
  /** Stops the heartbeat and gives the lease up, once; a lost lease is left as it is. */
  release(): Promise<void>;
}

export type HoldAttempt = { status: 'acquired'; hold: InstanceHold; tookOver?: { holder: string; expiredAt: string } } | { status: 'held'; holder: string; expiresAt: string };

export interface HoldOptions {
  /** Renew on a timer (default true; tests call `renew()` themselves). */
  heartbeat?: boolean;
  /** This process's clock, to judge its own lease expired when renewals keep failing; default `Date.now`. */
  now?: () => number;
  /** Called once when the lease is lost. */
  onLost?(hold: InstanceHold): void;
}

/**
 * Takes the lease of (run, instance) for this process, or says who holds it. A taken lease is renewed
 * every `renewEveryMs`; it is lost when a renewal finds it taken over or expired, or when renewals keep
 * failing (storage unreachable) until it expires by this process's clock — then another process may take
 * the instance, and this one must stop working on it.
 */
export async function holdInstance(leases: InstanceLeases, key: InstanceLeaseKey, settings: InstanceLeaseSettings, options: HoldOptions = {}): Promise<HoldAttempt> {
  const now = options.now ?? Date.now;
  const acquisition = await leases.acquire({ ...key, holder: settings.holder, durationMs: settings.durationMs });
  if (acquisition.status === 'held') return acquisition;

  let lease = acquisition.lease;
  let lost = false;
  let lostBecause: string | undefined;
  let released = false;
  let renewing: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;

  const loseIt = (reason: string): void => {
    if (lost) return;
    lost = true;
    lostBecause = reason;
    if (timer) clearInterval(timer);
    options.onLost?.(hold);
  };

  const renewOnce = async (): Promise<void> => {
    if (lost || released) return;
    try {
      const renewal = await leases.renew(lease, settings.durationMs);
      if (released) return;
      if (renewal.status === 'renewed') {
        lease = renewal.lease;
        return;
      }
      loseIt(
        renewal.reason === 'expired'
          ? `the lease expired before it was renewed (this process was busy or suspended for over ${Math.round(settings.durationMs / 1000)} s)`
          : renewal.reason === 'taken-over'
            ? `${renewal.holder ?? 'another process'} took it over after it expired`
            : 'it was released',
      );
    } catch (error) {
      // Storage unreachable for a moment: the lease is still ours until it expires; after that, it is not.
      if (now() >= Date.parse(lease.expiresAt)) loseIt(`no renewal succeeded before it expired (${(error as Error).message})`);
    }
  };

  const hold: InstanceHold = {
    key,
    get lease() {
      return lease;
    },
    get lost() {
      return lost;
    },
    get lostBecause() {
      return lostBecause;
    },
    renew() {
      renewing ??= renewOnce().finally(() => (renewing = undefined));
      return renewing;
    },
    async release() {
      if (released) return;
      released = true;
      if (timer) clearInterval(timer);
      await renewing?.catch(() => undefined);
      if (lost) return;
      // A lease that cannot be released expires by itself; the instance's work is stored either way.
      await leases.release(lease).catch(() => undefined);
    },
  };

  if (options.heartbeat !== false) {
    timer = setInterval(() => void hold.renew(), settings.renewEveryMs);
    // The heartbeat alone never keeps the process alive.
    timer.unref();
  }
  return { status: 'acquired', hold, ...(acquisition.tookOver ? { tookOver: acquisition.tookOver } : {}) };
}
