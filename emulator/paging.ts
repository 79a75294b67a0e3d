// Insertion-ordered id lists that page in O(page size). Removal leaves a hole so that
// skip tokens handed out earlier keep pointing at the same place.

export class OrderedIndex {
  private readonly slots: (string | undefined)[] = [];
  private readonly positions = new Map<string, number>();

  add(key: string): void {
    if (this.positions.has(key)) return;
    this.positions.set(key, this.slots.length);
    this.slots.push(key);
  }

  remove(key: string): void {
    const position = this.positions.get(key);
    if (position === undefined) return;
    this.slots[position] = undefined;
    this.positions.delete(key);
  }

  /** Up to `size` keys starting at slot `from`, and the slot to continue from (undefined at the end). */
  page(from: number, size: number): { keys: string[]; next: number | undefined } {
    const keys: string[] = [];
    let slot = from;
    while (slot < this.slots.length && keys.length < size) {
      const key = this.slots[slot];
      if (key !== undefined) keys.push(key);
      slot += 1;
    }
    while (slot < this.slots.length && this.slots[slot] === undefined) slot += 1;
    return { keys, next: slot < this.slots.length ? slot : undefined };
  }
}
