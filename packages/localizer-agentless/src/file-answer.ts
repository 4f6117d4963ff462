import { fencedBlocks, type RepositoryPathResolver, type ResolvedRepositoryPath } from '@codemonkeys/plugin-kit';
import { UnparseableAnswerError } from '@codemonkeys/protocol';
import type { DroppedName, PathCorrection } from './agentless-metadata';

export interface NamedPaths {
  paths: string[];
  corrections: PathCorrection[];
  dropped: DroppedName[];
}

/** Lines of an answer that could be paths: inside fenced blocks when there are any, else every line. */
export function pathLinesOf(answer: string): string[] {
  const blocks = fencedBlocks(answer);
  const text = blocks.length > 0 ? blocks.join('\n') : answer;
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/\s/.test(line.replace(/^(?:[-*+]|\d+[.)])\s+/, '').trim()));
}

/**
 * Resolves the paths an answer names, in order, without duplicates, up to `limit`: each matched to a
 * real path (recorded when corrected) or dropped (recorded). `resolvers` are tried in order.
 */
export function resolveNamedPaths(lines: readonly string[], resolvers: ReadonlyArray<RepositoryPathResolver>, limit: number): NamedPaths {
  const paths: string[] = [];
  const corrections: PathCorrection[] = [];
  const dropped: DroppedName[] = [];
  for (const line of lines) {
    let resolved: ResolvedRepositoryPath | undefined;
    for (const resolver of resolvers) {
      resolved = resolver.resolve(line);
      if (resolved) break;
    }
    if (!resolved) {
      dropped.push({ named: line, reason: 'no such file in the repository, and no path close to it' });
      continue;
    }
    if (resolved.match !== 'exact') corrections.push({ named: line, path: resolved.path, match: resolved.match });
    if (paths.includes(resolved.path)) continue;
    if (paths.length >= limit) {
      dropped.push({ named: line, reason: `more than the ${limit} files asked for` });
      continue;
    }
    paths.push(resolved.path);
  }
  return { paths, corrections, dropped };
}

/** Level 1's answer: the named files. Throws UnparseableAnswerError when no line names a real file. */
export function parseFileAnswer(answer: string, resolvers: ReadonlyArray<RepositoryPathResolver>, limit: number): NamedPaths {
  const lines = pathLinesOf(answer);
  if (lines.length === 0) throw new UnparseableAnswerError('no file path was found. Give one full path per line inside one fenced block.');
  const named = resolveNamedPaths(lines, resolvers, limit);
  if (named.paths.length === 0) {
    throw new UnparseableAnswerError(
      `none of the paths you named exists in the repository (${named.dropped
        .map((drop) => drop.named)
        .slice(0, 10)
        .join(', ')}). Name files from the repository structure shown, with their full paths.`,
    );
  }
  return named;
}
