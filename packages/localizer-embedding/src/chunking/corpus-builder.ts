import { createHash } from 'node:crypto';
import pMap from 'p-map';
import { UnsupportedCapabilityError, type Logger, type OutlineEntry, type Workspace } from '@codemonkeys/protocol';
import type { ChunkingOptions } from '../options/embedding-localizer-options';
import { chunkFile, splitLines } from './chunk-file';
import type { Chunk } from './chunk';
import type { Corpus, CorpusFile, CorpusStatistics } from './corpus';
import { createFileSelection } from './file-selection';
import { isOutlinedLanguage } from './languages';

export interface CorpusBuilderOptions {
  chunking: ChunkingOptions;
  /** Files kept in memory between instances (by path and content); unchanged files are not read into chunks again. */
  maxCachedFiles?: number;
  /** Files read at once. */
  readConcurrency?: number;
  logger?: Logger;
}

/** Reads the selected files of a workspace and chunks them, reusing the chunks of files seen unchanged before. */
export interface CorpusBuilder {
  build(workspace: Workspace, signal?: AbortSignal): Promise<Corpus>;
}

type ScanResult = { kind: 'file'; file: CorpusFile; reused: boolean } | { kind: 'too-large' } | { kind: 'binary' };

export function createCorpusBuilder(options: CorpusBuilderOptions): CorpusBuilder {
  const { chunking } = options;
  const selection = createFileSelection(chunking);
  const maxCachedFiles = options.maxCachedFiles ?? 20_000;
  const cache = new Map<string, CorpusFile>();

  const remember = (key: string, file: CorpusFile): void => {
    cache.delete(key);
    cache.set(key, file);
    // Least recently used first: Map keeps insertion order and every hit re-inserts.
    while (cache.size > maxCachedFiles) cache.delete(cache.keys().next().value!);
  };

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
