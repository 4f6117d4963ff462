import { stemmer } from 'stemmer';
import { Bm25Collection } from '../src/lexical/bm25-collection';
import { SparseVectorBuilder } from '../src/lexical/sparse-vector';
import { TermDictionary } from '../src/lexical/term-dictionary';

/** Lucene's English stop words (the analyzer of Pyserini, which the SWE-bench paper's BM25 used). */
const luceneStopwords = new Set('a an and are as at be but by for if in into is it no not of on or such that the their then there these they this to was will with'.split(' '));

/** Plain tokenization: lower case, runs of letters, digits and underscores (identifiers stay whole), Porter stems. */
export function plainTerms(text: string): string[] {
  const terms: string[] = [];
  for (const match of text.toLowerCase().matchAll(/[a-z0-9_]+/g)) {
    const word = match[0];
    if (luceneStopwords.has(word)) continue;
    terms.push(stemmer(word));
  }
  return terms;
}

/**
 * The baseline: plain BM25 over whole files (document = path + content), Pyserini's defaults k1 = 0.9,
 * b = 0.4, query = the problem statement. Returns file indexes ranked best first.
 */
export function createWholeFileBm25(files: ReadonlyArray<{ path: string; content: string }>, parameters = { k1: 0.9, b: 0.4 }) {
  const dictionary = new TermDictionary();
  const documents = files.map((file) => {
    const builder = new SparseVectorBuilder();
    for (const term of plainTerms(`${file.path}\n${file.content}`)) builder.add(dictionary.intern(term));
    return builder.build();
  });
  const collection = new Bm25Collection(documents, dictionary.size, parameters);
  return {
    rank(query: string): number[] {
      const weights = new Float64Array(dictionary.size);
      for (const term of plainTerms(query)) {
        const id = dictionary.lookup(term);
        if (id !== undefined) weights[id]! += 1;
      }
      const scores = collection.score(weights);
      return Array.from(scores.keys()).sort((a, b) => scores[b]! - scores[a]! || a - b);
    },
  };
}
