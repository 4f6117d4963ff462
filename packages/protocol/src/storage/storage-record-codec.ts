import type { z } from 'zod';
import { StorageError } from '../errors/capability-errors';
import { parseWithSchema } from '../schema/parse-with-schema';
import {
  CacheEntrySchema,
  ExperimentRecordSchema,
  MessageLogRecordSchema,
  ModelCallRecordSchema,
  RewardRecordSchema,
  RunRecordSchema,
  StageResultRecordSchema,
  WorkStateRecordSchema,
} from './v1/records';
import { createSecretRedactor, type SecretRedactor, type SecretRedactorOptions } from './secret-redactor';

/** The records a SequenceStorage keeps, by kind, with the schema each is validated against. */
export const storageRecordSchemas = {
  experiment: ExperimentRecordSchema,
  run: RunRecordSchema,
  stageResult: StageResultRecordSchema,
  reward: RewardRecordSchema,
  messageLog: MessageLogRecordSchema,
  modelCall: ModelCallRecordSchema,
  workState: WorkStateRecordSchema,
  cacheEntry: CacheEntrySchema,
} as const;
export type StorageRecordKind = keyof typeof storageRecordSchemas;
export type StorageRecordOf<K extends StorageRecordKind> = z.output<(typeof storageRecordSchemas)[K]>;

/**
 * What every backend does to a record on its way in and out: validate, redact secrets, serialize to
 * JSON; and on the way out parse and validate again. One implementation, so that memory, SQLite and
 * Firestore store exactly the same text for the same record.
 */
export interface StorageRecordCodec {
  readonly redactor: SecretRedactor;
  /** The record as it will be stored: validated (defaults applied, unknown keys dropped) and redacted. */
  prepare<K extends StorageRecordKind>(kind: K, record: unknown): StorageRecordOf<K>;
  /** `prepare`, then JSON. */
  encode<K extends StorageRecordKind>(kind: K, record: unknown): { record: StorageRecordOf<K>; text: string };
  /** A stored record back: JSON parsed and validated; a StorageError names the record if it is corrupt. */
  decode<K extends StorageRecordKind>(kind: K, text: string, location: string): StorageRecordOf<K>;
}

export interface StorageRecordCodecOptions {
  /** Backend name, prefixed to errors. */
  backend: string;
  /** How secrets are found; defaults to `createSecretRedactor()` over `process.env`. */
  redaction?: SecretRedactorOptions | SecretRedactor;
}

const describeRecord = (kind: StorageRecordKind, record: unknown): string => {
  const fields = (record ?? {}) as Record<string, unknown>;
  const key = [fields.id, fields.key, fields.runId, fields.instanceId, fields.stage, fields.sample, fields.name].filter(
    (part) => typeof part === 'string' || typeof part === 'number',
  );
  return `${kind} record${key.length > 0 ? ` ${JSON.stringify(key.join('/'))}` : ''}`;
};

const isRedactor = (value: unknown): value is SecretRedactor => typeof value === 'object' && value !== null && typeof (value as SecretRedactor).redact === 'function';

export function createStorageRecordCodec(options: StorageRecordCodecOptions): StorageRecordCodec {
  const redactor = isRedactor(options.redaction) ? options.redaction : createSecretRedactor(options.redaction);
  const prepare = <K extends StorageRecordKind>(kind: K, record: unknown): StorageRecordOf<K> => {
    const valid = parseWithSchema(storageRecordSchemas[kind], record, `[${options.backend}] ${describeRecord(kind, record)}`) as StorageRecordOf<K>;
    return redactor.redact(valid);
  };
  return {
    redactor,
    prepare,
    encode(kind, record) {
      const prepared = prepare(kind, record);
      return { record: prepared, text: JSON.stringify(prepared) };
    },
    decode(kind, text, location) {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        throw new StorageError({
          backend: options.backend,
          message: `The stored ${kind} record at ${location} is not valid JSON (${(error as Error).message}); the store is damaged. Restore it from an export or delete that record.`,
          cause: error,
        });
      }
      const result = storageRecordSchemas[kind].safeParse(value);
      if (!result.success) {
        throw new StorageError({
          backend: options.backend,
          message: `The stored ${kind} record at ${location} does not match its schema (${result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}). It was written by an incompatible version or damaged.`,
          cause: result.error,
        });
      }
      return result.data as StorageRecordOf<typeof kind>;
    },
  };
}
