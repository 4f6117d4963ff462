import type { Logger, SequenceStorage } from '@codemonkeys/protocol';
import type { z } from 'zod';

/**
 * The response cache over a SequenceStorage (`getCacheEntry`/`putCacheEntries`). A storage failure
 * never fails a model call: a failed read is a miss, a failed write is logged, and both are counted.
 */
export interface ResponseCache {
  get<S extends z.ZodType>(key: string, schema: S): Promise<z.output<S> | undefined>;
  getMany<S extends z.ZodType>(keys: readonly string[], schema: S): Promise<Array<z.output<S> | undefined>>;
  put(entries: ReadonlyArray<{ key: string; value: unknown }>): Promise<void>;
}

export function createResponseCache(storage: SequenceStorage, logger: Logger): ResponseCache {
  const get = async <S extends z.ZodType>(key: string, schema: S): Promise<z.output<S> | undefined> => {
    let entry;
    try {
      entry = await storage.getCacheEntry(key);
    } catch (error) {
      logger.warn(`Reading the response cache from ${storage.name} failed; calling the endpoint instead.`, { key, error: String(error) });
      return undefined;
    }
    if (!entry) return undefined;
    const parsed = schema.safeParse(entry.value);
    if (!parsed.success) {
      logger.warn(`A response cache entry in ${storage.name} has an unexpected shape; calling the endpoint instead.`, { key });
      return undefined;
    }
    return parsed.data;
  };
  return {
    get,
    getMany: (keys, schema) => Promise.all(keys.map((key) => get(key, schema))),
    async put(entries) {
      if (entries.length === 0) return;
      const createdAt = new Date().toISOString();
      try {
        await storage.putCacheEntries(entries.map((entry) => ({ key: entry.key, value: entry.value, createdAt })));
      } catch (error) {
        logger.warn(`Writing the response cache to ${storage.name} failed; the answer is used but will not be replayed.`, { error: String(error) });
      }
    },
  };
}
