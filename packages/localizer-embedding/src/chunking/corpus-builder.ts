import { createHash } from 'node:crypto';
import pMap from 'p-map';
import { UnsupportedCapabilityError, type Logger, type OutlineEntry, type Workspace } from '@codemonkeys/protocol';
import type { ChunkingOptions } from '../options/embedding-localizer-options';
import { ByteBoundedCache, stringBytes } from '../cache/byte-bounded-cache';
import { chunkFile, splitLines } from './chunk-file';
import type { Chunk } from './chunk';
import type { Corpus, CorpusFile, CorpusStatistics } from './corpus';
import { createFileSelection } from './file-selection';
import { isOutlinedLanguage } from './languages';

export interface CorpusBuilderOptions {
  chunking: ChunkingOptions;
  /**
   * Bytes of chunked files kept in memory between instances (by path and content; default 256 MiB, by an
   * estimate of their lines and chunk texts); unchanged files are not read into chunks again.
   */
  maxCachedBytes?: number;
  /** An additional cap on the number of cached files (none by default: the byte cap bounds memory). */
  maxCachedFiles?: number;
  /** Files read at once. */
  readConcurrency?: number;
  logger?: Logger;
}

/** Reads the selected files of a workspace and chunks them, reusing the chunks of files seen unchanged before. */
export interface CorpusBuilder {
  build(workspace: Workspace, signal?: AbortSignal): Promise<Corpus>;
}

/** Default memory share of a corpus builder's file cache. */
export const defaultCorpusCacheBytes = 256 * 1024 * 1024;

/**
 * Estimated bytes of a chunked file: its lines, and each chunk's code and embedder text (separate strings),
 * with object overheads. Term vectors of the local embedder hang off the file (a WeakMap) and go with it.
 */
export function corpusFileBytes(file: CorpusFile): number {
  let bytes = 200 + stringBytes(file.path) + stringBytes(file.contentHash);
  for (const line of file.lines) bytes += 24 + stringBytes(line) + 6 * 4; // the line, and about six term ids a line
  for (const chunk of file.chunks) bytes += 300 + stringBytes(chunk.code) + stringBytes(chunk.text) + stringBytes(chunk.id) + 4 * 64;
  return bytes;
}

type ScanResult = { kind: 'file'; file: CorpusFile; reused: boolean } | { kind: 'too-large' } | { kind: 'binary' };

export function createCorpusBuilder(options: CorpusBuilderOptions): CorpusBuilder {
  const { chunking } = options;
  const selection = createFileSelection(chunking);
  const cache = new ByteBoundedCache<string, CorpusFile>(
    options.maxCachedBytes ?? defaultCorpusCacheBytes,
    (key, file) => stringBytes(key) + corpusFileBytes(file),
    options.maxCachedFiles,
  );
  const remember = (key: string, file: CorpusFile): void => cache.set(key, file);

  const outlineOf = async (workspace: Workspace, path: string): Promise<OutlineEntry[] | undefined> => {
    if (!workspace.capabilities.outline) return undefined;
    try {
      return await workspace.outline(path);
    } catch (error) {
      if (!UnsupportedCapabilityError.isInstance(error)) options.logger?.debug(`embedding localizer: no outline of ${path} (${(error as Error).message}); chunking it by windows`);
      return undefined;
    }
  };

  const scan = async (workspace: Workspace, path: string, outlined: boolean): Promise<ScanResult> => {
    const content = await workspace.readFile(path);
    if (Buffer.byteLength(content) > chunking.maxFileBytes) return { kind: 'too-large' };
    if (content.includes('\u0000')) return { kind: 'binary' };
    const contentHash = createHash('sha256').update(content).digest('hex');
    const key = `${path}\u0000${contentHash}`;
    const cached = cache.get(key);
    if (cached) {
      remember(key, cached);
      return { kind: 'file', file: cached, reused: true };
    }
    const outline = outlined ? await outlineOf(workspace, path) : undefined;
    const file: CorpusFile = {
      path,
      contentHash,
      lines: splitLines(content),
      outlined: outline !== undefined,
      chunks: chunkFile(path, content, outline, chunking),
    };
    remember(key, file);
    return { kind: 'file', file, reused: false };
  };

  return {
    async build(workspace, signal) {
      const listed = await workspace.listFiles();
      const selected = listed.flatMap((path) => {
        const language = selection.languageOf(path);
        return language === undefined ? [] : [{ path, outlined: isOutlinedLanguage(language) }];
      });
      const results = await pMap(selected, ({ path, outlined }) => scan(workspace, path, outlined), {
        concurrency: options.readConcurrency ?? 8,
        ...(signal ? { signal } : {}),
      });
      const files: CorpusFile[] = [];
      const statistics: CorpusStatistics = {
        filesListed: listed.length,
        filesSelected: selected.length,
        filesScanned: 0,
        filesTooLarge: 0,
        filesBinary: 0,
        filesWithoutOutline: 0,
        filesReused: 0,
        lines: 0,
        chunks: 0,
      };
      selected.forEach(({ outlined }, index) => {
        const result = results[index]!;
        if (result.kind === 'too-large') statistics.filesTooLarge += 1;
        else if (result.kind === 'binary') statistics.filesBinary += 1;
        else {
          files.push(result.file);
          statistics.filesScanned += 1;
          statistics.lines += result.file.lines.length;
          if (outlined && !result.file.outlined) statistics.filesWithoutOutline += 1;
          if (result.reused) statistics.filesReused += 1;
        }
      });
      const chunks: Chunk[] = [];
      const fileOfChunk: number[] = [];
      const fileChunkStart = new Int32Array(files.length + 1);
      files.forEach((file, fileIndex) => {
        fileChunkStart[fileIndex] = chunks.length;
        for (const chunk of file.chunks) {
          chunks.push(chunk);
          fileOfChunk.push(fileIndex);
        }
      });
      fileChunkStart[files.length] = chunks.length;
      statistics.chunks = chunks.length;
      return { files, chunks, fileOfChunk: Int32Array.from(fileOfChunk), fileChunkStart, statistics };
    },
  };
}
