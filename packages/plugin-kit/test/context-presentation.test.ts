import { describe, expect, it } from 'vitest';
import { parseRenderedContext, pointerLines, type CodePointer } from '@codemonkeys/protocol';
import { contextPresentations, presentPointers, pythonDefinitionLines, renderPointersWithinBudget } from '../src/index';

const module = [
  'import os',
  '',
  '',
  'class Store:',
  '    """Keeps items."""',
  '',
  '    def add(self, item):',
  '        self.items.append(item)',
  '',
  '    def remove(self, item):',
  '        self.items.remove(item)',
  '',
  '',
  'async def load(path):',
  '    return os.listdir(path)',
  '',
].join('\n');
const other = 'def helper():\n    return 1\n';
const files: Record<string, string> = { 'pkg/store.py': module, 'pkg/other.py': other };
const readFile = (path: string): string | undefined => files[path];
const pointers: CodePointer[] = [
  { path: 'pkg/store.py', startLine: 10, endLine: 11, score: 2 },
  { path: 'pkg/other.py', startLine: 2, endLine: 2, score: 1 },
];
const linesOf = (shown: ReadonlyMap<string, ReadonlySet<number>>, path: string): number[] => [...(shown.get(path) ?? [])].sort((a, b) => a - b);

describe('context presentations', () => {
  it('finds the Python definition headers for the default skeleton', () => {
    expect(pythonDefinitionLines(module)).toEqual([4, 7, 10, 14]);
  });

  it('shows the spans, whole files, windows or skeleton plus spans', async () => {
    const shown = async (presentation: (typeof contextPresentations)[number]) =>
      pointerLines((await renderPointersWithinBudget(pointers, { readFile, presentation, windowLines: 2 })).pointers);
    const spans = await shown('spans');
    expect(linesOf(spans, 'pkg/store.py')).toEqual([10, 11]);
    const full = await shown('full-files');
    expect(linesOf(full, 'pkg/store.py')).toEqual(Array.from({ length: 15 }, (_, index) => index + 1));
    expect(linesOf(full, 'pkg/other.py')).toEqual([1, 2]);
    const windows = await shown('windows');
    expect(linesOf(windows, 'pkg/store.py')).toEqual([8, 9, 10, 11, 12, 13]);
    expect(linesOf(windows, 'pkg/other.py')).toEqual([1, 2]);
    const skeleton = await shown('skeleton+spans');
    expect(linesOf(skeleton, 'pkg/store.py')).toEqual([4, 7, 10, 11, 14]);
    expect(linesOf(skeleton, 'pkg/other.py')).toEqual([1, 2]);
  });

  it('maps every presentation back to the (file, line) pairs its text shows, within the budget', async () => {
    for (const presentation of contextPresentations) {
      for (const tokenBudget of [40, 10_000]) {
        const rendered = await renderPointersWithinBudget(pointers, { readFile, presentation, tokenBudget, countTokens: (text) => Math.ceil(text.length / 4) });
        expect(rendered.tokens, presentation).toBeLessThanOrEqual(tokenBudget);
        expect(parseRenderedContext(rendered.text), presentation).toEqual(pointerLines(rendered.pointers));
      }
    }
  });

  it('keeps a skeleton within its line cap and uses the skeleton lines it is given', async () => {
    const presented = await presentPointers(pointers.slice(0, 1), { presentation: 'skeleton+spans', readFile, skeletonLines: () => [1, 4, 99], maxSkeletonLines: 2 });
    expect(presented.map((pointer) => [pointer.startLine, pointer.endLine])).toEqual([
      [10, 11],
      [1, 1],
      [4, 4],
    ]);
  });
});
