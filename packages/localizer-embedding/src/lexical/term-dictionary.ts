/** Interns terms as small integers so that sparse vectors are typed arrays. */
export class TermDictionary {
  private readonly ids = new Map<string, number>();

  get size(): number {
    return this.ids.size;
  }

  /** The id of a term, adding it when new. */
  intern(term: string): number {
    let id = this.ids.get(term);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(term, id);
    }
    return id;
  }

  /** The id of a known term, or undefined. */
  lookup(term: string): number | undefined {
    return this.ids.get(term);
  }
}
