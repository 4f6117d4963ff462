import fs from 'node:fs/promises';
import path from 'node:path';
import { DatasetError } from '@codemonkeys/protocol';
import yauzl from 'yauzl';

/** The files of a folder or of a zip archive, by POSIX path relative to it. */
export interface SourceTree {
  /** What to name in errors: the folder or the archive as given. */
  readonly source: string;
  readonly files: readonly string[];
  read(file: string): Promise<string>;
  close(): Promise<void>;
}

async function folderTree(source: string): Promise<SourceTree> {
  const files: string[] = [];
  const walk = async (directory: string, prefix: string): Promise<void> => {
    for (const entry of await fs.readdir(directory, { withFileTypes: true })) {
      const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(path.join(directory, entry.name), relative);
      else if (entry.isFile()) files.push(relative);
    }
  };
  await walk(source, '');
  files.sort();
  return {
    source,
    files,
    read: async (file) => {
      try {
        return await fs.readFile(path.join(source, ...file.split('/')), 'utf8');
      } catch (error) {
        throw new DatasetError({ file: path.join(source, file), reason: `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, cause: error });
      }
    },
    close: async () => undefined,
  };
}

/** A zip read through yauzl: the central directory first (a truncated archive fails here), entries on demand. */
async function zipTree(source: string): Promise<SourceTree> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(source, { lazyEntries: true, autoClose: false, strictFileNames: false, validateEntrySizes: true }, (error, opened) => (error ? reject(error) : resolve(opened))),
  ).catch((error: Error) => {
    throw new DatasetError({ file: source, reason: `is not a readable zip archive (${error.message}); a truncated download fails so`, cause: error });
  });
  const entries = new Map<string, yauzl.Entry>();
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      if (!entry.fileName.endsWith('/')) entries.set(entry.fileName.replace(/^\.\//, ''), entry);
      zip.readEntry();
    });
    zip.on('end', () => resolve());
    zip.on('error', (error: Error) => reject(new DatasetError({ file: source, reason: `is not a readable zip archive (${error.message})`, cause: error })));
    zip.readEntry();
  });
  return {
    source,
    files: [...entries.keys()].sort(),
    read: (file) =>
      new Promise<string>((resolve, reject) => {
        const entry = entries.get(file);
        const fail = (error: Error) =>
          reject(new DatasetError({ file: `${source}:${file}`, reason: `cannot be extracted (${error.message}); the archive is damaged`, cause: error }));
        if (!entry) return fail(new Error('no such entry'));
        zip.openReadStream(entry, (error, stream) => {
          if (error) return fail(error);
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('error', fail);
          stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        });
      }),
    close: async () => zip.close(),
  };
}

export async function openSourceTree(source: string): Promise<SourceTree> {
  const stat = await fs.stat(source).catch(() => undefined);
  if (!stat) throw new DatasetError({ file: source, reason: 'does not exist' });
  return stat.isDirectory() ? folderTree(source) : zipTree(source);
}
