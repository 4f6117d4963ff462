import path from 'node:path';
import { Readable } from 'node:stream';
import { SandboxError, type SandboxFile } from '@codemonkeys/protocol';
import tar from 'tar-stream';

/** A tar stream of `files`, named relative to the archive root. */
export function packFiles(files: ReadonlyArray<{ name: string; content: string | Uint8Array; mode?: number }>): Readable {
  const pack = tar.pack();
  const mtime = new Date();
  void (async () => {
    try {
      for (const file of files) {
        const content = typeof file.content === 'string' ? Buffer.from(file.content, 'utf8') : Buffer.from(file.content.buffer, file.content.byteOffset, file.content.byteLength);
        await new Promise<void>((resolve, reject) =>
          pack.entry({ name: file.name, mode: file.mode ?? 0o644, mtime, uid: 0, gid: 0, type: 'file' }, content, (error) => (error ? reject(error) : resolve())),
        );
      }
      pack.finalize();
    } catch (error) {
      pack.destroy(error as Error);
    }
  })();
  // tar-stream's Pack is a streamx Readable, which Node's stream consumers accept.
  return pack as unknown as Readable;
}

/** SandboxFiles as archive entries relative to `/`, resolving relative paths against the workdir. */
export function filesRelativeToRoot(files: readonly SandboxFile[], workdir: string): Array<{ name: string; content: string | Uint8Array; mode?: number }> {
  return files.map((file) => {
    const absolute = path.posix.resolve(workdir, file.path);
    if (absolute === '/') throw new SandboxError(`Cannot write a file at "/" (from "${file.path}"): give a file path.`);
    return { name: absolute.slice(1), content: file.content, ...(file.mode === undefined ? {} : { mode: file.mode }) };
  });
}

export type ArchiveEntry = { type: 'file'; content: Buffer } | { type: 'symlink'; target: string } | { type: 'directory' } | { type: 'other'; kind: string };

/**
 * The first entry of a tar stream (what the Docker archive endpoint returns for one path). The rest of
 * the stream is dropped: the daemon holds the container's lock until its archive response is closed, so
 * an unread response (a whole directory tree) would block every later call on the container and keep
 * its socket open.
 */
export async function readFirstArchiveEntry(archive: NodeJS.ReadableStream): Promise<ArchiveEntry | undefined> {
  const source = archive instanceof Readable ? archive : Readable.from(archive as AsyncIterable<Buffer>);
  const extract = tar.extract();
  source.once('error', (error) => extract.destroy(error));
  source.pipe(extract);
  try {
    return await firstEntry(extract);
  } finally {
    source.unpipe(extract);
    source.destroy();
  }
}

async function firstEntry(extract: tar.Extract): Promise<ArchiveEntry | undefined> {
  for await (const entry of extract) {
    const type = entry.header.type;
    if (type === 'file' || type === 'contiguous-file') {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      extract.destroy();
      return { type: 'file', content: Buffer.concat(chunks) };
    }
    entry.resume();
    extract.destroy();
    if (type === 'symlink') return { type: 'symlink', target: entry.header.linkname ?? '' };
    if (type === 'directory') return { type: 'directory' };
    return { type: 'other', kind: String(type) };
  }
  return undefined;
}
