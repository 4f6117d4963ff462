import { createHash } from 'node:crypto';

/**
 * A deterministic, lexical embedding of `text`: each lower-cased word (and each adjacent word pair)
 * is hashed to a dimension and a sign, counts are summed and the vector is L2-normalized. Texts that
 * share words get a high cosine similarity, so retrieval code can be tested for meaning-like behaviour
 * without a model. Empty text (no words) gives the zero vector.
 */
export function deterministicEmbedding(text: string, dimensions = 64): number[] {
  if (!Number.isInteger(dimensions) || dimensions < 1) throw new RangeError(`dimensions must be a positive integer, got ${dimensions}`);
  const vector = new Array<number>(dimensions).fill(0);
  const words = text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [];
  const add = (feature: string, weight: number): void => {
    const digest = createHash('sha1').update(feature).digest();
    const index = digest.readUInt32LE(0) % dimensions;
    const sign = (digest[4]! & 1) === 0 ? 1 : -1;
    vector[index]! += sign * weight;
  };
  for (let position = 0; position < words.length; position += 1) {
    add(words[position]!, 1);
    if (position + 1 < words.length) add(`${words[position]} ${words[position + 1]}`, 0.5);
  }
  const norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
  return norm === 0 ? vector : vector.map((value) => value / norm);
}

/** Cosine similarity of two vectors of equal length (0 when either is the zero vector). */
export function cosineSimilarity(left: readonly number[], right: readonly number[]): number {
  if (left.length !== right.length) throw new RangeError(`vectors differ in length: ${left.length} and ${right.length}`);
  let dot = 0;
  let leftNorm = 0;
  let rightNorm = 0;
  for (let index = 0; index < left.length; index += 1) {
    dot += left[index]! * right[index]!;
    leftNorm += left[index]! * left[index]!;
    rightNorm += right[index]! * right[index]!;
  }
  return leftNorm === 0 || rightNorm === 0 ? 0 : dot / Math.sqrt(leftNorm * rightNorm);
}
