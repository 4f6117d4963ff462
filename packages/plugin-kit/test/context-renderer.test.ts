import { describe, expect, it } from 'vitest';
import { lineRunsOf, renderContext } from '../src/index';
import { parseRenderedContext, pointerLines, shownLinesOf, type CodePointer } from '@codemonkeys/protocol';

const makeFile = (name: string, count: number): string => Array.from({ length: count }, (_, index) => `${name} line ${index + 1}`).join('\n') + '\n';
const files: Record<string, string> = {
  'pkg/a.py': makeFile('a', 50),
  'pkg/b.py': makeFile('b', 30),
  'pkg/c.py': makeFile('c', 5),
};
const readFile = (path: string) => files[path];
const toSets = (map: Map<string, Set<number>>) => Object.fromEntries([...map].map(([path, lines]) => [path, [...lines].sort((x, y) => x - y)]));

describe('renderContext', () => {
  it('merges overlapping and adjacent spans, numbers lines, keeps file order of first mention', async () => {
    const pointers: CodePointer[] = [
      { path: 'pkg/b.py', startLine: 3, endLine: 5 },
      { path: 'pkg/a.py', startLine: 10, endLine: 12 },
      { path: 'pkg/b.py', startLine: 6, endLine: 8 },
      { path: 'pkg/b.py', startLine: 4, endLine: 7 },
      { path: 'pkg/a.py', startLine: 20, endLine: 21 },
    ];
    const rendered = await renderContext(pointers, { readFile });
    expect(rendered.text.indexOf('[start of pkg/b.py]')).toBeLessThan(rendered.text.indexOf('[start of pkg/a.py]'));
    expect(rendered.shown).toEqual([
      { path: 'pkg/b.py', startLine: 3, endLine: 8, kind: 'lines' },
      { path: 'pkg/a.py', startLine: 10, endLine: 12, kind: 'lines' },
      { path: 'pkg/a.py', startLine: 20, endLine: 21, kind: 'lines' },
    ]);
    expect(rendered.lines).toBe(11);
    expect(rendered.text).toContain('10 | a line 10');
    expect(rendered.text).toMatch(/^3 \| b line 3$/m);
  });

  it('round-trips: the parsed text shows exactly the lines of the shown spans', async () => {
    const pointers: CodePointer[] = [
      { path: 'pkg/a.py', startLine: 1, endLine: 50, kind: 'file' },
      { path: 'pkg/c.py', startLine: 2, endLine: 3 },
      { path: 'pkg/b.py', startLine: 30, endLine: 30 },
    ];
    const rendered = await renderContext(pointers, { readFile });
    const parsed = parseRenderedContext(`Issue text\n[start of fake.py] is mentioned here\n\n${rendered.text}\nPlease fix.`);
    expect(toSets(parsed)).toEqual(toSets(pointerLines(rendered.shown)));
    expect(toSets(shownLinesOf({ content: rendered.text, metadata: {} }))).toEqual(toSets(shownLinesOf({ content: rendered.shown, metadata: {} })));
  });

  it('never exceeds the token budget, cutting the first pointer that does not fit', async () => {
    const countTokens = (text: string) => text.split(/\s+/).filter(Boolean).length;
    for (const budget of [0, 5, 17, 40, 100, 250, 1000]) {
      const rendered = await renderContext(
        [
          { path: 'pkg/a.py', startLine: 1, endLine: 50 },
          { path: 'pkg/c.py', startLine: 1, endLine: 5 },
          { path: 'pkg/b.py', startLine: 1, endLine: 30 },
        ],
        { readFile, tokenBudget: budget, countTokens },
      );
      expect(rendered.tokens).toBeLessThanOrEqual(budget);
      expect(countTokens(rendered.text)).toBe(rendered.tokens);
      expect(toSets(parseRenderedContext(rendered.text))).toEqual(toSets(pointerLines(rendered.shown)));
    }
    const small = await renderContext(
      [
        { path: 'pkg/a.py', startLine: 1, endLine: 50 },
        { path: 'pkg/c.py', startLine: 1, endLine: 2 },
      ],
      { readFile, tokenBudget: 60, countTokens },
    );
    expect(small.shown[0]).toMatchObject({ path: 'pkg/a.py', startLine: 1 });
    expect(small.shown[0]!.endLine).toBeLessThan(50);
    expect(small.omitted[0]).toMatchObject({ path: 'pkg/a.py', startLine: small.shown[0]!.endLine + 1, endLine: 50 });
  });

  it('reports missing files and pointers past the end of a file', async () => {
    const rendered = await renderContext(
      [
        { path: 'nope.py', startLine: 1, endLine: 2 },
        { path: 'pkg/c.py', startLine: 9, endLine: 12 },
        { path: 'pkg/c.py', startLine: 4, endLine: 99 },
      ],
      { readFile },
    );
    expect(rendered.missingFiles).toEqual(['nope.py']);
    expect(rendered.shown).toEqual([{ path: 'pkg/c.py', startLine: 4, endLine: 5, kind: 'lines' }]);
    expect(rendered.omitted.map((pointer) => pointer.path)).toEqual(['nope.py', 'pkg/c.py']);
  });

  it('renders nothing for no pointers', async () => {
    const rendered = await renderContext([], { readFile });
    expect(rendered).toMatchObject({ text: '', tokens: 0, lines: 0, shown: [] });
  });
});

describe('lineRunsOf', () => {
  it('turns line numbers in any order, with repeats, into ascending runs of consecutive lines', () => {
    expect(lineRunsOf([7, 3, 1, 2, 2, 9, 8, 12])).toEqual([
      { startLine: 1, endLine: 3 },
      { startLine: 7, endLine: 9 },
      { startLine: 12, endLine: 12 },
    ]);
    expect(lineRunsOf(new Set<number>())).toEqual([]);
  });
});
