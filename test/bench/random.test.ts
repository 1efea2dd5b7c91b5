import { describe, expect, it } from 'vitest';
import { hashSeed, mix32, splitmix32 } from '../../src/bench/random';

describe('splitmix32', () => {
  it('is a pure function of its seed', () => {
    const a = splitmix32(42);
    const b = splitmix32(42);
    const c = splitmix32(43);
    const sa = Array.from({ length: 50 }, () => a.uint32());
    const sb = Array.from({ length: 50 }, () => b.uint32());
    const sc = Array.from({ length: 50 }, () => c.uint32());
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
  });

  it('outputs mix32 of the state advanced by the golden-ratio constant', () => {
    const r = splitmix32(7);
    expect(r.uint32()).toBe(mix32((7 + 0x9e3779b9) >>> 0));
    expect(r.uint32()).toBe(mix32((7 + 2 * 0x9e3779b9) >>> 0));
  });

  it('gives uniform floats in [0, 1) with mean ½ and variance 1/12', () => {
    const r = splitmix32(1);
    const n = 100_000;
    let sum = 0;
    let sq = 0;
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const v = r.next();
      if (!(v >= 0 && v < 1)) outside++;
      sum += v;
      sq += v * v;
    }
    expect(outside).toBe(0);
    const mean = sum / n;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005); // σ of the mean = 0.29/√n ≈ 0.0009
    expect(Math.abs(sq / n - mean * mean - 1 / 12)).toBeLessThan(0.002);
  });

  it('int(lo, hi) covers both ends and nothing outside', () => {
    const r = splitmix32(3);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) seen.add(r.int(0, 3));
    expect([...seen].sort()).toEqual([0, 1, 2, 3]);
  });

  it('pick refuses an empty array', () => {
    expect(() => splitmix32(0).pick([])).toThrow(/empty/);
  });
});

describe('hashSeed', () => {
  it('separates seeds, splits and indices', () => {
    const values = new Set<number>();
    for (const seed of [0, 1]) for (const split of ['train', 'val', 'test']) for (let i = 0; i < 100; i++) values.add(hashSeed(seed, split, i));
    expect(values.size).toBe(600);
    expect(hashSeed(0, 'test', 5)).toBe(hashSeed(0, 'test', 5));
  });

  it('rejects non-integer numbers', () => {
    expect(() => hashSeed(0.5)).toThrow(/integers/);
  });
});
