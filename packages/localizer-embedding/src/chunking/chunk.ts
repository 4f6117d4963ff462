/** What a chunk is: a whole function, a method, the own lines of a class, module-level code, or a window of a file. */
export type ChunkKind = 'function' | 'method' | 'class' | 'module' | 'window';

/** A span of a file that is embedded and retrieved as one unit. Lines are 1-based and inclusive. */
export interface Chunk {
  /** Unique within an index: `path:startLine-endLine`. */
  readonly id: string;
  readonly path: string;
  /** Dotted name of the function, method or class the lines belong to (`QuerySet.filter`). */
  readonly symbol: string | undefined;
  /** The definition header of `symbol` (`def filter(self, *args, **kwargs):`), also for later parts of a split body. */
  readonly signature: string | undefined;
  readonly kind: ChunkKind;
  readonly startLine: number;
  readonly endLine: number;
  /** 1 for a chunk that is not split; the part number of a long body otherwise. */
  readonly part: number;
  /** The lines themselves. */
  readonly code: string;
  /** What an embedding model sees: path, symbol and code. */
  readonly text: string;
  /** SHA-256 of `text` (hex): the key of its embedding in the cache. */
  readonly contentHash: string;
}
