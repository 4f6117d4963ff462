/** Opaque keyset cursors: the sort key of the last item of a page, base64url-encoded JSON. */
export function encodeCursor(sortKey: readonly unknown[]): string {
  return Buffer.from(JSON.stringify(sortKey), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): unknown[] {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(decoded)) return decoded;
  } catch {
    // fall through
  }
  throw new Error(`Invalid page cursor "${cursor}": pass the nextCursor of a previous page of the same query.`);
}

/** Compares two sort keys element by element (numbers and strings). */
export function compareSortKeys(left: readonly unknown[], right: readonly unknown[]): number {
  for (let index = 0; index < Math.max(left.length, right.length); index += 1) {
    const a = left[index];
    const b = right[index];
    if (a === b) continue;
    if (a === undefined || a === null) return -1;
    if (b === undefined || b === null) return 1;
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    return String(a) < String(b) ? -1 : 1;
  }
  return 0;
}
