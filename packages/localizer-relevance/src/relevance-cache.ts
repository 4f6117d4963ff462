import { createHash } from 'node:crypto';
import type { SequenceStorage } from '@codemonkeys/protocol';
import { z } from 'zod';

/** A cached judgment of one file for one issue. */
export const CachedJudgmentSchema = z.discriminatedUnion('relevant', [
  z.object({ relevant: z.literal(true), summary: z.string().min(1) }),
  z.object({ relevant: z.literal(false) }),
]);
export type CachedJudgment = z.output<typeof CachedJudgmentSchema>;

/** A cached ranking: real paths, most important first. */
export const CachedRankingSchema = z.object({ ranking: z.array(z.string()).min(1) });
export type CachedRanking = z.output<typeof CachedRankingSchema>;

const digest = (parts: readonly unknown[]): string => createHash('sha256').update(JSON.stringify(parts)).digest('hex');

/**
 * Key of a judgment: the prompt version, the judge's model and a hash of everything the prompt shows
 * (issue, hints, path, file content). The same file content judged for the same issue by the same model
 * and prompts is never asked twice, in this run, a rerun or another experiment sharing the storage.
 */
export function judgmentCacheKey(parts: { promptVersion: string; model: string; problemStatement: string; hintsText: string; path: string; content: string }): string {
  return `localizer-relevance/judgment/${parts.promptVersion}/${digest([parts.model, parts.problemStatement, parts.hintsText, parts.path, parts.content])}`;
}

/** Key of a ranking: the prompt version, the ranker's model, the whole prompt and the sample index (as the response cache keys samples). */
export function rankingCacheKey(parts: { promptVersion: string; model: string; prompt: string; sample: number; temperature: number }): string {
  return `localizer-relevance/ranking/${parts.promptVersion}/${digest([parts.model, parts.prompt, parts.sample, parts.temperature])}`;
}

/** Reads a cache entry; a missing, unreadable or malformed entry is a miss (the call is made again). */
export async function readCached<T>(storage: SequenceStorage, key: string, schema: z.ZodType<T>): Promise<T | undefined> {
  try {
    const entry = await storage.getCacheEntry(key);
    if (!entry) return undefined;
    const parsed = schema.safeParse(entry.value);
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Writes a cache entry; a storage failure only costs a future call, so it is logged by the caller, never thrown. */
export async function writeCached(storage: SequenceStorage, key: string, value: unknown): Promise<unknown> {
  try {
    await storage.putCacheEntries([{ key, value, createdAt: new Date().toISOString() }]);
    return undefined;
  } catch (error) {
    return error;
  }
}
