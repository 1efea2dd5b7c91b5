/**
 * The hash table that numbers the vertices of a permutohedral lattice.
 *
 * A vertex is identified by its first `d` integer coordinates (the last one follows, because the
 * coordinates of a lattice point sum to zero). Keys live in one growing `Int32Array`; the table
 * uses open addressing with linear probing over a power-of-two slot array kept at most half full.
 * Vertex numbers are dense, `0 … size − 1`, in order of first insertion.
 */
export class LatticeKeyTable {
  /** Key length: the lattice dimension `d`. */
  readonly keyLength: number;
  private keys: Int32Array;
  private slots: Int32Array;
  private mask: number;
  private count = 0;

  /** Makes an empty table sized for about `expectedSize` vertices. */
  constructor(keyLength: number, expectedSize: number) {
    this.keyLength = keyLength;
    let capacity = 16;
    while (capacity < 2 * expectedSize) capacity *= 2;
    this.slots = new Int32Array(capacity).fill(-1);
    this.mask = capacity - 1;
    this.keys = new Int32Array(Math.max(1, (capacity >> 1) * keyLength));
  }

  /** Number of vertices stored. */
  get size(): number {
    return this.count;
  }

  /** The stored keys, `size × keyLength` values, vertex-major (valid up to `size * keyLength`). */
  get keyData(): Int32Array {
    return this.keys;
  }

  /**
   * Finds the vertex whose key is `key[keyOffset … keyOffset + d − 1]`.
   *
   * @returns its number, or −1 when absent and `create` is false; with `create` an absent key is
   *   inserted and its new number returned.
   */
  find(key: Int32Array, keyOffset: number, create: boolean): number {
    const d = this.keyLength;
    const keys = this.keys;
    const slots = this.slots;
    const mask = this.mask;
    let slot = this.hash(key, keyOffset) & mask;
    for (;;) {
      const vertex = slots[slot];
      if (vertex < 0) break;
      const base = vertex * d;
      let same = true;
      for (let i = 0; i < d; i++) {
        if (keys[base + i] !== key[keyOffset + i]) {
          same = false;
          break;
        }
      }
      if (same) return vertex;
      slot = (slot + 1) & mask;
    }
    if (!create) return -1;
    const vertex = this.count;
    if ((vertex + 1) * d > keys.length) this.growKeys();
    this.keys.set(key.subarray(keyOffset, keyOffset + d), vertex * d);
    this.slots[slot] = vertex;
    this.count = vertex + 1;
    if (2 * this.count >= this.slots.length) this.growSlots();
    return vertex;
  }

  private hash(key: Int32Array, keyOffset: number): number {
    let h = 0x811c9dc5 | 0;
    for (let i = 0; i < this.keyLength; i++) {
      h = Math.imul(h ^ key[keyOffset + i], 0x01000193);
      h ^= h >>> 13;
    }
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    return h ^ (h >>> 13);
  }

  private growKeys(): void {
    const bigger = new Int32Array(this.keys.length * 2);
    bigger.set(this.keys);
    this.keys = bigger;
  }

  private growSlots(): void {
    const capacity = this.slots.length * 2;
    this.slots = new Int32Array(capacity).fill(-1);
    this.mask = capacity - 1;
    for (let vertex = 0; vertex < this.count; vertex++) {
      let slot = this.hash(this.keys, vertex * this.keyLength) & this.mask;
      while (this.slots[slot] >= 0) slot = (slot + 1) & this.mask;
      this.slots[slot] = vertex;
    }
  }
}
