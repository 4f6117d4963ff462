import { vectorLength, type SparseVector } from './sparse-vector';

export interface Bm25Parameters {
  k1: number;
  b: number;
}

/**
 * Okapi BM25 as a sparse dot product: every document becomes a vector of saturated, length-normalized
 * term frequencies, the query a vector of IDF-weighted terms, and the score is their dot product.
 */
export class Bm25Collection {
  /** Per document: the BM25 term weights (same order as the document's ids). */
  private readonly weights: Float32Array[];
  private readonly documentFrequency: Int32Array;
  readonly averageLength: number;

  constructor(
    private readonly documents: readonly SparseVector[],
    termCount: number,
    parameters: Bm25Parameters,
  ) {
    this.documentFrequency = new Int32Array(termCount);
    let totalLength = 0;
    const lengths = documents.map((document) => {
      for (const id of document.ids) this.documentFrequency[id]! += 1;
      const length = vectorLength(document);
      totalLength += length;
      return length;
    });
    this.averageLength = documents.length > 0 ? totalLength / documents.length : 0;
    const { k1, b } = parameters;
    this.weights = documents.map((document, index) => {
      const norm = k1 * (1 - b + (b * lengths[index]!) / Math.max(this.averageLength, 1e-9));
      const weights = new Float32Array(document.values.length);
      for (let position = 0; position < weights.length; position += 1) {
        const frequency = document.values[position]!;
        weights[position] = (frequency * (k1 + 1)) / (frequency + norm);
      }
      return weights;
    });
  }

  get size(): number {
    return this.documents.length;
  }

  /** Inverse document frequency (BM25+ style, never negative); 0 for a term no document has. */
  idf(id: number): number {
    const frequency = id < this.documentFrequency.length ? this.documentFrequency[id]! : 0;
    if (frequency === 0) return 0;
    return Math.log(1 + (this.documents.length - frequency + 0.5) / (frequency + 0.5));
  }

  /** Number of documents that contain the term. */
  frequencyOf(id: number): number {
    return id < this.documentFrequency.length ? this.documentFrequency[id]! : 0;
  }

  /**
   * Scores of every document for a query given as term id → query weight (IDF is applied here).
   * `queryWeights` is dense over term ids (zero for absent terms) so each posting costs one array read.
   */
  score(queryWeights: Float64Array): Float64Array {
    const scores = new Float64Array(this.documents.length);
    const idfWeights = new Float64Array(queryWeights.length);
    for (let id = 0; id < queryWeights.length; id += 1) if (queryWeights[id]! !== 0) idfWeights[id] = queryWeights[id]! * this.idf(id);
    this.documents.forEach((document, index) => {
      const weights = this.weights[index]!;
      let sum = 0;
      const ids = document.ids;
      for (let position = 0; position < ids.length; position += 1) {
        const id = ids[position]!;
        if (id < idfWeights.length) {
          const queryWeight = idfWeights[id]!;
          if (queryWeight !== 0) sum += queryWeight * weights[position]!;
        }
      }
      scores[index] = sum;
    });
    return scores;
  }
}
