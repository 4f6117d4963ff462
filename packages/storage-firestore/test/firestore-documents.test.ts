import { describe, expect, it } from 'vitest';
import { documentIdOf } from '../src/document-id';
import { contentHashOf, joinChunks, splitIntoChunks } from '../src/record-chunks';

describe('documentIdOf', () => {
  it('is readable, deterministic and keeps parts apart', () => {
    expect(documentIdOf(['run-1', 'django__django-11099', 'generate', '0'])).toBe('run-1|django__django-11099|generate|0');
    expect(documentIdOf(['a/b', 'c|d'])).toBe('a%2Fb|c%7Cd');
    expect(documentIdOf(['a|b'])).not.toBe(documentIdOf(['a', 'b']));
    expect(documentIdOf(['x'])).toBe(documentIdOf(['x']));
  });

  it('hashes ids Firestore would refuse', () => {
    for (const parts of [['.'], ['..'], ['__reserved__'], ['x'.repeat(2000)], ['lone \ud800 surrogate'], ['']]) {
      expect(documentIdOf(parts)).toMatch(/^%h[0-9a-f]{64}$/);
    }
    expect(documentIdOf(['__a__'])).not.toBe(documentIdOf(['__b__']));
  });
});

describe('record chunks', () => {
  it('cuts between characters, within the byte limit, and joins back exactly', () => {
    const text = `${'a'.repeat(1000)}${'\u00e9'.repeat(1000)}${'\u{1F600}'.repeat(1000)}${'\u20ac'.repeat(999)}end`;
    for (const maxBytes of [1024, 1025, 1026, 1027, 4096]) {
      const chunks = splitIntoChunks(text, maxBytes);
      for (const chunk of chunks) {
        expect(Buffer.byteLength(chunk, 'utf8')).toBeLessThanOrEqual(maxBytes);
        expect(chunk).not.toContain('\ufffd');
      }
      expect(joinChunks(chunks)).toBe(text);
    }
    expect(splitIntoChunks('', 1024)).toEqual([]);
    expect(contentHashOf(text)).toBe(contentHashOf(joinChunks(splitIntoChunks(text, 1024))));
  });
});
