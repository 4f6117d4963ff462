/**
 * Firestore orders and filters one field at a time, and the emulator compares strings as JavaScript does
 * (UTF-16 units) while Firestore compares UTF-8 bytes. So each query's sort order is stored as one
 * ASCII string whose plain string order is the order of the tuple it encodes, in every comparison:
 *
 * - components are joined by U+0001, which sorts below everything a component is encoded to, so that
 *   ("a", x) < ("a-b", y) as the tuples are;
 * - printable ASCII is kept (keys stay readable in the console); control characters become U+0002 + two
 *   hex digits (above the separator, below a space); every other character becomes, per UTF-8 byte,
 *   U+007F + two hex digits (above all ASCII, in byte order = code point order);
 * - non-negative integers are zero-padded to 16 digits.
 */
export const sortKeySeparator = '\u0001';

const hex = (value: number): string => value.toString(16).padStart(2, '0');

function encodeComponent(text: string): string {
  let encoded = '';
  for (const character of text) {
    const code = character.codePointAt(0)!;
    if (code >= 0x20 && code < 0x7f) encoded += character;
    else if (code < 0x20) encoded += `\u0002${hex(code)}`;
    else for (const byte of Buffer.from(character, 'utf8')) encoded += `\u007f${hex(byte)}`;
  }
  return encoded;
}

export function encodeSortKey(parts: ReadonlyArray<string | number>): string {
  return parts
    .map((part) => {
      if (typeof part === 'number') {
        if (!Number.isSafeInteger(part) || part < 0) throw new RangeError(`sort key numbers must be non-negative safe integers, got ${part}`);
        return String(part).padStart(16, '0');
      }
      return encodeComponent(part);
    })
    .join(sortKeySeparator);
}
