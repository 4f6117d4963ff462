import { distance } from 'fastest-levenshtein';

/** How a path named by the model was matched to a real one. */
export type PathMatch = 'exact' | 'normalized' | 'suffix' | 'closest';

export interface ResolvedPath {
  named: string;
  path: string;
  match: PathMatch;
}

export interface PathResolver {
  /** The real path the model meant, or undefined when nothing is close enough. */
  resolve(named: string): ResolvedPath | undefined;
}

/** Strips what models put around paths: list markers, backticks, quotes, `./`, diff prefixes, trailing colons. */
export function cleanNamedPath(named: string): string {
  return named
    .trim()
    .replace(/^(?:[-*+]\s+|\d+[.)]\s+)/, '')
    .replace(/^[`'"]+|[`'",;:]+$/g, '')
    .replace(/\\/g, '/')
    .replace(/^(?:\.\/)+/, '')
    .replace(/^(?:a|b)\/(?=.+\/)/, '')
    .replace(/^\/+/, '')
    .trim();
}

/**
 * Matches model-named paths to the real ones: exactly; after cleaning and dropping leading folders the
 * model added (the repository name, `src/`); by a unique `/name` suffix (`words.py` → `textkit/words.py`);
 * else the closest path by Levenshtein distance when it is within `maxDistanceShare` of the name's
 * length (and at least 2 edits). Anything further is not a match: the caller drops and records it.
 * With `fuzzy: false` only exact and cleaned names match.
 */
export function createPathResolver(paths: readonly string[], options: { maxDistanceShare?: number; fuzzy?: boolean } = {}): PathResolver {
  const known = new Set(paths);
  const maxShare = options.maxDistanceShare ?? 0.2;
  return {
    resolve(named) {
      if (known.has(named)) return { named, path: named, match: 'exact' };
      const cleaned = cleanNamedPath(named);
      if (cleaned === '') return undefined;
      if (known.has(cleaned)) return { named, path: cleaned, match: 'normalized' };
      const segments = cleaned.split('/');
      for (let drop = 1; drop < segments.length; drop += 1) {
        const shorter = segments.slice(drop).join('/');
        if (known.has(shorter)) return { named, path: shorter, match: 'normalized' };
      }
      if (options.fuzzy === false) return undefined;
      const suffixMatches = paths.filter((path) => path.endsWith(`/${cleaned}`));
      if (suffixMatches.length === 1) return { named, path: suffixMatches[0]!, match: 'suffix' };
      const pool = suffixMatches.length > 1 ? suffixMatches : paths;
      let best: string | undefined;
      let bestDistance = Number.POSITIVE_INFINITY;
      for (const path of pool) {
        const score = distance(cleaned, path);
        if (score < bestDistance) {
          best = path;
          bestDistance = score;
        }
      }
      if (best === undefined) return undefined;
      if (suffixMatches.length > 1) return { named, path: best, match: 'suffix' };
      const allowed = Math.max(2, Math.floor(cleaned.length * maxShare));
      return bestDistance <= allowed ? { named, path: best, match: 'closest' } : undefined;
    },
  };
}
