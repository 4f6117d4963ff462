import { createHash } from 'node:crypto';

/**
 * Splits `text` into pieces of at most `maxBytes` UTF-8 bytes, never inside a character, so that each
 * piece is a valid string field of its own chunk document. `joinChunks` is its inverse.
 */
export function splitIntoChunks(text: string, maxBytes: number): string[] {
  const bytes = Buffer.from(text, 'utf8');
  const chunks: string[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = Math.min(start + maxBytes, bytes.length);
    // Step back over UTF-8 continuation bytes (10xxxxxx) so that the cut falls between characters.
    while (end < bytes.length && end > start && (bytes[end]! & 0xc0) === 0x80) end -= 1;
    chunks.push(bytes.subarray(start, end).toString('utf8'));
    start = end;
  }
  return chunks;
}

export const joinChunks = (chunks: readonly string[]): string => chunks.join('');

/** Identifies one version of a record's text: chunk documents are named by it, so versions never mix. */
export const contentHashOf = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 32);

/** The id of chunk `index` of a version of the document `owner` (a collection/document path). */
export const chunkDocumentId = (owner: string, hash: string, index: number): string => `${createHash('sha256').update(`${owner}\n${hash}`).digest('hex').slice(0, 40)}-${index}`;
