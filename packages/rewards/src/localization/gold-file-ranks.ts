import type { CodePointer } from '@codemonkeys/protocol';

/** Where the gold files stand in a ranked pointer list. */
export interface GoldFileRanks {
  /** 0-based rank of the first gold file among the files the pointers name (in order of first appearance); null when none is named. */
  firstGoldRank: number | null;
  /** 1 when a gold file is among the first 1 / 5 / 10 files, else 0. */
  top1: number;
  top5: number;
  top10: number;
  /** 1 when every gold file is among the first 10 files, else 0. */
  allInTop10: number;
}

/**
 * Gold-file top-1/5/10 of a localization given as pointers, best first (as localizers return them: file
 * by file in rank order). A file's rank is the position of its first pointer among distinct files. Null
 * when the gold patch only adds files (no base file can be ranked).
 */
export function goldFileRanks(pointers: readonly CodePointer[], goldFiles: readonly string[]): GoldFileRanks | null {
  if (goldFiles.length === 0) return null;
  const order: string[] = [];
  const seen = new Set<string>();
  for (const pointer of pointers) {
    if (seen.has(pointer.path)) continue;
    seen.add(pointer.path);
    order.push(pointer.path);
  }
  const gold = new Set(goldFiles);
  const first = order.findIndex((path) => gold.has(path));
  const inTop = (n: number): number => (first >= 0 && first < n ? 1 : 0);
  const top10 = new Set(order.slice(0, 10));
  return { firstGoldRank: first < 0 ? null : first, top1: inTop(1), top5: inTop(5), top10: inTop(10), allInTop10: goldFiles.every((path) => top10.has(path)) ? 1 : 0 };
}
