import { CodemonkeysError, NotFoundError, createInMemorySequenceStorage, type SecretRedactorOptions, type SequenceStorage } from '@codemonkeys/protocol';
import { defaultStorageUrl, parseStorageUrl } from './storage-url';

export interface OpenStorageOptions {
  /** Base of relative `sqlite:` paths; defaults to the current directory. */
  cwd?: string;
  /** Fail when a SQLite file does not exist yet (commands that only read), instead of creating it. */
  mustExist?: boolean;
  /** Secret detection for the redaction every backend applies before writing. */
  redaction?: SecretRedactorOptions;
}

/**
 * Opens the SequenceStorage a storage URL names (see `parseStorageUrl`). Backends are imported when
 * used, so a SQLite user never loads the Firestore client and a Firestore user never loads SQLite.
 */
export async function openStorage(url: string = defaultStorageUrl, options: OpenStorageOptions = {}): Promise<SequenceStorage> {
  const location = parseStorageUrl(url, options.cwd);
  const redaction = options.redaction ? { redaction: options.redaction } : {};
  switch (location.kind) {
    case 'memory':
      return createInMemorySequenceStorage(redaction);
    case 'sqlite': {
      const { createSqliteSequenceStorage } = await import('@codemonkeys/storage-sqlite');
      try {
        return createSqliteSequenceStorage({ path: location.path, mustExist: options.mustExist ?? false, ...redaction });
      } catch (error) {
        if (options.mustExist && CodemonkeysError.isInstance(error) && /Cannot open/.test(error.message)) {
          throw new NotFoundError(`No run database at ${location.path}: run \`codemonkeys run\` first, or pass --storage with the database to read.`, {
            cause: error,
          });
        }
        throw error;
      }
    }
    case 'firestore': {
      const { createFirestoreSequenceStorage } = await import('@codemonkeys/storage-firestore');
      return createFirestoreSequenceStorage({
        projectId: location.projectId,
        ...(location.root ? { root: location.root } : {}),
        ...(location.databaseId ? { databaseId: location.databaseId } : {}),
        ...(location.emulatorHost ? { emulatorHost: location.emulatorHost } : {}),
        ...redaction,
      });
    }
  }
}
