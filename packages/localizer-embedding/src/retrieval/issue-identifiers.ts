/**
 * Identifiers an issue writes as code: inside backticks or fenced blocks, in traceback frames
 * (`File "...", line 12, in name`), or shaped like code in prose (`snake_case`, `camelCase`,
 * `CamelCase` with two capitals, a call `name(`, a dotted name `a.b`). Plain words are left out: "filter"
 * in a sentence names nothing, `filter()` does. Every dotted part is an identifier of its own.
 */
export function issueIdentifiers(text: string): Set<string> {
  const identifiers = new Set<string>();
  const codeSpans: Array<[number, number]> = [];
  for (const match of text.matchAll(/```[\s\S]*?```|`[^`\n]+`/g)) codeSpans.push([match.index, match.index + match[0].length]);
  const inCode = (offset: number): boolean => codeSpans.some(([start, end]) => offset >= start && offset < end);
  for (const match of text.matchAll(/\bin ([A-Za-z_][A-Za-z0-9_]*)\s*$/gm)) identifiers.add(match[1]!);
  for (const match of text.matchAll(/[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/g)) {
    const name = match[0];
    const after = text[match.index + name.length];
    const looksLikeCode = inCode(match.index) || name.includes('_') || name.includes('.') || /[a-z][A-Z]/.test(name) || /^[A-Z][a-z0-9]+[A-Z]/.test(name) || after === '(';
    if (!looksLikeCode) continue;
    for (const part of name.split('.')) if (part.length >= 3 && !/^_+$/.test(part)) identifiers.add(part);
  }
  return identifiers;
}

/** Names a piece of Python code calls or reads as attributes (`name(` and `.name`), for the definition graph. */
export function referencedNames(code: string): Set<string> {
  const names = new Set<string>();
  for (const match of code.matchAll(/(?:\.([A-Za-z_][A-Za-z0-9_]*))|(?:\b([A-Za-z_][A-Za-z0-9_]*)\s*\()/g)) {
    const name = match[1] ?? match[2]!;
    if (name.length >= 3) names.add(name);
  }
  return names;
}
