/**
 * A least-recently-used map capped by the bytes of what it holds (as `sizeOf` estimates them), not by
 * its number of entries: a cache of files or vectors then stays within its memory share whatever the
 * repository, a few large files or many small ones. An entry larger than the whole cap is not kept.
 */
export class ByteBoundedCache<Key, Value> {
  private readonly entries = new Map<Key, { value: Value; bytes: number }>();
  private heldBytes = 0;

  constructor(
    readonly maxBytes: number,
    private readonly sizeOf: (key: Key, value: Value) => number,
    /** An optional cap on the number of entries too. */
    private readonly maxEntries = Number.POSITIVE_INFINITY,
  ) {
    if (!(maxBytes > 0)) throw new RangeError(`ByteBoundedCache: maxBytes must be positive, got ${maxBytes}`);
  }

  /** Bytes held now (by the estimate). */
  get bytes(): number {
    return this.heldBytes;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The value, marked as recently used. */
  get(key: Key): Value | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  has(key: Key): boolean {
    return this.entries.has(key);
  }

  set(key: Key, value: Value): void {
    this.delete(key);
    const bytes = this.sizeOf(key, value);
    if (bytes > this.maxBytes) return;
    this.entries.set(key, { value, bytes });
    this.heldBytes += bytes;
    // Least recently used first: Map keeps insertion order and every hit re-inserts.
    while (this.heldBytes > this.maxBytes || this.entries.size > this.maxEntries) this.delete(this.entries.keys().next().value as Key);
  }

  delete(key: Key): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.heldBytes -= entry.bytes;
  }

  clear(): void {
    this.entries.clear();
    this.heldBytes = 0;
  }
}

/** Bytes a JavaScript string takes at most (UTF-16; V8 stores Latin-1 strings in one byte a character). */
export const stringBytes = (text: string): number => 2 * text.length;
