import { describe, expect, it } from 'vitest';
import { localizationOutput, renderContext, renderPointersWithinBudget } from '../src/index';
import type { CodePointer } from '@codemonkeys/protocol';

const makeFile = (name: string, count: number): string => Array.from({ length: count }, (_, index) => `${name} line ${index + 1}`).join('\n') + '\n';
const files: Record<string, string> = { 'a.py': makeFile('a', 40), 'b.py': makeFile('b', 20) };
const readFile = (path: string): string | undefined => files[path];
const countTokens = (text: string): number => text.split(/\s+/).filter(Boolean).length;

const pointers: CodePointer[] = [
  { path: 'a.py', startLine: 10, endLine: 14, kind: 'function', symbol: 'f', score: 0.9 },
  { path: 'b.py', startLine: 1, endLine: 20, kind: 'file', score: 0.7 },
  { path: 'a.py', startLine: 15, endLine: 16, kind: 'lines', score: 0.95, symbol: 'g' },
  { path: 'a.py', startLine: 30, endLine: 31, kind: 'class', symbol: 'C', score: 0.5 },
];

describe('renderPointersWithinBudget', () => {
  it('renders like renderContext and maps what is shown back to the best offered pointer', async () => {
    const rendered = await renderPointersWithinBudget(pointers, { readFile, countTokens });
    const plain = await renderContext(pointers, { readFile, countTokens });
    expect(rendered.text).toBe(plain.text);
    expect(rendered).toMatchObject({ tokens: plain.tokens, lines: plain.lines, omitted: 0 });
    expect(rendered.pointers).toEqual([
      // 10-14 and 15-16 touch: one span, the score and symbol of the better one, kind lines.
      { path: 'a.py', startLine: 10, endLine: 16, kind: 'lines', score: 0.95, symbol: 'g' },
      { path: 'a.py', startLine: 30, endLine: 31, kind: 'class', score: 0.5, symbol: 'C' },
      { path: 'b.py', startLine: 1, endLine: 20, kind: 'file', score: 0.7 },
    ]);
  });

  it('keeps the text within the budget and counts what it left out; an undefined budget is no budget', async () => {
    const unlimited = await renderPointersWithinBudget(pointers, { readFile, countTokens, tokenBudget: undefined });
    const budget = Math.floor(unlimited.tokens / 2);
    const rendered = await renderPointersWithinBudget(pointers, { readFile, countTokens, tokenBudget: budget });
    expect(rendered.tokens).toBeLessThanOrEqual(budget);
    expect(rendered.tokens).toBeGreaterThan(0);
    expect(rendered.omitted).toBeGreaterThan(0);
    expect(rendered.pointers.length).toBeLessThan(unlimited.pointers.length);
    expect(rendered.pointers[0]).toMatchObject({ path: 'a.py', startLine: 10, score: 0.9 });
  });

  it('leaves out the score of shown lines no scored pointer covers, and a missing file', async () => {
    const rendered = await renderPointersWithinBudget(
      [
        { path: 'a.py', startLine: 1, endLine: 2 },
        { path: 'gone.py', startLine: 1, endLine: 3 },
      ],
      { readFile },
    );
    expect(rendered.pointers).toEqual([{ path: 'a.py', startLine: 1, endLine: 2, kind: 'lines' }]);
    expect(rendered.omitted).toBe(1);
  });
});

describe('localizationOutput', () => {
  it("returns the pointers as given and renders nothing for output 'pointers'", async () => {
    const output = await localizationOutput(pointers, { output: 'pointers', readFile, countTokens, tokenBudget: 5 });
    expect(output).toEqual({ content: pointers });
  });

  it("returns the rendered text within the budget for output 'text'", async () => {
    const output = await localizationOutput(pointers, { output: 'text', readFile, countTokens, tokenBudget: 60 });
    const plain = await renderContext(pointers, { readFile, countTokens, tokenBudget: 60 });
    expect(output.content).toBe(plain.text);
    expect(output.rendered).toMatchObject({ tokens: plain.tokens, lines: plain.lines, omitted: plain.omitted.length });
  });

  it('cuts pointers to what the budget shows with budgetPointers', async () => {
    const output = await localizationOutput(pointers, { output: 'pointers', budgetPointers: true, readFile, countTokens, tokenBudget: 60 });
    expect(output.content).toEqual(output.rendered!.pointers);
    expect((output.content as CodePointer[]).length).toBeLessThan(3);
  });
});
