import { describe, expect, it } from 'vitest';
import { seeded as prng } from '../helpers/random';
import { PermutohedralLattice } from '../../src/crf/permutohedral';
import { gaussianFeatures } from '../../src/crf/features';
import { ExactGaussianFilter } from './exact-filter';

/** Deterministic PRNG (mulberry32). */

/** Feature f of d=1 that elevates exactly onto lattice key 2: f·scale₀ = 2, scale₀ = √(2/3)·2/√2. */
const ONE_STEP = 2 / ((Math.sqrt(2 / 3) * 2) / Math.sqrt(2));

describe('permutohedral lattice: hand-checked cases (d = 1)', () => {
  it('a single point keeps 5/6 of its value: blur [½,1,½] on both directions, α = 1/(1+2^−1)', () => {
    // Vertex keys 0 (weight 1) and 1 (weight 0). Blur dir 0: v0 = 1, v1 = ½. Dir 1: v0 = 1 + ½·½.
    // Slice: α·1.25 = (2/3)·1.25 = 5/6.
    const lattice = PermutohedralLattice.init(new Float32Array([0]), 1);
    expect(lattice.vertexCount).toBe(2);
    expect(lattice.compute(new Float32Array([1]), 1)[0]).toBeCloseTo(5 / 6, 6);
    expect(lattice.compute(new Float32Array([3]), 1)[0]).toBeCloseTo(2.5, 6);
  });

  it('two points one lattice step apart: out_A = (2/3)(1.25 u_A + ¼ u_B), out_B = (2/3)(¼ u_A + 1.5 u_B)', () => {
    // Keys 0,1 (point A) and 2,3 (point B); the missing key −1 counts as zero, so A keeps less
    // of itself than B (key 3 exists beside B). Worked by hand in the blur order 0 then 1.
    const lattice = PermutohedralLattice.init(new Float32Array([0, ONE_STEP]), 1);
    expect(lattice.vertexCount).toBe(4);
    const a = lattice.compute(new Float32Array([1, 0]), 1);
    const b = lattice.compute(new Float32Array([0, 1]), 1);
    expect(a[0]).toBeCloseTo((2 / 3) * 1.25, 5);
    expect(a[1]).toBeCloseTo((2 / 3) * 0.25, 5);
    expect(b[0]).toBeCloseTo((2 / 3) * 0.25, 5);
    expect(b[1]).toBeCloseTo((2 / 3) * 1.5, 5);
  });
});

describe('permutohedral lattice: structure', () => {
  const n = 60;
  const d = 5;
  const random = prng(3);
  const features = new Float32Array(d * n);
  for (let i = 0; i < features.length; i++) features[i] = random() * 4;
  const lattice = PermutohedralLattice.init(features, d);
  const u = Float32Array.from({ length: n }, () => random() - 0.5);
  const v = Float32Array.from({ length: n }, () => random() - 0.5);
  const dot = (x: Float32Array, y: Float32Array) => x.reduce((s, xi, i) => s + xi * y[i], 0);

  it('reverse blur order is the transpose: ⟨u, K v⟩ = ⟨K_rev u, v⟩', () => {
    const left = dot(u, lattice.compute(v, 1));
    const right = dot(lattice.compute(u, 1, { reverse: true }), v);
    expect(Math.abs(left - right)).toBeLessThan(1e-5 * (Math.abs(left) + 1));
  });

  it('is linear, and filtering k vectors at once equals filtering each alone', () => {
    const both = new Float32Array(2 * n);
    both.set(u, 0);
    both.set(v, n);
    const together = lattice.compute(both, 2);
    const ku = lattice.compute(u, 1);
    const kv = lattice.compute(v, 1);
    const sum = lattice.compute(Float32Array.from(u, (x, i) => 2 * x + 3 * v[i]), 1);
    for (let i = 0; i < n; i++) {
      expect(together[i]).toBeCloseTo(ku[i], 6);
      expect(together[n + i]).toBeCloseTo(kv[i], 6);
      expect(sum[i]).toBeCloseTo(2 * ku[i] + 3 * kv[i], 5);
    }
  });

  it('gives the same result whatever was filtered before (reused buffers, 1, 2, 4, 7 values)', () => {
    const seven = Float32Array.from({ length: 7 * n }, () => random() - 0.5);
    const fresh = (count: number) => PermutohedralLattice.init(features, d).compute(seven.subarray(0, count * n), count);
    const expected = [1, 2, 4, 7].map(fresh);
    const reused = [7, 1, 4, 2, 1, 7].map((count) => lattice.compute(seven.subarray(0, count * n), count));
    expect(reused[0]).toEqual(expected[3]);
    expect(reused[1]).toEqual(expected[0]);
    expect(reused[2]).toEqual(expected[2]);
    expect(reused[3]).toEqual(expected[1]);
    expect(reused[4]).toEqual(expected[0]);
    expect(reused[5]).toEqual(expected[3]);
    for (let i = 0; i < n; i++) expect(expected[3][i]).toBeCloseTo(expected[0][i], 6); // grouped = alone
  });

  it('applies inScale before and outScale after filtering', () => {
    const s = Float32Array.from({ length: n }, () => 0.5 + random());
    const t = Float32Array.from({ length: n }, () => 0.5 + random());
    const scaled = lattice.compute(u, 1, { inScale: s, outScale: t });
    const manual = lattice.compute(Float32Array.from(u, (x, i) => x * s[i]), 1);
    for (let i = 0; i < n; i++) expect(scaled[i]).toBeCloseTo(manual[i] * t[i], 6);
  });

  it('is deterministic and leaves the input untouched; out may alias the input', () => {
    const copy = u.slice();
    const first = lattice.compute(u, 1);
    expect(lattice.compute(u, 1)).toEqual(first);
    expect(u).toEqual(copy);
    const inPlace = u.slice();
    lattice.compute(inPlace, 1, { out: inPlace });
    expect(inPlace).toEqual(first);
  });
});

describe('permutohedral lattice against the exact O(N²) Gaussian filter', () => {
  /**
   * Known approximation (Adams et al. 2010, §4–5): the lattice filter is a Gaussian of standard
   * deviation ≈ 1 (splat/slice interpolation widens it by ~5–15 %) with a mass below the exact
   * one, so densecrf normalises by K·1. We therefore compare normalised filters K v / K 1.
   */
  function smoothCase(width: number, height: number, sxy: number) {
    const features = gaussianFeatures(width, height, sxy);
    const n = width * height;
    const values = new Float32Array(n);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) values[y * width + x] = Math.sin(x / 3) + Math.cos(y / 4) + 2;
    }
    return { features, n, values };
  }

  it('matches the normalised exact filter on a smooth 2-D signal within 2 % of its range', () => {
    const { features, n, values } = smoothCase(24, 18, 2);
    const lattice = PermutohedralLattice.init(features, 2);
    const exact = new ExactGaussianFilter(features, 2);
    const ones = new Float32Array(n).fill(1);
    const [lv, l1, ev, e1] = [lattice.compute(values, 1), lattice.compute(ones, 1), exact.compute(values, 1), exact.compute(ones, 1)];
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(lv[i] / l1[i] - ev[i] / e1[i]));
    console.log(`[lattice vs exact, d=2, σ=2 px] max |K̃v − K̃ₑv| = ${worst.toFixed(4)} (signal range 4)`);
    expect(worst).toBeLessThan(0.02 * 4);
  });

  it('has the response of a Gaussian with σ ≈ 1 (0.95…1.2) and mass 0.8…1.0 of the exact one', () => {
    const width = 61;
    const sxy = 6; // lattice spacing well below the kernel width
    const features = gaussianFeatures(width, width, sxy);
    const n = width * width;
    const lattice = PermutohedralLattice.init(features, 2);
    const centre = 30 * width + 30;
    const delta = new Float32Array(n);
    delta[centre] = 1;
    const response = lattice.compute(delta, 1);
    let mass = 0;
    let second = 0;
    for (let y = 0; y < width; y++) {
      for (let x = 0; x < width; x++) {
        const r = response[y * width + x];
        mass += r;
        second += r * ((x - 30) ** 2 + (y - 30) ** 2);
      }
    }
    const sigma = Math.sqrt(second / mass / 2) / sxy; // per-axis std in feature units
    const exactMass = 2 * Math.PI * sxy * sxy; // Σ exp(−r²/2σ²) over the pixel grid
    console.log(`[lattice impulse response] σ = ${sigma.toFixed(3)}, mass ratio = ${(mass / exactMass).toFixed(3)}`);
    expect(sigma).toBeGreaterThan(0.95);
    expect(sigma).toBeLessThan(1.2);
    expect(mass / exactMass).toBeGreaterThan(0.8);
    expect(mass / exactMass).toBeLessThan(1.0);
  });

  it('matches the exact filter on 5-D bilateral-like features where points are well separated', () => {
    // Points farther than ~4σ apart in feature space only see themselves in both filters;
    // the lattice then returns its self-weight, which lies in (0, 1].
    const n = 12;
    const features = new Float32Array(5 * n);
    for (let i = 0; i < n; i++) for (let k = 0; k < 5; k++) features[k * n + i] = 20 * i + k;
    const lattice = PermutohedralLattice.init(features, 5);
    const exact = new ExactGaussianFilter(features, 5);
    const v = Float32Array.from({ length: n }, (_, i) => i + 1);
    const lv = lattice.compute(v, 1);
    const l1 = lattice.compute(new Float32Array(n).fill(1), 1);
    const ev = exact.compute(v, 1);
    for (let i = 0; i < n; i++) {
      expect(ev[i]).toBeCloseTo(v[i], 6);
      expect(lv[i] / l1[i]).toBeCloseTo(v[i], 5);
      expect(l1[i]).toBeGreaterThan(0);
      expect(l1[i]).toBeLessThanOrEqual(1);
    }
  });
});

describe('permutohedral lattice: bad input', () => {
  it('names the expected lengths and ranges', () => {
    expect(() => PermutohedralLattice.init(new Float32Array(5), 2)).toThrow(/2 × N/);
    expect(() => PermutohedralLattice.init(new Float32Array(0), 2)).toThrow(/N ≥ 1/);
    expect(() => PermutohedralLattice.init(new Float32Array(4), 0)).toThrow(/1…64/);
    expect(() => PermutohedralLattice.init(new Float32Array([0, NaN]), 1)).toThrow(/point 1 is NaN/);
    const lattice = PermutohedralLattice.init(new Float32Array([0, 1, 2]), 1);
    expect(() => lattice.compute(new Float32Array(4), 1)).toThrow(/1 × 3 = 3 entries/);
    expect(() => lattice.compute(new Float32Array(6), 2, { out: new Float32Array(5) })).toThrow(/out must have 6/);
    expect(() => lattice.compute(new Float32Array(3), 1, { inScale: new Float32Array(2) })).toThrow(/inScale.*3, got 2/);
  });
});
