import { CodemonkeysError } from '../../errors/codemonkeys-error';

/** Opaque keyset cursors: the sort key of the last item of a page, base64url-encoded JSON. */
export function encodeCursor(sortKey: readonly unknown[]): string {
  return Buffer.from(JSON.stringify(sortKey), 'utf8').toString('base64url');
}

/**
 * Decodes a cursor made by `encodeCursor`. With `shape`, also checks that it holds that many strings and
 * numbers in that order, so that a cursor of another query (or another backend) is refused clearly
 * instead of silently returning the wrong page.
 */
export function decodeCursor(cursor: string, shape?: ReadonlyArray<'string' | 'number'>): unknown[] {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  const fits = Array.isArray(decoded) && (!shape || (decoded.length === shape.length && shape.every((type, index) => typeof decoded[index] === type)));
  if (!fits) {
    throw new CodemonkeysError(`Invalid page cursor "${cursor}": pass the nextCursor of a previous page of the same query.`);
  }
  return decoded as unknown[];
}

/** Compares two strings by Unicode code point, the order of SQLite (BINARY) and Firestore (UTF-8 bytes). */
export function compareCodePoints(left: string, right: string): number {
  const length = Math.min(left.length, right.length);
  for (let index = 0; index < length; index += 1) {
    const a = left.charCodeAt(index);
    const b = right.charCodeAt(index);
    if (a === b) continue;
    // Surrogates (astral characters) sort after every BMP character in code point order.
    const aSurrogate = a >= 0xd800 && a <= 0xdfff;
    const bSurrogate = b >= 0xd800 && b <= 0xdfff;
    if (aSurrogate !== bSurrogate) return aSurrogate ? 1 : -1;
    return a - b;
  }
  return left.length - right.length;
}

/** Compares two sort keys element by element (numbers and strings; strings by code point). */
export function compareSortKeys(left: readonly unknown[], right: readonly unknown[]): number {
  for (let index = 0; index < Math.max(left.length, right.length); index += 1) {
    const a = left[index];
    const b = right[index];
    if (a === b) continue;
    if (a === undefined || a === null) return -1;
    if (b === undefined || b === null) return 1;
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    const order = compareCodePoints(String(a), String(b));
    if (order !== 0) return order;
  }
  return 0;
}
