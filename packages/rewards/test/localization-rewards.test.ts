import { describe, expect, it } from 'vitest';
import { renderContext } from '@codemonkeys/plugin-kit';
import { type CodePointer } from '@codemonkeys/protocol';
import { createInMemoryWorkspace } from '@codemonkeys/protocol/testkit';
import { computeLocalizationRewards, countLines } from '../src/index';
import { baseFiles, fileA, fileB, fileC, multiFileGold } from './support/hand-checked';

const workspace = createInMemoryWorkspace({ instanceId: 'hand__checked-1', files: baseFiles });
/** One token a character: every token figure can be checked by hand. */
const countCharacters = (text: string): number => text.length;
const readFile = async (path: string): Promise<string | undefined> => baseFiles[path];

describe('localization rewards of a whole result', () => {
  const pointers: CodePointer[] = [
    { path: 'pkg/a.py', startLine: 6, endLine: 20 }, // past the end: clamped to 6-10
    { path: 'pkg/missing.py', startLine: 1, endLine: 3 },
  ];

  it('clamps pointers to their files, drops missing files and measures compression against the repository source files', async () => {
    const rewards = await computeLocalizationRewards({ result: { content: pointers, metadata: {} }, goldPatch: multiFileGold, workspace, countTokens: countCharacters });
    expect(rewards.form).toBe('pointers');
    expect(rewards.missingFiles).toEqual(['pkg/missing.py']);
    expect(rewards).toMatchObject({ contextLines: 5, shownGoldLines: 1, goldLineRecall: 0.25, relevantOverContext: 0.2, fileRecallAll: 0, fileRecallAny: 1 });
    // Source files: a.py (10 lines, 9 × 6 + 7 = 61 characters), b.py (2, 6), c.py (5, 15); README.md is not source.
    expect(rewards.scanned).toEqual({ source: 'repository', files: 3, lines: 17, tokens: fileA.length + fileB.length + fileC.length });
    expect(fileA.length + fileB.length + fileC.length).toBe(82);
    expect(rewards.compressionLines).toBeCloseTo(5 / 17, 12);
    const rendered = await renderContext(pointers, { readFile, countTokens: countCharacters });
    expect(rewards.contextTokens).toBe(rendered.text.length);
    expect(rewards.compressionTokens).toBeCloseTo(rendered.text.length / 82, 12);
  });

  it('gives the same lines for the rendered string as for the pointers it was rendered from', async () => {
    const rendered = await renderContext(pointers, { readFile, countTokens: countCharacters });
    const fromText = await computeLocalizationRewards({
      result: { content: `Instructions first.\n\n${rendered.text}\n`, metadata: {} },
      goldPatch: multiFileGold,
      workspace,
      countTokens: countCharacters,
    });
    const fromPointers = await computeLocalizationRewards({ result: { content: pointers, metadata: {} }, goldPatch: multiFileGold, workspace, countTokens: countCharacters });
    expect(fromText.form).toBe('text');
    for (const key of ['contextLines', 'shownGoldLines', 'goldLineRecall', 'fileRecallAll', 'fileRecallAny', 'relevantOverContext', 'compressionLines'] as const) {
      expect(fromText[key], key).toEqual(fromPointers[key]);
    }
    // The string's tokens include the text around the file blocks.
    expect(fromText.contextTokens).toBe('Instructions first.\n\n'.length + rendered.text.length + 1);
  });

  it('takes pointers as given without a workspace, and leaves tokens and compression unknown', async () => {
    const rewards = await computeLocalizationRewards({ result: { content: pointers, metadata: {} }, goldPatch: multiFileGold });
    expect(rewards).toMatchObject({ contextLines: 15 + 3, contextTokens: null, scanned: null, compressionLines: null, compressionTokens: null });
  });

  it('measures the files the localizer says it scanned, or takes its counts', async () => {
    const files = await computeLocalizationRewards({
      result: { content: [{ path: 'pkg/a.py', startLine: 1, endLine: 2 }], metadata: { scanned: { files: ['pkg/a.py', 'README.md'] } } },
      goldPatch: multiFileGold,
      workspace,
      countTokens: countCharacters,
    });
    expect(files.scanned).toEqual({ source: 'metadata-files', files: 2, lines: 13, tokens: 61 + 18 });
    expect(files.compressionLines).toBeCloseTo(2 / 13, 12);
    const counts = await computeLocalizationRewards({
      result: { content: [{ path: 'pkg/a.py', startLine: 1, endLine: 2 }], metadata: { scanned: { lines: 1000, tokens: 8000 } } },
      goldPatch: multiFileGold,
      workspace,
      countTokens: countCharacters,
    });
    expect(counts.scanned).toEqual({ source: 'metadata-counts', files: null, lines: 1000, tokens: 8000 });
    expect(counts.compressionLines).toBe(2 / 1000);
  });

  it('gives zero recall and no relevance for an empty result, in both forms', async () => {
    for (const content of ['', []]) {
      const rewards = await computeLocalizationRewards({ result: { content, metadata: {} }, goldPatch: multiFileGold, workspace, countTokens: countCharacters });
      expect(rewards).toMatchObject({ contextLines: 0, contextTokens: 0, goldLineRecall: 0, fileRecallAny: 0, relevantOverContext: null, compressionLines: 0 });
    }
  });

  it('counts lines as the renderer numbers them', () => {
    expect([countLines(''), countLines('a'), countLines('a\n'), countLines('a\nb'), countLines('a\n\n')]).toEqual([0, 1, 1, 2, 2]);
  });
});
