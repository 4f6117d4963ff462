import type { Corpus } from '../chunking/corpus';

export type EmbedderName = 'local' | 'endpoint' | 'hybrid';

/** What a retrieval query is made of: the issue text (and optionally its hints). */
export interface RetrievalQuery {
  readonly text: string;
}

/** Similarities of a corpus to one query (higher is closer), in corpus order. */
export interface CorpusScores {
  /** One score per chunk (`corpus.chunks`). */
  readonly chunks: Float64Array;
  /** One score per file (`corpus.files`), for embedders that also compare whole files. */
  readonly files?: Float64Array;
}

/** Calls made to an embeddings model (all zero for the local embedder). */
export interface EmbeddingUsage {
  /** Requests sent to the endpoint. */
  calls: number;
  /** Texts embedded by the endpoint (chunks and queries). */
  inputs: number;
  /** Input tokens reported by the endpoint. */
  tokens: number;
  /** Chunks whose embedding came from the cache (storage or memory). */
  cachedChunks: number;
  /** Chunks embedded by the endpoint for this index. */
  embeddedChunks: number;
}

export const emptyEmbeddingUsage = (): EmbeddingUsage => ({ calls: 0, inputs: 0, tokens: 0, cachedChunks: 0, embeddedChunks: 0 });

export function addEmbeddingUsage(target: EmbeddingUsage, usage: EmbeddingUsage): EmbeddingUsage {
  target.calls += usage.calls;
  target.inputs += usage.inputs;
  target.tokens += usage.tokens;
  target.cachedChunks += usage.cachedChunks;
  target.embeddedChunks += usage.embeddedChunks;
  return target;
}

/** An index of one corpus, ready to be queried. */
export interface EmbeddingIndex {
  score(query: RetrievalQuery, signal?: AbortSignal): Promise<CorpusScores>;
  /** Embedding calls made to build the index and to answer queries so far. */
  readonly usage: EmbeddingUsage;
}

/**
 * Turns chunks into vectors and compares them with a query. `local` makes sparse lexical vectors,
 * `endpoint` asks an embeddings model, `hybrid` fuses both rankings.
 */
export interface Embedder {
  readonly name: EmbedderName;
  index(corpus: Corpus, signal?: AbortSignal): Promise<EmbeddingIndex>;
}
