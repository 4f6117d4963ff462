import picomatch from 'picomatch';
import type { ChunkingOptions } from '../options/embedding-localizer-options';
import { languageOf, type LanguageName } from './languages';

/** Decides which repository paths are indexed, and in which language. */
export interface FileSelection {
  /** The language to index `path` as, or undefined when it is left out. */
  languageOf(path: string): LanguageName | undefined;
}

export function createFileSelection(options: Pick<ChunkingOptions, 'include' | 'exclude' | 'languages'>): FileSelection {
  const included = picomatch(options.include, { dot: true });
  const excluded = options.exclude.length > 0 ? picomatch(options.exclude, { dot: true }) : () => false;
  const languages = new Set<LanguageName>(options.languages);
  return {
    languageOf(path) {
      const language = languageOf(path);
      if (language === undefined || !languages.has(language)) return undefined;
      if (!included(path) || excluded(path)) return undefined;
      return language;
    },
  };
}
