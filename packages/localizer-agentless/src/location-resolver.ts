import { distance } from 'fastest-levenshtein';
import { createRepositoryPathResolver } from '@codemonkeys/plugin-kit';
import type { DroppedName, PathCorrection } from './agentless-metadata';
import type { ElementIndex } from './element-index';
import type { NamedLocation } from './location-answer';

/** A named location matched to lines of a real file. */
export interface ResolvedLocation {
  path: string;
  startLine: number;
  endLine: number;
  kind: 'class' | 'function' | 'variable' | 'lines';
  /** The element's qualified name, or the innermost element holding the lines. */
  symbol?: string;
  /** What the model wrote. */
  named: string;
  /** The element name it matched when that was not the name written. */
  matchedAs?: string;
}

export interface ResolvedLocations {
  locations: ResolvedLocation[];
  corrections: PathCorrection[];
  dropped: DroppedName[];
}

/**
 * Matches the locations of an answer to the files that were shown (`indexes`, in the order shown):
 * file headers to the closest shown path, element names through each file's index, line numbers
 * checked against the file's length. What cannot be matched is dropped and recorded.
 */
export function resolveLocations(named: readonly NamedLocation[], indexes: ReadonlyMap<string, ElementIndex>): ResolvedLocations {
  const files = [...indexes.keys()];
  const resolver = createRepositoryPathResolver(files, { distance });
  const locations: ResolvedLocation[] = [];
  const corrections: PathCorrection[] = [];
  const dropped: DroppedName[] = [];
  const correctedHeaders = new Set<string>();

  for (const location of named) {
    const label = location.file ? `${location.file}: ${location.raw}` : location.raw;
    let candidates: string[];
    if (location.file !== undefined) {
      const resolved = resolver.resolve(location.file);
      if (!resolved) {
        dropped.push({ named: label, reason: 'the file is not one of the files shown' });
        continue;
      }
      if (resolved.match !== 'exact' && !correctedHeaders.has(location.file)) {
        correctedHeaders.add(location.file);
        corrections.push({ named: location.file, path: resolved.path, match: resolved.match });
      }
      candidates = [resolved.path];
    } else {
      candidates = files;
    }

    if (location.kind === 'lines') {
      if (candidates.length !== 1) {
        dropped.push({ named: label, reason: 'line numbers without a file path, and several files were shown' });
        continue;
      }
      const path = candidates[0]!;
      const index = indexes.get(path)!;
      if (location.startLine > index.lineCount) {
        dropped.push({ named: label, reason: `${path} has only ${index.lineCount} lines` });
        continue;
      }
      const endLine = Math.min(location.endLine, index.lineCount);
      const symbol = index.enclosing(location.startLine)?.qualifiedName;
      locations.push({ path, startLine: location.startLine, endLine, kind: 'lines', named: location.raw, ...(symbol ? { symbol } : {}) });
      continue;
    }

    const matches = candidates.flatMap((path) => {
      const element = indexes.get(path)!.find(location.name, location.kind);
      return element ? [{ path, element }] : [];
    });
    if (matches.length !== 1) {
      dropped.push({
        named: label,
        reason: matches.length === 0 ? 'no such class, function or variable in the file' : 'the name exists in several files and no file path was given',
      });
      continue;
    }
    const { path, element } = matches[0]!;
    locations.push({
      path,
      startLine: element.startLine,
      endLine: element.endLine,
      kind: element.kind,
      symbol: element.qualifiedName,
      named: location.name,
      ...(element.match !== 'exact' ? { matchedAs: element.qualifiedName } : {}),
    });
  }
  return { locations, corrections, dropped };
}
