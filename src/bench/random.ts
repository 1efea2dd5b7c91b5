/**
 * A small seeded pseudo-random number generator, so that every benchmark image is a pure function of
 * `(seed, split, index)`.
 *
 * The generator is splitmix32 (the 32-bit variant of Steele, Lea & Flood, "Fast splittable
 * pseudorandom number generators", OOPSLA 2014): the state advances by the golden-ratio constant
 * `0x9E3779B9` and each output is the state passed through a xorshift-multiply finaliser
 * (`z ^= z >>> 16; z *= 0x21F0AAAD; z ^= z >>> 15; z *= 0x735A2D97; z ^= z >>> 15`).
 */

/** A seeded source of random numbers. */
export interface Random {
  /** Uniform 32-bit unsigned integer. */
  uint32(): number;
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform float in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** Uniform integer in [lo, hi] (both inclusive). */
  int(lo: number, hi: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** One element of a non-empty array, uniformly. */
  pick<T>(items: readonly T[]): T;
}

/** The splitmix32 output finaliser: a bijective avalanche of a 32-bit word. */
export function mix32(x: number): number {
  let z = x >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return (z ^ (z >>> 15)) >>> 0;
}

/**
 * Hashes a list of non-negative integers and strings into one 32-bit seed, so that a sample's
 * stream depends on `(seed, split, index)` and not on the order samples are drawn in.
 */
export function hashSeed(...parts: ReadonlyArray<number | string>): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    if (typeof part === 'number') {
      if (!Number.isInteger(part)) throw new RangeError(`hashSeed: numbers must be integers, got ${part}`);
      h = mix32(h ^ (part >>> 0));
      h = mix32(h ^ Math.floor(part / 0x100000000));
    } else {
      for (let i = 0; i < part.length; i++) h = mix32(h ^ part.charCodeAt(i));
      h = mix32(h ^ 0xff);
    }
  }
  return h;
}

/** Makes a splitmix32 generator from a 32-bit seed. */
export function splitmix32(seed: number): Random {
  if (!Number.isFinite(seed)) throw new RangeError(`splitmix32: seed must be a finite number, got ${seed}`);
  let state = seed >>> 0;
  const uint32 = (): number => {
    state = (state + 0x9e3779b9) >>> 0;
    return mix32(state);
  };
  const next = (): number => uint32() / 0x100000000;
  return {
    uint32,
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    chance: (p) => next() < p,
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new RangeError('Random.pick: the array is empty');
      return items[Math.floor(next() * items.length)];
    },
  };
}
