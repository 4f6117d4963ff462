import type { Chunk } from '../chunking/chunk';
import type { Corpus, CorpusFile } from '../chunking/corpus';
import { Bm25Collection } from '../lexical/bm25-collection';
import { createCodeTokenizer } from '../lexical/code-tokenizer';
import { queryTermWeights } from '../lexical/query-terms';
import { SparseVectorBuilder, type SparseVector } from '../lexical/sparse-vector';
import { TermDictionary } from '../lexical/term-dictionary';
import type { LexicalOptions } from '../options/embedding-localizer-options';
import { emptyEmbeddingUsage, type Embedder, type EmbeddingIndex } from './embedder';

interface FileTerms {
  /** Term ids of every line, concatenated; line `i` (0-based) is `terms[lineStart[i] .. lineStart[i + 1])`. */
  readonly terms: Int32Array;
  readonly lineStart: Int32Array;
  readonly pathTerms: Int32Array;
}

/**
 * The `local` embedder: no network and no model weights. Each chunk becomes a sparse vector of BM25
 * term weights over three fields (path, symbol name, code; the first two weighted up), tokenized with
 * code-aware splitting and stemming; whole files get a vector too, so files can be ranked as wholes as
 * well as by their best chunks. Term vectors are cached per file content, so an instance of the same
 * repository at a nearby commit tokenizes only the files that changed.
 */
export function createLocalLexicalEmbedder(options: LexicalOptions): Embedder {
  const tokenizer = createCodeTokenizer({ stem: options.stem });
  const dictionary = new TermDictionary();
  const fileTerms = new WeakMap<CorpusFile, FileTerms>();
  const chunkVectors = new WeakMap<Chunk, SparseVector>();
  const fileVectors = new WeakMap<CorpusFile, SparseVector>();

  const internAll = (terms: readonly string[]): Int32Array => Int32Array.from(terms, (term) => dictionary.intern(term));

  const termsOf = (file: CorpusFile): FileTerms => {
    let terms = fileTerms.get(file);
    if (!terms) {
      // One flat array per file: hundreds of thousands of small per-line arrays would keep the collector busy.
      const ids: number[] = [];
      const lineStart = new Int32Array(file.lines.length + 1);
      file.lines.forEach((line, index) => {
        lineStart[index] = ids.length;
        for (const term of tokenizer.tokenize(line)) ids.push(dictionary.intern(term));
      });
      lineStart[file.lines.length] = ids.length;
      terms = { terms: Int32Array.from(ids), lineStart, pathTerms: internAll(tokenizer.tokenize(file.path)) };
      fileTerms.set(file, terms);
    }
    return terms;
  };

  const chunkVector = (chunk: Chunk, file: CorpusFile): SparseVector => {
    let vector = chunkVectors.get(chunk);
    if (!vector) {
      const terms = termsOf(file);
      const builder = new SparseVectorBuilder();
      const end = Math.min(chunk.endLine, file.lines.length);
      builder.addAll(terms.terms.subarray(terms.lineStart[chunk.startLine - 1]!, terms.lineStart[end]!), 1);
      if (options.pathWeight > 0) builder.addAll(terms.pathTerms, options.pathWeight);
      if (chunk.symbol && options.symbolWeight > 0) builder.addAll(internAll(tokenizer.tokenize(chunk.symbol)), options.symbolWeight);
      vector = builder.build();
      chunkVectors.set(chunk, vector);
    }
    return vector;
  };

  const fileVector = (file: CorpusFile): SparseVector => {
    let vector = fileVectors.get(file);
    if (!vector) {
      const terms = termsOf(file);
      const builder = new SparseVectorBuilder();
      builder.addAll(terms.terms, 1);
      if (options.pathWeight > 0) builder.addAll(terms.pathTerms, options.pathWeight);
      vector = builder.build();
      fileVectors.set(file, vector);
    }
    return vector;
  };

  return {
    name: 'local',
    async index(corpus: Corpus): Promise<EmbeddingIndex> {
      const chunkDocuments = corpus.chunks.map((chunk, index) => chunkVector(chunk, corpus.files[corpus.fileOfChunk[index]!]!));
      const fileDocuments = corpus.files.map((file) => fileVector(file));
      const parameters = { k1: options.k1, b: options.b };
      const chunkCollection = new Bm25Collection(chunkDocuments, dictionary.size, parameters);
      const fileCollection = new Bm25Collection(fileDocuments, dictionary.size, parameters);
      const usage = emptyEmbeddingUsage();
      return {
        usage,
        async score(query) {
          const weights = new Float64Array(dictionary.size);
          for (const [term, weight] of queryTermWeights(query.text, tokenizer)) {
            const id = dictionary.lookup(term);
            if (id !== undefined) weights[id] = weight;
          }
          return { chunks: chunkCollection.score(weights), files: fileCollection.score(weights) };
        },
      };
    },
  };
}
