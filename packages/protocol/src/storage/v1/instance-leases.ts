import { z } from 'zod';
import { StorageError, UnsupportedCapabilityError } from '../../errors/capability-errors';
import { parseWithSchema } from '../../schema/parse-with-schema';

/**
 * One writer per (run, instance): a lease with an expiry, kept in the run's storage, so that two
 * processes working on the same run never both work on one instance (and never pay twice for one model
 * call). A holder renews its lease well before it expires (a heartbeat); a holder that died stops
 * renewing, its lease expires, and another process takes the instance over.
 *
 * Contract shared by every implementation (the storage conformance suite checks each point):
 * - `acquire` is atomic: of any number of concurrent calls for a free (never held, released or expired)
 *   lease, exactly one returns `acquired`; the others return `held` with the winner's name and expiry;
 * - a lease is held from `acquire` until `expiresAt` (exclusive), moved forward by each `renew`; at
 *   `expiresAt` it is expired and `acquire` takes it over (`tookOver` names the previous holder);
 * - `renew` and `release` present the lease they were given (its `token`, unique per acquisition); they
 *   never affect someone else's lease. A lease that expired is not renewed (`lost`, `expired`), even if
 *   no one took it over: acquire it again;
 * - expiry is judged by the storage's clock (`Date.now` unless a backend is given another), so machines
 *   that share a store must keep their clocks in agreement to well within a lease's duration;
 * - leases survive the process (for persistent backends) and are seen by every handle on the store.
 */
export interface InstanceLeases {
  readonly specificationVersion: 'v1';
  /** Takes the lease of (run, instance) for `durationMs`, unless someone else holds it now. */
  acquire(request: InstanceLeaseRequest): Promise<InstanceLeaseAcquisition>;
  /** Moves a held lease's expiry to now + `durationMs`; `lost` when it is no longer the caller's. */
  renew(lease: InstanceLease, durationMs: number): Promise<InstanceLeaseRenewal>;
  /** Gives a lease up so that another process may take the instance at once; `lost` when it was no longer the caller's. */
  release(lease: InstanceLease): Promise<InstanceLeaseRelease>;
  /** The lease of (run, instance) as stored now (held, expired or released), or undefined if never taken; for display. */
  inspect(key: InstanceLeaseKey): Promise<InstanceLeaseState | undefined>;
}

const isoTime = z.string().min(1);

export const InstanceLeaseKeySchema = z.object({
  runId: z.string().min(1),
  instanceId: z.string().min(1),
});
export type InstanceLeaseKey = z.output<typeof InstanceLeaseKeySchema>;

/** At most a day: a longer lease would keep an instance from the other processes for that long after a crash. */
export const maxInstanceLeaseDurationMs = 24 * 60 * 60 * 1000;
const durationMs = z.number().int().min(1).max(maxInstanceLeaseDurationMs);

export const InstanceLeaseRequestSchema = InstanceLeaseKeySchema.extend({
  /** Who asks, as other processes will see it (e.g. `host:pid:random`). */
  holder: z.string().min(1).max(500),
  /** How long the lease lasts without a renewal. */
  durationMs,
});
export type InstanceLeaseRequest = z.output<typeof InstanceLeaseRequestSchema>;

/** A lease as its holder keeps it: what `renew` and `release` are given. */
export const InstanceLeaseSchema = InstanceLeaseKeySchema.extend({
  holder: z.string().min(1),
  /** Unique per acquisition: renewals and the release present it. */
  token: z.string().min(1),
  acquiredAt: isoTime,
  /** The lease is held until this time (exclusive), unless renewed. */
  expiresAt: isoTime,
});
export type InstanceLease = z.output<typeof InstanceLeaseSchema>;

/** A lease as stored: the last acquisition of (run, instance), and whether it was released. */
export const InstanceLeaseStateSchema = InstanceLeaseSchema.extend({
  /** 1 for the first acquisition of (run, instance), +1 for each later one (never reused). */
  generation: z.number().int().min(1),
  releasedAt: isoTime.optional(),
});
export type InstanceLeaseState = z.output<typeof InstanceLeaseStateSchema>;

export type InstanceLeaseAcquisition =
  | {
      status: 'acquired';
      lease: InstanceLease;
      /** The expired lease this acquisition took over: its holder stopped renewing (it died or stalled). */
      tookOver?: { holder: string; expiredAt: string };
    }
  /** Someone else holds the lease until `expiresAt` (unless they renew or release it). */
  | { status: 'held'; holder: string; expiresAt: string };

/** Why a lease is no longer the caller's: it expired, another holder took it after it expired, or it was released. */
export type InstanceLeaseLossReason = 'expired' | 'taken-over' | 'released';

export type InstanceLeaseRenewal = { status: 'renewed'; lease: InstanceLease } | { status: 'lost'; reason: InstanceLeaseLossReason; holder?: string };

export type InstanceLeaseRelease = { status: 'released' } | { status: 'lost'; reason: InstanceLeaseLossReason; holder?: string };

// The rules, once: each backend reads the stored state, asks these what to write and answer, and writes it
// in one atomic step of its own (a map update, a SQLite transaction, a Firestore transaction).

/** True when the stored state is a lease someone holds at `now`. */
export const isLeaseHeld = (state: InstanceLeaseState | undefined, now: number): boolean =>
  state !== undefined && state.releasedAt === undefined && now < Date.parse(state.expiresAt);

const leaseOf = (state: InstanceLeaseState): InstanceLease => ({
  runId: state.runId,
  instanceId: state.instanceId,
  holder: state.holder,
  token: state.token,
  acquiredAt: state.acquiredAt,
  expiresAt: state.expiresAt,
});

export interface LeaseDecision<Answer> {
  /** What the storage answers. */
  answer: Answer;
  /** The state to store, when it changes. */
  next?: InstanceLeaseState;
}

/** What `acquire` does with the stored state: refuse while held; otherwise store a new generation. */
export function decideLeaseAcquisition(
  current: InstanceLeaseState | undefined,
  request: InstanceLeaseRequest,
  now: number,
  token: string,
): LeaseDecision<InstanceLeaseAcquisition> {
  if (current && isLeaseHeld(current, now)) return { answer: { status: 'held', holder: current.holder, expiresAt: current.expiresAt } };
  const next: InstanceLeaseState = {
    runId: request.runId,
    instanceId: request.instanceId,
    holder: request.holder,
    token,
    acquiredAt: new Date(now).toISOString(),
    expiresAt: new Date(now + request.durationMs).toISOString(),
    generation: (current?.generation ?? 0) + 1,
  };
  const tookOver = current && current.releasedAt === undefined ? { holder: current.holder, expiredAt: current.expiresAt } : undefined;
  return { answer: { status: 'acquired', lease: leaseOf(next), ...(tookOver ? { tookOver } : {}) }, next };
}

const lossOf = (current: InstanceLeaseState | undefined, lease: InstanceLease, now: number): { status: 'lost'; reason: InstanceLeaseLossReason; holder?: string } | undefined => {
  if (!current || current.token !== lease.token) {
    // Someone acquired it since (after it expired, or after it was released).
    return current && isLeaseHeld(current, now)
      ? { status: 'lost', reason: 'taken-over', holder: current.holder }
      : { status: 'lost', reason: current ? 'taken-over' : 'released' };
  }
  if (current.releasedAt !== undefined) return { status: 'lost', reason: 'released' };
  return undefined;
};

/** What `renew` does: extend the caller's lease while it is held; otherwise say why it is lost. */
export function decideLeaseRenewal(current: InstanceLeaseState | undefined, lease: InstanceLease, durationMs: number, now: number): LeaseDecision<InstanceLeaseRenewal> {
  const lost = lossOf(current, lease, now);
  if (lost) return { answer: lost };
  if (!current || !isLeaseHeld(current, now)) return { answer: { status: 'lost', reason: 'expired' } };
  const next: InstanceLeaseState = { ...current, expiresAt: new Date(now + durationMs).toISOString() };
  return { answer: { status: 'renewed', lease: leaseOf(next) }, next };
}

/** What `release` does: mark the caller's lease released (also once expired, if no one took it over). */
export function decideLeaseRelease(current: InstanceLeaseState | undefined, lease: InstanceLease, now: number): LeaseDecision<InstanceLeaseRelease> {
  const lost = lossOf(current, lease, now);
  if (lost) return { answer: lost };
  return { answer: { status: 'released' }, next: { ...current!, releasedAt: new Date(now).toISOString() } };
}

/**
 * What a backend provides to make `InstanceLeases`: one atomic read-decide-write step on the stored state
 * of (run, instance), and a plain read. `decide` is pure and may be called more than once (a backend that
 * retries a transaction calls it again with what it read the second time).
 */
export interface InstanceLeaseStore {
  update<Answer>(key: InstanceLeaseKey, decide: (current: InstanceLeaseState | undefined) => LeaseDecision<Answer>): Promise<Answer>;
  read(key: InstanceLeaseKey): Promise<InstanceLeaseState | undefined>;
}

export interface InstanceLeasesOptions {
  /** Backend name, prefixed to errors. */
  backend: string;
  /** The clock leases expire by, in milliseconds since the epoch; default `Date.now`. Tests pass one they move. */
  clock?: () => number;
  /** A new acquisition's token; default a random UUID. */
  newToken?: () => string;
}

/**
 * `InstanceLeases` over a backend's atomic step: validates every request (a SchemaValidationError names
 * the backend and the lease) and applies the rules above, so that every backend behaves alike.
 */
export function createInstanceLeases(store: InstanceLeaseStore, options: InstanceLeasesOptions): InstanceLeases {
  const clock = options.clock ?? Date.now;
  const newToken = options.newToken ?? (() => globalThis.crypto.randomUUID());
  const subject = (what: string, value: unknown): string => {
    const fields = (value ?? {}) as Partial<InstanceLeaseKey>;
    return `[${options.backend}] ${what}${typeof fields.runId === 'string' && typeof fields.instanceId === 'string' ? ` of ${fields.runId}/${fields.instanceId}` : ''}`;
  };
  return {
    specificationVersion: 'v1',
    async acquire(request) {
      const valid = parseWithSchema(InstanceLeaseRequestSchema, request, subject('lease request', request));
      const token = newToken();
      return store.update(valid, (current) => decideLeaseAcquisition(current, valid, clock(), token));
    },
    async renew(lease, duration) {
      const valid = parseWithSchema(InstanceLeaseSchema, lease, subject('lease', lease));
      const validDuration = parseWithSchema(durationMs, duration, subject('renewal duration (ms)', lease));
      return store.update(valid, (current) => decideLeaseRenewal(current, valid, validDuration, clock()));
    },
    async release(lease) {
      const valid = parseWithSchema(InstanceLeaseSchema, lease, subject('lease', lease));
      return store.update(valid, (current) => decideLeaseRelease(current, valid, clock()));
    },
    async inspect(key) {
      return store.read(parseWithSchema(InstanceLeaseKeySchema, key, subject('lease key', key)));
    },
  };
}

/** A stored lease state back, validated: a StorageError names it if it is damaged. */
export function decodeInstanceLeaseState(value: unknown, backend: string, location: string): InstanceLeaseState {
  const result = InstanceLeaseStateSchema.safeParse(value);
  if (!result.success) {
    throw new StorageError({
      backend,
      message: `The stored instance lease at ${location} does not match its schema (${result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}). It was written by an incompatible version or damaged; delete it to free the instance.`,
      cause: result.error,
    });
  }
  return result.data;
}

/** The storage's instance leases, or an UnsupportedCapabilityError naming the storage. */
export function leasesOf(storage: { readonly name: string; readonly leases?: InstanceLeases }): InstanceLeases {
  if (!storage.leases) {
    throw new UnsupportedCapabilityError({
      capability: 'leases',
      provider: `The ${storage.name} storage`,
      hint: 'It cannot keep two processes off one instance of a run: run one process per run, or use a storage with leases (memory, sqlite, firestore).',
    });
  }
  return storage.leases;
}
