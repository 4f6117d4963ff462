import type { Corpus } from '../chunking/corpus';

const pathMention = /[A-Za-z0-9_.\-/\\]+\.[A-Za-z0-9]{1,5}\b/g;
const dottedName = /\b[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+\b/g;

/** `django/db/models/query.py` → `django.db.models.query`; a package's `__init__.py` → the package. */
export function moduleNameOf(path: string): string | undefined {
  const match = /^(.*)\.pyi?$/.exec(path);
  if (!match) return undefined;
  const module = match[1]!.replace(/\/__init__$/, '').replaceAll('/', '.');
  return /^[A-Za-z_][A-Za-z0-9_.]*$/.test(module) ? module : undefined;
}

/**
 * Files of the corpus that the issue names: by path (also inside longer paths, as in tracebacks:
 * `.../site-packages/django/core/handlers/base.py` names `django/core/handlers/base.py`; a bare file
 * name only when no other file has it) or, for Python, by dotted module name (`django.db.models.query.QuerySet`
 * names the longest module prefix that is a file). Returns file index → number of mentions.
 */
export function mentionedFiles(text: string, corpus: Corpus): Map<number, number> {
  const byPath = new Map<string, number>();
  const byBaseName = new Map<string, number[]>();
  const byModule = new Map<string, number>();
  corpus.files.forEach((file, index) => {
    byPath.set(file.path, index);
    const baseName = file.path.slice(file.path.lastIndexOf('/') + 1);
    byBaseName.set(baseName, [...(byBaseName.get(baseName) ?? []), index]);
    const module = moduleNameOf(file.path);
    if (module !== undefined && !byModule.has(module)) byModule.set(module, index);
  });
  const mentions = new Map<number, number>();
  const mention = (file: number): void => {
    mentions.set(file, (mentions.get(file) ?? 0) + 1);
  };
  for (const match of text.matchAll(pathMention)) {
    const segments = match[0]
      .replaceAll('\\', '/')
      .split('/')
      .filter((segment) => segment !== '' && segment !== '.');
    let found: number | undefined;
    // The longest suffix of the mentioned path that is a file of the repository.
    for (let start = 0; start < segments.length - 1 && found === undefined; start += 1) found = byPath.get(segments.slice(start).join('/'));
    if (found === undefined && segments.length > 0) {
      const candidates = byBaseName.get(segments.at(-1)!);
      if (candidates?.length === 1) found = candidates[0];
    }
    if (found !== undefined) mention(found);
  }
  for (const match of text.matchAll(dottedName)) {
    const parts = match[0].split('.');
    for (let length = parts.length; length >= 2; length -= 1) {
      const file = byModule.get(parts.slice(0, length).join('.'));
      if (file !== undefined) {
        mention(file);
        break;
      }
    }
  }
  return mentions;
}
