import type { Chunk } from './chunk';

/** One file of a corpus with its chunks. Shared between the corpora of instances whose file is byte for byte the same. */
export interface CorpusFile {
  readonly path: string;
  /** SHA-256 of the content (hex). */
  readonly contentHash: string;
  readonly lines: readonly string[];
  /** The file could be outlined (otherwise it is chunked by line windows). */
  readonly outlined: boolean;
  readonly chunks: readonly Chunk[];
}

/** The files of one instance that the localizer indexes, and their chunks. */
export interface Corpus {
  readonly files: readonly CorpusFile[];
  /** Every chunk, file by file. */
  readonly chunks: readonly Chunk[];
  /** For each chunk, the index of its file in `files`. */
  readonly fileOfChunk: Int32Array;
  /** The chunks of file `i` are `chunks[fileChunkStart[i] .. fileChunkStart[i + 1])`. */
  readonly fileChunkStart: Int32Array;
  readonly statistics: CorpusStatistics;
}

export interface CorpusStatistics {
  /** Files in the repository. */
  filesListed: number;
  /** Files that matched include/exclude and languages. */
  filesSelected: number;
  /** Files read and chunked (selected, not too large, not binary). */
  filesScanned: number;
  filesTooLarge: number;
  filesBinary: number;
  /** Scanned files chunked by windows because their outline failed or is not available. */
  filesWithoutOutline: number;
  /** Scanned files taken from the chunk cache (unchanged since an earlier instance). */
  filesReused: number;
  lines: number;
  chunks: number;
}
