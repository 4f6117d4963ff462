/**
 * The promise cached under `key`, started by `start` on a miss, so that concurrent callers share one
 * piece of work. A rejected promise, or a result `forget` says not to keep (a failure of the
 * environment), is dropped from the cache: the next call tries again.
 */
export function cachedPending<Value>(
  cache: Map<string, Promise<Value>>,
  key: string,
  start: () => Promise<Value>,
  forget: (value: Value) => boolean = () => false,
): Promise<Value> {
  let pending = cache.get(key);
  if (!pending) {
    pending = start();
    pending.then(
      (value) => forget(value) && cache.delete(key),
      () => cache.delete(key),
    );
    cache.set(key, pending);
  }
  return pending;
}
