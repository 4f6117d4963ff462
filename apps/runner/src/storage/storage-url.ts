import path from 'node:path';
import { CodemonkeysError } from '@codemonkeys/protocol';

/** Where `codemonkeys` keeps runs unless told otherwise: a SQLite file in the current directory. */
export const defaultStorageUrl = 'sqlite:./runs.db';

/** A storage URL, parsed. */
export type StorageLocation =
  | { kind: 'sqlite'; path: string }
  | { kind: 'firestore'; projectId: string; root?: string; databaseId?: string; emulatorHost?: string }
  | { kind: 'memory' };

/** A storage URL that cannot be understood; says which forms are. */
export class InvalidStorageUrlError extends CodemonkeysError {
  static override readonly errorName: string = 'InvalidStorageUrlError';
  readonly url: string;

  constructor(url: string, reason: string) {
    super(
      `Invalid storage "${url}": ${reason}. Use sqlite:PATH (e.g. ${defaultStorageUrl}), ` +
        'firestore://PROJECT[/ROOT/DOCUMENT][?database=ID&emulator=127.0.0.1:PORT], or memory: (this process only).',
    );
    this.url = url;
  }
}

/**
 * Parses a storage URL. `sqlite:` paths are relative to `cwd` (`sqlite:///abs/runs.db` is absolute);
 * `firestore://PROJECT/a/b` keeps its collections under the document `a/b` (default `codemonkeys/default`).
 */
export function parseStorageUrl(url: string, cwd = process.cwd()): StorageLocation {
  const trimmed = url.trim();
  if (trimmed === 'memory:' || trimmed === 'memory://') return { kind: 'memory' };
  if (trimmed.startsWith('sqlite:')) {
    let file = trimmed.slice('sqlite:'.length);
    if (file.startsWith('//')) file = file.slice(2);
    if (file === '') throw new InvalidStorageUrlError(url, 'the SQLite file path is missing');
    return { kind: 'sqlite', path: file === ':memory:' ? file : path.resolve(cwd, file) };
  }
  if (trimmed.startsWith('firestore://')) {
    let parsed: URL;
    try {
      parsed = new URL(trimmed);
    } catch {
      throw new InvalidStorageUrlError(url, 'it is not a valid URL');
    }
    const projectId = parsed.hostname;
    if (!/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(projectId)) {
      throw new InvalidStorageUrlError(url, `"${projectId}" is not a Google Cloud project id (6-30 lowercase letters, digits, hyphens)`);
    }
    const root = decodeURIComponent(parsed.pathname.replace(/^\/+|\/+$/g, ''));
    if (root !== '' && root.split('/').length % 2 !== 0) {
      throw new InvalidStorageUrlError(url, `the root "${root}" must be a document path (collection/document)`);
    }
    for (const key of parsed.searchParams.keys()) {
      if (key !== 'database' && key !== 'emulator') throw new InvalidStorageUrlError(url, `unknown parameter "${key}" (known: database, emulator)`);
    }
    const databaseId = parsed.searchParams.get('database') ?? undefined;
    const emulatorHost = parsed.searchParams.get('emulator') ?? undefined;
    return {
      kind: 'firestore',
      projectId,
      ...(root ? { root } : {}),
      ...(databaseId ? { databaseId } : {}),
      ...(emulatorHost ? { emulatorHost } : {}),
    };
  }
  throw new InvalidStorageUrlError(url, 'unknown scheme');
}
