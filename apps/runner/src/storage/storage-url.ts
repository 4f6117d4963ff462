import fs from 'node:fs';
import path from 'node:path';
import { CodemonkeysError } from '@codemonkeys/protocol';

/** Where `codemonkeys` keeps runs unless told otherwise: a SQLite file in the current directory. */
export const defaultStorageUrl = 'sqlite:./runs.db';

/** A storage URL, parsed. */
export type StorageLocation =
  { kind: 'sqlite'; path: string } | { kind: 'firestore'; projectId: string; root?: string; databaseId?: string; emulatorHost?: string } | { kind: 'memory' };

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

/** A `sqlite:` path that cannot hold a database: a folder, or a path under a regular file. Names both. */
export class StoragePathError extends CodemonkeysError {
  static override readonly errorName: string = 'StoragePathError';
  readonly url: string;
  readonly path: string;

  constructor(options: { url: string; path: string; reason: string }) {
    super(`Storage "${options.url}" cannot be used: ${options.reason}.`);
    this.url = options.url;
    this.path = options.path;
  }
}

/** What is at `file`: nothing, a folder, something else, or unknown (it cannot be looked at, e.g. permissions). */
function entryAt(file: string): 'missing' | 'folder' | 'file' | 'unknown' {
  try {
    return fs.statSync(file).isDirectory() ? 'folder' : 'file';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'missing' : 'unknown';
  }
}

/**
 * Refuses a SQLite path no database can be opened or created at, before anything creates folders for it:
 * the path is a folder, or its nearest existing ancestor is not a folder. Other problems (permissions, a
 * damaged file) are the backend's to report.
 */
function assertSqlitePathUsable(url: string, file: string): void {
  const entry = entryAt(file);
  if (entry === 'folder') throw new StoragePathError({ url, path: file, reason: `${file} is a folder; name a database file in it (e.g. sqlite:${path.join(file, 'runs.db')})` });
  if (entry !== 'missing') return;
  let ancestor = path.dirname(file);
  while (entryAt(ancestor) === 'missing' && path.dirname(ancestor) !== ancestor) ancestor = path.dirname(ancestor);
  if (entryAt(ancestor) === 'file')
    throw new StoragePathError({ url, path: file, reason: `${ancestor} is a file, not a folder, so ${file} cannot be created; choose another path` });
}

/**
 * Parses a storage URL. `sqlite:` paths are relative to `cwd` (`sqlite:///abs/runs.db` is absolute);
 * `firestore://PROJECT/a/b` keeps its collections under the document `a/b` (default `codemonkeys/default`).
 * A `sqlite:` path that is a folder or lies under a regular file is refused here (`StoragePathError`),
 * so no caller trips over it while creating the database's folder.
 */
export function parseStorageUrl(url: string, cwd = process.cwd()): StorageLocation {
  const trimmed = url.trim();
  if (trimmed === 'memory:' || trimmed === 'memory://') return { kind: 'memory' };
  if (trimmed.startsWith('sqlite:')) {
    let file = trimmed.slice('sqlite:'.length);
    if (file.startsWith('//')) file = file.slice(2);
    if (file === '') throw new InvalidStorageUrlError(url, 'the SQLite file path is missing');
    if (file === ':memory:') return { kind: 'sqlite', path: file };
    const absolute = path.resolve(cwd, file);
    assertSqlitePathUsable(url, absolute);
    return { kind: 'sqlite', path: absolute };
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
