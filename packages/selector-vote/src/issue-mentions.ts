import { parseFileDiffs } from './diff-files';

/** What a candidate touches that the issue names: files (by path, file name or dotted module) and symbols (functions, classes). */
export interface IssueMentions {
  files: string[];
  symbols: string[];
}

/** The words of an issue, as a set: identifiers, dotted names and paths, each also split at `.` and `/`. */
export function issueVocabulary(issue: string): { words: Set<string>; paths: string[] } {
  const words = new Set<string>();
  const paths: string[] = [];
  for (const match of issue.matchAll(/[A-Za-z_][\w./-]*\w|[A-Za-z_]/g)) {
    const token = match[0];
    if (/\.pyi?$/.test(token)) paths.push(token.replace(/^\.?\//, ''));
    words.add(token);
    for (const part of token.split(/[./-]/)) if (part !== '') words.add(part);
    // `package.module.name` may name the file `package/module.py`.
    const dotted = token.split('.');
    for (let end = dotted.length; end >= 2; end -= 1) words.add(`${dotted.slice(0, end).join('/')}.py`);
  }
  return { words, paths };
}

const definition = /^\s*(?:async\s+)?(?:def|class)\s+([A-Za-z_]\w*)/;

/**
 * The functions and classes a diff changes: the enclosing definitions named in its hunk headings and
 * every `def` / `class` on a line of its hunks (context, removed or added).
 */
export function symbolsOfDiff(diff: string): string[] {
  const symbols = new Set<string>();
  for (const file of parseFileDiffs(diff)) {
    for (const hunk of file.hunks) {
      const heading = definition.exec(hunk.section);
      if (heading) symbols.add(heading[1]!);
      for (const line of hunk.lines) {
        const defined = definition.exec(line.content);
        if (defined) symbols.add(defined[1]!);
      }
    }
  }
  return [...symbols].sort();
}

/** Names too common to say anything when an issue and a patch share them. */
const commonNames = new Set(['__init__', '__call__', '__str__', '__repr__', 'main', 'run', 'test', 'get', 'set', 'init', 'setup', 'update']);

/**
 * The files and symbols of a candidate that the issue mentions. A file counts when the issue names its
 * path (or a path ending like it), its file name, or its dotted module; a symbol when the issue has it
 * as a word. Only the issue text and the candidate are read.
 */
export function issueMentionsOf(diff: string, vocabulary: { words: Set<string>; paths: string[] }): IssueMentions {
  const files = new Set<string>();
  for (const file of parseFileDiffs(diff)) {
    const path = file.path;
    const name = path.split('/').pop()!;
    const stem = name.replace(/\.pyi?$/, '');
    const suffixMentioned = vocabulary.paths.some((mentioned) => path === mentioned || path.endsWith(`/${mentioned}`));
    const moduleMentioned = [...vocabulary.words].some((word) => word.endsWith('.py') && (path === word || path.endsWith(`/${word}`)) && word.includes('/'));
    if (
      suffixMentioned ||
      moduleMentioned ||
      vocabulary.words.has(name) ||
      (stem !== '__init__' && stem.length > 3 && vocabulary.paths.some((mentioned) => mentioned.endsWith(name)))
    )
      files.add(path);
  }
  const symbols = symbolsOfDiff(diff).filter((symbol) => symbol.length >= 3 && !commonNames.has(symbol) && vocabulary.words.has(symbol));
  return { files: [...files].sort(), symbols };
}
