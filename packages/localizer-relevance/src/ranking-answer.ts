import { fencedBlocks, type RepositoryPathResolver } from '@codemonkeys/plugin-kit';
import { UnparseableAnswerError } from '@codemonkeys/protocol';

export interface ParsedRanking {
  /** Real paths of relevant files, most important first, without duplicates. */
  ranking: string[];
  corrections: Array<{ named: string; path: string; match: string }>;
  dropped: Array<{ named: string; reason: string }>;
}

function stringArray(text: string): string[] | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value;
  } catch {
    // Not JSON: the caller tries the next candidate.
  }
  return undefined;
}

/** The last JSON list of strings in the answer: in a fenced block, else the last `[...]` that parses. */
function lastPathList(answer: string): string[] | undefined {
  for (const block of fencedBlocks(answer).reverse()) {
    const list = stringArray(block.trim());
    if (list) return list;
  }
  const starts = [...answer.matchAll(/\[/g)].map((match) => match.index!).reverse();
  const end = answer.lastIndexOf(']');
  for (const start of starts) {
    if (start > end) continue;
    const list = stringArray(answer.slice(start, end + 1));
    if (list) return list;
  }
  return undefined;
}

/**
 * Reads a ranking: the last JSON list of paths, each matched to a relevant file (closest path when
 * misspelt), dropped and recorded when it is none of them. Throws UnparseableAnswerError when there is
 * no list or nothing in it is a relevant file.
 */
export function parseRanking(answer: string, relevant: RepositoryPathResolver): ParsedRanking {
  const list = lastPathList(answer);
  if (!list) throw new UnparseableAnswerError('no JSON list of paths was found. End your answer with the ranking as a JSON list of strings in a fenced block.');
  const ranking: string[] = [];
  const corrections: ParsedRanking['corrections'] = [];
  const dropped: ParsedRanking['dropped'] = [];
  for (const named of list) {
    const resolved = relevant.resolve(named);
    if (!resolved) {
      dropped.push({ named, reason: 'not one of the relevant files listed' });
      continue;
    }
    if (resolved.match !== 'exact') corrections.push({ named, path: resolved.path, match: resolved.match });
    if (!ranking.includes(resolved.path)) ranking.push(resolved.path);
  }
  if (ranking.length === 0) {
    throw new UnparseableAnswerError(`none of the paths in your list is one of the files listed (${list.slice(0, 10).join(', ')}). Rank the files given, by their exact paths.`);
  }
  return { ranking, corrections, dropped };
}
