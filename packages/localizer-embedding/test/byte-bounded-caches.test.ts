import { describe, expect, it } from 'vitest';
import { createInMemoryWorkspace } from '@codemonkeys/protocol/testkit';
import { outlinePython } from '@codemonkeys/swebench';
import { ByteBoundedCache } from '../src/cache/byte-bounded-cache';
import { corpusFileBytes, createCorpusBuilder } from '../src/chunking/corpus-builder';
import { ChunkingOptionsSchema } from '../src/options/embedding-localizer-options';
import { memoizeTokenCounter } from '../src/retrieval/memoized-token-counter';

describe('ByteBoundedCache', () => {
  it('drops the least recently used entries when the bytes exceed the cap', () => {
    const cache = new ByteBoundedCache<string, string>(10, (_key, value) => value.length);
    cache.set('a', 'aaaa');
    cache.set('b', 'bbbb');
    expect(cache.get('a')).toBe('aaaa'); // a is now the most recently used
    cache.set('c', 'cccc'); // 12 bytes: b goes
    expect([cache.has('a'), cache.has('b'), cache.has('c')]).toEqual([true, false, true]);
    expect(cache.bytes).toBe(8);
    cache.set('a', 'a'); // replacing an entry counts its new size only
    expect(cache.bytes).toBe(5);
  });

  it('keeps no entry larger than the whole cap, and refuses a cap that is not positive', () => {
    const cache = new ByteBoundedCache<string, string>(3, (_key, value) => value.length);
    cache.set('big', 'xxxx');
    expect(cache.size).toBe(0);
    expect(() => new ByteBoundedCache(0, () => 1)).toThrow(/maxBytes must be positive/);
  });

  it('applies an optional entry cap as well', () => {
    const cache = new ByteBoundedCache<number, number>(1_000, () => 1, 2);
    [1, 2, 3].forEach((key) => cache.set(key, key));
    expect([cache.has(1), cache.has(2), cache.has(3)]).toEqual([false, true, true]);
  });
});

describe('the corpus builder cache is capped by bytes', () => {
  const files: Record<string, string> = {};
  for (let index = 0; index < 20; index += 1) files[`pkg/module_${index}.py`] = `def function_${index}(value):\n    return value * ${index}\n`.repeat(20);
  const workspace = createInMemoryWorkspace({ instanceId: 'cache__bytes-1', files, outline: (_path, content) => outlinePython(content) });
  const chunking = ChunkingOptionsSchema.parse({});

  it('reuses every file when they fit, and only what fits when they do not', async () => {
    const roomy = createCorpusBuilder({ chunking });
    const first = await roomy.build(workspace);
    expect((await roomy.build(workspace)).statistics.filesReused).toBe(20);
    const oneFile = corpusFileBytes(first.files[0]!);
    // Room for about five files: the second build reuses at most five, and the cache never holds more.
    const tight = createCorpusBuilder({ chunking, maxCachedBytes: Math.floor(5.5 * (oneFile + 200)) });
    await tight.build(workspace);
    const again = await tight.build(workspace);
    expect(again.statistics.filesReused).toBeLessThanOrEqual(5);
    expect(again.statistics.filesScanned).toBe(20);
  });
});

describe('the memoized token counter', () => {
  it('counts the same with a tiny byte cap as without (it forgets, it does not miscount)', () => {
    let calls = 0;
    const counter = (text: string): number => {
      calls += 1;
      return text.length;
    };
    const tiny = memoizeTokenCounter(counter, 500_000, 2_000, 100);
    const texts = Array.from({ length: 50 }, (_, index) => `line number ${index} with some text`);
    expect(texts.map(tiny)).toEqual(texts.map((text) => text.length));
    expect(texts.map(tiny)).toEqual(texts.map((text) => text.length));
    // With a 100-byte cap almost nothing is remembered: the second pass counts again.
    expect(calls).toBeGreaterThan(texts.length * 1.5);
  });
});
