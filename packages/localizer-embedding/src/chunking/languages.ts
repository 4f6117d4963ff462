/**
 * Languages the localizer can index, by file extension. Python is chunked along its outline (the
 * workspace parses it); every other language is chunked by line windows, so any text-like source works.
 */
export const languageExtensions = {
  python: ['.py', '.pyi'],
  javascript: ['.js', '.jsx', '.mjs', '.cjs'],
  typescript: ['.ts', '.tsx', '.mts', '.cts'],
  java: ['.java'],
  kotlin: ['.kt', '.kts'],
  go: ['.go'],
  rust: ['.rs'],
  c: ['.c', '.h'],
  cpp: ['.cc', '.cpp', '.cxx', '.hpp', '.hh', '.hxx'],
  csharp: ['.cs'],
  ruby: ['.rb'],
  php: ['.php'],
  scala: ['.scala'],
  swift: ['.swift'],
  shell: ['.sh', '.bash'],
  cython: ['.pyx', '.pxd'],
  restructuredtext: ['.rst'],
  markdown: ['.md'],
  config: ['.toml', '.cfg', '.ini', '.yaml', '.yml', '.json'],
} as const;

export type LanguageName = keyof typeof languageExtensions;
export const knownLanguageNames = Object.keys(languageExtensions) as [LanguageName, ...LanguageName[]];

/** Languages whose files the workspace can outline (classes, functions, methods). */
const outlinedLanguages: ReadonlySet<LanguageName> = new Set(['python']);

const languageByExtension = new Map<string, LanguageName>(
  Object.entries(languageExtensions).flatMap(([language, extensions]) => extensions.map((extension) => [extension, language as LanguageName] as const)),
);

/** The language of a path by its extension, or undefined. */
export function languageOf(path: string): LanguageName | undefined {
  const slash = path.lastIndexOf('/');
  const dot = path.lastIndexOf('.');
  if (dot <= slash + 1) return undefined;
  return languageByExtension.get(path.slice(dot).toLowerCase());
}

export function isOutlinedLanguage(language: LanguageName): boolean {
  return outlinedLanguages.has(language);
}
