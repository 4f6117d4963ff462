import fs from 'node:fs';
import { expect, it } from 'vitest';
import { describeWhenAvailable, locateSharedData } from '@codemonkeys/protocol/testkit';
import { goldLocalizationOf, localizationLineRewards } from '../src/index';

interface GoldFileDetails {
  path: string;
  old_path: string | null;
  status: 'modified' | 'added' | 'deleted' | 'renamed';
  hunks: { old_start: number; old_lines: number; new_start: number; new_lines: number }[];
  removed_lines: number[];
  insert_after_lines: number[];
}

const shared = locateSharedData('gold-localization-lite.jsonl', 'gold-localization-verified.jsonl', 'swe-bench-lite.jsonl', 'swe-bench-verified.partial.jsonl');
const readJsonl = <T>(file: string): T[] =>
  fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);

/**
 * G from the shared data, derived independently of the diff: the removed lines, plus the insertion
 * anchors that fall in a hunk removing nothing (DESIGN §4 "insert-only hunks"), anchor 0 counted as 1.
 */
function expectedGoldLines(file: GoldFileDetails): number[] {
  const lines = new Set(file.removed_lines);
  for (const hunk of file.hunks) {
    const first = hunk.old_lines === 0 ? hunk.old_start + 1 : hunk.old_start;
    const last = hunk.old_start + hunk.old_lines - 1;
    const removesNothing = !file.removed_lines.some((line) => line >= first && line <= last);
    if (!removesNothing) continue;
    // Insertions of this hunk sit after a base line from the one before the hunk to its last line.
    const lowest = hunk.old_lines === 0 ? hunk.old_start : hunk.old_start - 1;
    for (const anchor of file.insert_after_lines) if (anchor >= lowest && anchor <= Math.max(last, lowest)) lines.add(Math.max(anchor, 1));
  }
  return [...lines].sort((left, right) => left - right);
}

describeWhenAvailable('gold lines against gold-localization-*.jsonl', shared, () => {
  for (const [split, dataset] of [
    ['lite', 'swe-bench-lite.jsonl'],
    ['verified', 'swe-bench-verified.partial.jsonl'],
  ] as const) {
    it(`agrees on every row of ${split}, through goldLocalizationOf`, () => {
      const patches = new Map(readJsonl<{ instance_id: string; patch: string }>(shared.paths[dataset]!).map((row) => [row.instance_id, row.patch]));
      const rows = readJsonl<{ instance_id: string; gold_files: string[]; gold_file_details: GoldFileDetails[] }>(shared.paths[`gold-localization-${split}.jsonl`]!);
      expect(rows.length).toBe(split === 'lite' ? 300 : 500);
      let compared = 0;
      let insertOnlyAnchors = 0;
      for (const row of rows) {
        const gold = goldLocalizationOf(patches.get(row.instance_id)!);
        const existing = row.gold_file_details.filter((file) => file.status !== 'added');
        expect(gold.files, row.instance_id).toEqual(existing.map((file) => file.old_path!).sort());
        expect(gold.addedFiles, row.instance_id).toEqual(row.gold_file_details.filter((file) => file.status === 'added').map((file) => file.path));
        for (const file of existing) {
          const expected = expectedGoldLines(file);
          insertOnlyAnchors += expected.length - file.removed_lines.length;
          expect(gold.lines.get(file.old_path!), `${row.instance_id} ${file.old_path}`).toEqual(expected);
        }
        // Showing exactly G gives recall 1 and relevance 1.
        const rewards = localizationLineRewards(new Map([...gold.lines].map(([path, lines]) => [path, new Set(lines)])), gold);
        if (gold.lineCount > 0) expect(rewards, row.instance_id).toMatchObject({ goldLineRecall: 1, relevantOverContext: 1, fileRecallAll: 1 });
        compared += 1;
      }
      expect(compared).toBe(rows.length);
      // The insert-only rule is exercised by the data, not only by hand-made diffs.
      expect(insertOnlyAnchors).toBeGreaterThan(10);
    });
  }
});
