import { distance } from 'fastest-levenshtein';
import type { OutlineEntry } from '@codemonkeys/protocol';

/** A class, function, method or module variable of a file, with its line span. */
export interface FileElement {
  qualifiedName: string;
  kind: 'class' | 'function' | 'variable';
  startLine: number;
  endLine: number;
}

export interface ElementMatch extends FileElement {
  /** `exact`: the qualified name; `name`: a unique short or suffix name; `closest`: a near spelling. */
  match: 'exact' | 'name' | 'closest';
}

/** The elements of one file, searchable by the names a model uses. */
export interface ElementIndex {
  readonly lineCount: number;
  find(name: string, kind: 'class' | 'function' | 'variable'): ElementMatch | undefined;
  /** The innermost class, function or variable assignment holding `line`. */
  enclosing(line: number): FileElement | undefined;
}

const identifier = /^[A-Za-z_][\w]*$/;

function lineCountOf(source: string): number {
  const lines = source.split('\n');
  if (lines.at(-1) === '' && lines.length > 1) lines.pop();
  return lines.length;
}

/** Module-level and class-level assignments (`NAME = ...`, `NAME: int = ...`), spanning their continuation lines. */
function variablesOf(source: string, outline: readonly OutlineEntry[]): FileElement[] {
  const lines = source.split('\n');
  const variables: FileElement[] = [];
  const classes = outline.filter((entry) => entry.kind === 'class');
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index]!;
    const match = /^(\s*)([A-Za-z_][\w]*)\s*(?::[^=]*)?=(?!=)/.exec(line);
    if (!match) continue;
    const indent = match[1]!.length;
    const lineNumber = index + 1;
    let owner = '';
    if (indent > 0) {
      // A class attribute is directly in a class body; assignments inside functions are not elements.
      const holders = outline.filter((entry) => entry.startLine < lineNumber && entry.endLine >= lineNumber);
      const innermost = holders.sort((a, b) => b.startLine - a.startLine)[0];
      if (!innermost || innermost.kind !== 'class' || !classes.includes(innermost)) continue;
      owner = `${innermost.qualifiedName}.`;
    }
    let end = index;
    let depth = 0;
    for (let cursor = index; cursor < lines.length; cursor += 1) {
      const text = lines[cursor]!;
      for (const character of text) {
        if ('([{'.includes(character)) depth += 1;
        else if (')]}'.includes(character)) depth -= 1;
      }
      end = cursor;
      if (depth <= 0 && !text.trimEnd().endsWith('\\')) break;
    }
    variables.push({ qualifiedName: `${owner}${match[2]!}`, kind: 'variable', startLine: lineNumber, endLine: end + 1 });
  }
  return variables;
}

export function createElementIndex(source: string, outline: readonly OutlineEntry[]): ElementIndex {
  const definitions: FileElement[] = outline.map((entry) => ({
    qualifiedName: entry.qualifiedName,
    kind: entry.kind === 'class' ? 'class' : 'function',
    startLine: entry.startLine,
    endLine: entry.endLine,
  }));
  const variables = variablesOf(source, outline);
  const all = [...definitions, ...variables];
  const lineCount = lineCountOf(source);

  const find = (name: string, kind: 'class' | 'function' | 'variable'): ElementMatch | undefined => {
    const cleaned = name
      .trim()
      .replace(/^.*\.py[:.]/, '')
      .replace(/:+/g, '.');
    // Prefer elements of the kind named; a model calls methods functions and classes functions, so fall back to any kind.
    const pools = kind === 'variable' ? [variables, definitions] : [definitions.filter((element) => element.kind === kind), definitions, variables];
    for (const pool of pools) {
      const exact = pool.find((element) => element.qualifiedName === cleaned);
      if (exact) return { ...exact, match: 'exact' };
    }
    for (const pool of pools) {
      const byName = pool.filter((element) => element.qualifiedName.endsWith(`.${cleaned}`) || cleaned.endsWith(`.${element.qualifiedName}`));
      if (byName.length === 1) return { ...byName[0]!, match: 'name' };
    }
    if (!cleaned.split('.').every((part) => identifier.test(part))) return undefined;
    // A near spelling only among elements of the kind named: `class: Summarizer` is not the function `summarize`.
    let best: FileElement | undefined;
    let bestDistance = Number.POSITIVE_INFINITY;
    for (const element of all.filter((candidate) => candidate.kind === kind)) {
      const score = distance(cleaned, element.qualifiedName);
      if (score < bestDistance) {
        best = element;
        bestDistance = score;
      }
    }
    const allowed = Math.max(1, Math.floor(cleaned.length * 0.2));
    return best && bestDistance <= allowed ? { ...best, match: 'closest' } : undefined;
  };

  return {
    lineCount,
    find,
    enclosing(line) {
      return all.filter((element) => element.startLine <= line && element.endLine >= line).sort((a, b) => b.startLine - a.startLine)[0];
    },
  };
}
