/**
 * The storage key of a plugin's cache entry: every host keeps each plugin's entries apart under its
 * package name, so a plugin's `cache` never reaches another plugin's entries, the model response cache,
 * or anything the host caches for itself (verdicts, rewards).
 */
export function pluginCacheKey(pluginName: string, key: string): string {
  return `plugin:${pluginName}:${key}`;
}
