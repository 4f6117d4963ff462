import { z } from 'zod';
import { parseWithSchema, type SecretRedactor, type SecretRedactorOptions } from '@codemonkeys/protocol';

export const SqliteSequenceStorageSettingsSchema = z.object({
  /** The database file, created if missing; `:memory:` for a private in-memory database. */
  path: z.string().min(1),
  /** How long a write waits for another process's lock before failing (SQLITE_BUSY). */
  busyTimeoutMs: z.number().int().min(0).default(10_000),
  /**
   * `normal` (default): a committed write survives a crash of the process; an OS crash or power loss
   * may lose the last commits. `full`: also survives those, at the cost of an fsync per commit.
   */
  synchronous: z.enum(['normal', 'full']).default('normal'),
  /** Open for reading only (the file must exist and be migrated). */
  readonly: z.boolean().default(false),
  /** Fail instead of creating the file when it does not exist. */
  mustExist: z.boolean().default(false),
});
export type SqliteSequenceStorageSettings = z.output<typeof SqliteSequenceStorageSettingsSchema>;

export interface SqliteSequenceStorageOptions extends z.input<typeof SqliteSequenceStorageSettingsSchema> {
  /** How secrets are found before anything is written; defaults to `createSecretRedactor()` over `process.env`. */
  redaction?: SecretRedactorOptions | SecretRedactor;
  /** The clock instance leases expire by (milliseconds since the epoch); default `Date.now`. Processes sharing the file share the machine's clock. */
  clock?: () => number;
}

export function parseSqliteStorageOptions(options: SqliteSequenceStorageOptions): SqliteSequenceStorageSettings {
  const { redaction: _redaction, clock: _clock, ...settings } = options;
  return parseWithSchema(SqliteSequenceStorageSettingsSchema, settings, '@codemonkeys/storage-sqlite options');
}
