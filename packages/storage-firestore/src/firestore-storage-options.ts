import type { Firestore } from '@google-cloud/firestore';
import { z } from 'zod';
import { parseWithSchema, type SecretRedactor, type SecretRedactorOptions } from '@codemonkeys/protocol';

/** Firestore's own limits: a document is at most 1 MiB; a commit at most 500 writes and 10 MiB. */
export const firestoreLimits = { documentBytes: 1_048_576, batchWrites: 500, requestBytes: 10 * 1_048_576 } as const;

const documentPath = z
  .string()
  .min(1)
  .refine((path) => {
    const segments = path.split('/');
    return segments.length % 2 === 0 && segments.every((segment) => segment.length > 0);
  }, 'must be a document path: collection/document[/collection/document...]');

export const FirestoreSequenceStorageSettingsSchema = z.object({
  /** The Google Cloud project. */
  projectId: z.string().min(1),
  /** The Firestore database; `(default)` unless you created a named one. */
  databaseId: z.string().min(1).default('(default)'),
  /** The document under which every collection of this storage lives; separate roots are separate stores. */
  root: documentPath.default('codemonkeys/default'),
  /**
   * `host:port` of a Firestore emulator on this machine (127.0.0.1, localhost or ::1). Defaults to
   * $FIRESTORE_EMULATOR_HOST. Ignored when `firestore` (a client) is given.
   */
  emulatorHost: z.string().min(1).optional(),
  /** Records whose JSON is larger than this are split into chunk documents of at most this size. */
  chunkBytes: z.number().int().min(1024).max(1_000_000).default(1_000_000),
  /** Writes per commit (Firestore allows 500). */
  maxBatchWrites: z.number().int().min(1).max(firestoreLimits.batchWrites).default(firestoreLimits.batchWrites),
  /**
   * Estimated bytes per commit. Firestore accepts 10 MiB; the default stays under the 4 MiB that the
   * npm emulator (gRPC's default message limit) accepts, so that what is tested is what ships.
   */
  maxBatchBytes: z.number().int().min(1_100_000).max(firestoreLimits.requestBytes).default(3_500_000),
  /** Commits in flight at once. */
  writeConcurrency: z.number().int().min(1).max(64).default(4),
  /** Attempts per commit on transient errors (UNAVAILABLE, DEADLINE_EXCEEDED, ABORTED, RESOURCE_EXHAUSTED, INTERNAL). */
  maxAttempts: z.number().int().min(1).max(10).default(4),
});
export type FirestoreSequenceStorageSettings = z.output<typeof FirestoreSequenceStorageSettingsSchema>;

export interface FirestoreSequenceStorageOptions extends Partial<z.input<typeof FirestoreSequenceStorageSettingsSchema>> {
  projectId?: string;
  /** An existing client to use (the storage does not terminate it on close); `projectId` is then optional. */
  firestore?: Firestore;
  /** How secrets are found before anything is written; defaults to `createSecretRedactor()` over `process.env`. */
  redaction?: SecretRedactorOptions | SecretRedactor;
  /**
   * The clock instance leases expire by (milliseconds since the epoch); default `Date.now`. Machines that
   * share a store compare expiries by their own clocks: keep them in agreement (NTP) to well within a lease.
   */
  clock?: () => number;
}

export function parseFirestoreStorageOptions(options: FirestoreSequenceStorageOptions): FirestoreSequenceStorageSettings {
  const { firestore, redaction: _redaction, clock: _clock, ...settings } = options;
  // With a client of its own, the project only names the store in messages.
  const projectId = settings.projectId ?? (firestore ? '(project of the given client)' : undefined);
  return parseWithSchema(FirestoreSequenceStorageSettingsSchema, { ...settings, projectId }, '@codemonkeys/storage-firestore options');
}
