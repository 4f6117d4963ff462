/** A sparse vector: term ids (ascending) and their values. */
export interface SparseVector {
  readonly ids: Int32Array;
  readonly values: Float32Array;
}

/** Accumulates weighted term counts, then freezes them into a SparseVector. */
export class SparseVectorBuilder {
  private readonly counts = new Map<number, number>();

  add(id: number, weight = 1): this {
    this.counts.set(id, (this.counts.get(id) ?? 0) + weight);
    return this;
  }

  addAll(ids: ArrayLike<number>, weight = 1): this {
    for (let index = 0; index < ids.length; index += 1) this.add(ids[index]!, weight);
    return this;
  }

  build(): SparseVector {
    const ids = Int32Array.from(this.counts.keys()).sort();
    const values = new Float32Array(ids.length);
    ids.forEach((id, index) => {
      values[index] = this.counts.get(id)!;
    });
    return { ids, values };
  }
}

/** Sum of the values: the (weighted) length of a document. */
export function vectorLength(vector: SparseVector): number {
  let sum = 0;
  for (let index = 0; index < vector.values.length; index += 1) sum += vector.values[index]!;
  return sum;
}
