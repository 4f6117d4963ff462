import { createHash } from 'node:crypto';

/**
 * A deterministic Firestore document id for a record key, so that writing a record twice overwrites it
 * (idempotence without transactions). Readable when possible: the key's parts URI-encoded (no `/`)
 * and joined by `|`. Ids Firestore would refuse (`.`, `..`, `__x__`, over 1500 bytes, lone surrogates)
 * become `%h` + a SHA-256 of the key, a form URI encoding never produces.
 */
export function documentIdOf(parts: readonly string[]): string {
  let id: string | undefined;
  try {
    id = parts.map((part) => encodeURIComponent(part)).join('|');
  } catch {
    id = undefined; // a lone surrogate cannot be URI-encoded
  }
  if (id === undefined || id === '' || id === '.' || id === '..' || /^__.*__$/.test(id) || Buffer.byteLength(id, 'utf8') > 1400) {
    return `%h${createHash('sha256').update(JSON.stringify(parts)).digest('hex')}`;
  }
  return id;
}
