import { expect, it } from 'vitest';
import { fuseLocalizations, rankedSpansOf } from '../src/execution/reciprocal-rank-fusion';

const rendered = ['Some instructions.', '[start of b.py]', '  9 | z', '  3 | x', '  4 | y', '[end of b.py]', '[start of a.py]', '  1 | a', '[end of a.py]'].join('\n');

it('reads the spans of a rendered context as runs of consecutive shown lines, file by file', () => {
  expect(rankedSpansOf({ content: rendered, metadata: {} })).toEqual([
    { path: 'b.py', startLine: 3, endLine: 4 },
    { path: 'b.py', startLine: 9, endLine: 9 },
    { path: 'a.py', startLine: 1, endLine: 1 },
  ]);
});

it('scores a span shown by both localizations above spans shown by one, merging spans that touch', () => {
  const pointers = {
    content: [
      { path: 'a.py', startLine: 2, endLine: 5, kind: 'lines' as const },
      { path: 'c.py', startLine: 1, endLine: 3, kind: 'lines' as const },
    ],
    metadata: {},
  };
  const fused = fuseLocalizations([{ content: rendered, metadata: {} }, pointers], { k: 60 });
  const spans = (fused.content as Array<{ path: string; startLine: number; endLine: number; score: number }>).map(({ path, startLine, endLine, score }) => ({
    path,
    startLine,
    endLine,
    score,
  }));
  // a.py 1 (rank 3 of the first) touches a.py 2-5 (rank 1 of the second): one span scoring 1/63 + 1/61 (ranks count from 1).
  expect(spans[0]).toEqual({ path: 'a.py', startLine: 1, endLine: 5, score: Number((1 / 63 + 1 / 61).toFixed(6)) });
  expect(spans.slice(1).map((span) => `${span.path}:${span.startLine}-${span.endLine}`)).toEqual(['b.py:3-4', 'b.py:9-9', 'c.py:1-3']); // b.py 9 and c.py 1-3 tie at 1/62: first seen first
  expect(fused.metadata).toMatchObject({ fusion: { method: 'reciprocal-rank', fusedSpans: 4, sharedSpans: 1 } });
});

it('joins spans that a later result bridges, each result counting once at its best rank, and keeps a symbol only where every span agrees', () => {
  const first = {
    content: [
      { path: 'a.py', startLine: 1, endLine: 2, kind: 'function' as const, symbol: 'f' },
      { path: 'a.py', startLine: 5, endLine: 6, kind: 'lines' as const },
      { path: 'b.py', startLine: 1, endLine: 9, kind: 'class' as const, symbol: 'B' },
    ],
    metadata: {},
  };
  const second = {
    content: [
      { path: 'a.py', startLine: 3, endLine: 4, kind: 'lines' as const },
      { path: 'b.py', startLine: 1, endLine: 9, kind: 'class' as const, symbol: 'B' },
    ],
    metadata: {},
  };
  const fused = fuseLocalizations([first, second], { k: 10, weights: [1, 2] });
  expect(fused.content).toEqual([
    // a.py 1-2 (rank 1) and 5-6 (rank 2) of the first are joined by a.py 3-4 (rank 1 of the second): 1/11 + 2/11.
    { path: 'a.py', startLine: 1, endLine: 6, kind: 'lines', score: Number((1 / 11 + 2 / 11).toFixed(6)) },
    { path: 'b.py', startLine: 1, endLine: 9, kind: 'class', symbol: 'B', score: Number((1 / 13 + 2 / 12).toFixed(6)) },
  ]);
  expect(fused.metadata).toMatchObject({ fusion: { weights: [1, 2], spans: [3, 2], fusedSpans: 2, sharedSpans: 2 } });
});
