import { describe, expect, it } from 'vitest';
import { outlinePython } from '@codemonkeys/swebench';
import { chunkFile, windowSpans } from '../src/index';

const layout = { maxChunkLines: 12, overlapLines: 2, windowLines: 6 };

const source = [
  '"""A module."""', //  1
  'import os', //  2
  '', //  3
  'LIMIT = 3', //  4
  '', //  5
  '', //  6
  '@cached', //  7
  'def helper(value):', //  8
  '    def inner():', //  9
  '        return value', // 10
  '    return inner()', // 11
  '', // 12
  '', // 13
  'class Store:', // 14
  '    """Keeps things."""', // 15
  '    kind = "store"', // 16
  '', // 17
  '    def get(self, key):', // 18
  '        return self.items[key]', // 19
  '', // 20
  '    capacity = 10', // 21
  '', // 22
  '    def put(self, key, value):', // 23
  ...Array.from({ length: 20 }, (_, index) => `        self.items[key] = value  # step ${index}`), // 24-43
  '', // 44
  'if __name__ == "__main__":', // 45
  '    helper(LIMIT)', // 46
  '',
].join('\n');

describe('chunkFile along an outline', async () => {
  const chunks = chunkFile('pkg/store.py', source, await outlinePython(source), layout);
  const spans = chunks.map((chunk) => [chunk.kind, chunk.symbol ?? null, chunk.startLine, chunk.endLine, chunk.part]);

  it('makes one chunk per function (with its decorator and nested functions) and per method, the own lines of classes, and module windows', () => {
    expect(spans).toEqual([
      ['module', null, 1, 4, 1],
      ['function', 'helper', 7, 11, 1],
      ['class', 'Store', 14, 16, 1],
      ['method', 'Store.get', 18, 19, 1],
      ['class', 'Store', 21, 21, 1],
      ['method', 'Store.put', 23, 34, 1],
      ['method', 'Store.put', 33, 43, 2],
      ['module', null, 45, 46, 1],
    ]);
  });

  it('splits long bodies into overlapping parts whose text keeps the signature', () => {
    const [firstPart, secondPart] = chunks.filter((chunk) => chunk.symbol === 'Store.put');
    expect(firstPart!.endLine - secondPart!.startLine + 1).toBe(layout.overlapLines);
    expect(secondPart!.text.split('\n').slice(0, 3)).toEqual(['# file: pkg/store.py', '# method: Store.put (part 2)', 'def put(self, key, value):']);
  });

  it('gives each chunk the text an embedder sees: path, symbol and code, and a content hash', () => {
    const helper = chunks.find((chunk) => chunk.symbol === 'helper')!;
    expect(helper.text).toBe(`# file: pkg/store.py\n# function: helper\n${source.split('\n').slice(6, 11).join('\n')}`);
    expect(helper.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(helper.id).toBe('pkg/store.py:7-11');
    expect(new Set(chunks.map((chunk) => chunk.contentHash)).size).toBe(chunks.length);
  });

  it('keeps the hash of a chunk when only lines above it move', async () => {
    const shifted = `# a new comment\n\n${source}`;
    const moved = chunkFile('pkg/store.py', shifted, await outlinePython(shifted), layout);
    const before = chunks.find((chunk) => chunk.symbol === 'Store.get')!;
    const after = moved.find((chunk) => chunk.symbol === 'Store.get')!;
    expect(after.startLine).toBe(before.startLine + 2);
    expect(after.contentHash).toBe(before.contentHash);
  });
});

describe('chunkFile without an outline', () => {
  it('cuts the file into overlapping windows, skipping blank stretches', () => {
    const text = ['a', 'b', 'c', '', '', '', '', 'd', ...Array.from({ length: 10 }, (_, index) => `line ${index}`)].join('\n');
    const chunks = chunkFile('notes/readme.rst', text, undefined, layout);
    expect(chunks.map((chunk) => [chunk.kind, chunk.startLine, chunk.endLine])).toEqual([
      ['window', 1, 6],
      ['window', 5, 10],
      ['window', 9, 14],
      ['window', 13, 18],
    ]);
    expect(chunks[0]!.text.startsWith('# file: notes/readme.rst\na\nb\nc')).toBe(true);
  });

  it('makes no chunk of an empty or blank file', () => {
    expect(chunkFile('empty.py', '', undefined, layout)).toEqual([]);
    expect(chunkFile('blank.py', '\n\n   \n', [], layout)).toEqual([]);
  });
});

describe('windowSpans', () => {
  it('covers the range with overlapping windows and no tiny tail', () => {
    expect(windowSpans(1, 10, 4, 1)).toEqual([
      [1, 4],
      [4, 7],
      [7, 10],
    ]);
    expect(windowSpans(1, 11, 6, 2)).toEqual([
      [1, 6],
      [5, 11],
    ]);
    expect(windowSpans(3, 3, 6, 2)).toEqual([[3, 3]]);
  });
});
