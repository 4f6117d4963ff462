/** How a path named by a model was matched to a real one. */
export type RepositoryPathMatch = 'exact' | 'normalized' | 'suffix' | 'closest';

export interface ResolvedRepositoryPath {
  /** What the model wrote. */
  named: string;
  /** The repository path it stands for. */
  path: string;
  match: RepositoryPathMatch;
}

export interface RepositoryPathResolver {
  /** The real path the model meant, or undefined when nothing is close enough. */
  resolve(named: string): ResolvedRepositoryPath | undefined;
}

export interface RepositoryPathResolverOptions {
  /**
   * An edit distance between two strings (e.g. `distance` of `fastest-levenshtein`). Without it, names
   * that match no path exactly, after cleaning or by a unique suffix are not matched.
   */
  distance?: (left: string, right: string) => number;
  /** The largest distance accepted for a `closest` match, as a share of the name's length (default 0.2; at least 2 edits). */
  maxDistanceShare?: number;
  /** `false`: only exact and cleaned names match (no suffix, no closest). */
  fuzzy?: boolean;
}

/** Strips what models put around paths: list markers, backticks, quotes, `./`, diff prefixes, trailing colons. */
export function cleanModelNamedPath(named: string): string {
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
 * Matches model-named paths to the repository's: exactly; after cleaning and dropping leading folders
 * the model added (the repository name, `src/`); by a unique `/name` suffix (`words.py` →
 * `textkit/words.py`; among several suffix matches the closest by `distance`); else the closest path by
 * `distance` when it is within `maxDistanceShare` of the name's length. Anything further is not a match:
 * the caller drops and records it.
 */
export function createRepositoryPathResolver(paths: readonly string[], options: RepositoryPathResolverOptions = {}): RepositoryPathResolver {
  const known = new Set(paths);
  const maxShare = options.maxDistanceShare ?? 0.2;
  const closestOf = (name: string, pool: readonly string[]): { path: string; distance: number } | undefined => {
    if (!options.distance) return undefined;
    let best: { path: string; distance: number } | undefined;
    for (const path of pool) {
      const distance = options.distance(name, path);
      if (best === undefined || distance < best.distance) best = { path, distance };
    }
    return best;
  };
  return {
    resolve(named) {
      if (known.has(named)) return { named, path: named, match: 'exact' };
      const cleaned = cleanModelNamedPath(named);
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
      if (suffixMatches.length > 1) {
        const closest = closestOf(cleaned, suffixMatches);
        return closest ? { named, path: closest.path, match: 'suffix' } : undefined;
      }
      const closest = closestOf(cleaned, paths);
      if (closest === undefined) return undefined;
      const allowed = Math.max(2, Math.floor(cleaned.length * maxShare));
      return closest.distance <= allowed ? { named, path: closest.path, match: 'closest' } : undefined;
    },
  };
}
