import { stemmer } from 'stemmer';
import { eng as englishStopwords } from 'stopword';

/**
 * Words too common in Python code or issue prose to tell files apart. BM25's IDF already discounts
 * frequent words; dropping these also keeps the sparse vectors small.
 */
const codeStopwords = ['self', 'cls', 'def', 'elif', 'args', 'kwargs', 'py', 'lib', 'usr', 'dist', 'packages', 'site', 'python3', 'line'];
const stopwords: ReadonlySet<string> = new Set([...englishStopwords, ...codeStopwords]);

const identifierPattern = /[A-Za-z_][A-Za-z0-9_]*/g;

export interface CodeTokenizerOptions {
  /** Reduce words to their Porter stems. */
  stem: boolean;
}

/** Turns source code or issue text into index terms. */
export interface CodeTokenizer {
  /** Terms of a text, in order, with repetitions. */
  tokenize(text: string): string[];
  /** Terms of one identifier: its lower-cased words (split at `_` and camelCase) and, for compounds, the whole name. */
  identifierTerms(identifier: string): readonly string[];
}

/** Splits `getQuerySet`, `get_query_set`, `HTTPResponse` and `utf8Decode` into their words. */
export function splitIdentifier(identifier: string): string[] {
  return identifier
    .split('_')
    .flatMap((part) =>
      part
        .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
        .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
        .split(' '),
    )
    .filter((part) => part !== '');
}

/**
 * A code-aware tokenizer: identifiers are split into their words (camelCase, snake_case), each word is
 * lower-cased, stop words are dropped and the rest stemmed; a compound identifier also yields itself
 * (lower case, without underscores), so `order_by` in an issue matches `order_by` more strongly than
 * the words "order" and "by" apart. Terms of an identifier are memoized: code repeats its names.
 */
export function createCodeTokenizer(options: CodeTokenizerOptions): CodeTokenizer {
  const cache = new Map<string, readonly string[]>();
  const stemCache = new Map<string, string>();
  const normalizeWord = (word: string): string | undefined => {
    const lower = word.toLowerCase();
    if (lower.length < 2 || stopwords.has(lower) || /^[0-9]+$/.test(lower)) return undefined;
    if (!options.stem) return lower;
    let stemmed = stemCache.get(lower);
    if (stemmed === undefined) {
      stemmed = stemmer(lower);
      stemCache.set(lower, stemmed);
    }
    return stemmed;
  };
  const identifierTerms = (identifier: string): readonly string[] => {
    let terms = cache.get(identifier);
    if (terms) return terms;
    const words = splitIdentifier(identifier);
    const result: string[] = [];
    for (const word of words) {
      const term = normalizeWord(word);
      if (term !== undefined) result.push(term);
    }
    if (words.length > 1) {
      const compound = words.join('').toLowerCase();
      if (compound.length > 2) result.push(compound);
    }
    terms = result;
    if (cache.size > 200_000) cache.clear();
    cache.set(identifier, terms);
    return terms;
  };
  return {
    identifierTerms,
    tokenize(text) {
      const terms: string[] = [];
      for (const match of text.matchAll(identifierPattern)) {
        for (const term of identifierTerms(match[0])) terms.push(term);
      }
      return terms;
    },
  };
}
