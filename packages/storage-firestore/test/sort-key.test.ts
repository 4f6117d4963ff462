import { compareSortKeys } from '@codemonkeys/protocol';
import { describe, expect, it } from 'vitest';
import { encodeSortKey } from '../src/sort-key';

// A small deterministic generator, so that a failure reproduces.
function randomGenerator(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

const alphabet = ['a', 'b', 'z', '-', ' ', '~', '\u0000', '\u0001', '\u0002', '\u001f', '\u007f', '\u00e9', '\u0800', '\ue000', '\uff21', '\u{1F600}', '\u{10FFFF}', '0', '9'];

describe('encodeSortKey', () => {
  it('orders encoded keys, as JavaScript strings and as UTF-8 bytes, exactly as the tuples they encode', () => {
    const random = randomGenerator(7);
    const text = (): string => Array.from({ length: Math.floor(random() * 4) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
    const tuples = Array.from({ length: 2000 }, () => [text(), text(), Math.floor(random() * 3)] as [string, string, number]);
    const byTuple = [...tuples].sort(compareSortKeys).map((tuple) => JSON.stringify(tuple));
    const encoded = tuples.map((tuple) => ({ tuple, key: encodeSortKey(tuple) }));
    const byJavaScript = [...encoded].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((entry) => JSON.stringify(entry.tuple));
    const byBytes = [...encoded].sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key))).map((entry) => JSON.stringify(entry.tuple));
    expect(byJavaScript).toEqual(byTuple);
    expect(byBytes).toEqual(byTuple);
  });

  it('keeps printable ASCII readable and encodes only the rest', () => {
    expect(encodeSortKey(['2026-01-01T00:00:00.000Z', 'call-1'])).toBe('2026-01-01T00:00:00.000Z\u0001call-1');
    expect(encodeSortKey(['django__django-11099', 'generate', 3])).toBe('django__django-11099\u0001generate\u00010000000000000003');
    expect(encodeSortKey(['\u00e9'])).toBe('\u007fc3\u007fa9');
    expect(encodeSortKey(['a\nb'])).toBe('a\u00020ab');
    expect(/^[\u0001-\u007f]*$/.test(encodeSortKey(['\u{1F600}\u0000x', 5]))).toBe(true);
  });

  it('turns a time bound into a bound on the key', () => {
    const key = encodeSortKey(['2026-01-01T00:00:05.000Z', 'call-9']);
    expect(key >= encodeSortKey(['2026-01-01T00:00:05.000Z'])).toBe(true);
    expect(key < encodeSortKey(['2026-01-01T00:00:05.000Z'])).toBe(false);
    expect(key < encodeSortKey(['2026-01-01T00:00:06.000Z'])).toBe(true);
  });

  it('refuses numbers it cannot order', () => {
    expect(() => encodeSortKey([-1])).toThrow(RangeError);
    expect(() => encodeSortKey([1.5])).toThrow(RangeError);
  });
});
