import { describe, expect, it } from 'vitest';
import { seeded as prng } from '../helpers/random';
import { bilateralFeatures, DenseCRF2D, gaussianFeatures, PermutohedralLattice, unaryFromSoftmax } from '../../src/crf';
import { ReferenceLattice, referenceMeanField } from './reference-crf';


/** A small picture: two colour regions, a gradient and noise, so lattices have many vertices. */
function picture(width: number, height: number, seed: number): Uint8Array {
  const random = prng(seed);
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inside = (x - width / 2) ** 2 + (y - height / 2) ** 2 < (width * height) / 10;
      const base = inside ? [200, 60, 50] : [60 + 3 * x, 90 + 2 * y, 140];
      for (let c = 0; c < 3; c++) rgb[3 * (y * width + x) + c] = Math.min(255, Math.round(base[c] + 20 * random()));
    }
  }
  return rgb;
}

describe('the fast lattice and mean field agree with the plain reference (test/crf/reference-crf.ts)', () => {
  const width = 30;
  const height = 22;
  const n = width * height;
  const rgb = picture(width, height, 1);
  const kernels: [string, Float32Array, number][] = [
    ['gaussian sxy 3', gaussianFeatures(width, height, 3), 2],
    ['gaussian sxy [1.5, 0.7]', gaussianFeatures(width, height, [1.5, 0.7]), 2],
    ['bilateral sxy 8 srgb 13', bilateralFeatures(width, height, 8, 13, rgb), 5],
    ['bilateral sxy 20 srgb 3', bilateralFeatures(width, height, 20, 3, rgb), 5],
    ['bilateral sxy 80 srgb 40 (long runs)', bilateralFeatures(width, height, 80, 40, rgb), 5],
  ];

  for (const [name, features, d] of kernels) {
    it(`${name}: same vertices, and compute() equals the reference for 1, 2, 5 and 7 values`, () => {
      const fast = PermutohedralLattice.init(features, d);
      const reference = new ReferenceLattice(features, d);
      expect(fast.vertexCount).toBe(reference.vertexCount);
      const random = prng(d * 7);
      for (const count of [1, 2, 5, 7]) {
        const values = Float32Array.from({ length: count * n }, () => random());
        const out = fast.compute(values, count);
        let worst = 0;
        for (let k = 0; k < count; k++) {
          const expected = reference.filterOne(values.subarray(k * n, (k + 1) * n));
          for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(out[k * n + i] - expected[i]) / (Math.abs(expected[i]) + 1e-3));
        }
        expect(worst).toBeLessThan(2e-6);
      }
    });
  }

  it('DenseCRF2D.inference matches the reference mean field to 1e-5, or to the rounding sensitivity of the case', () => {
    // Mean field amplifies rounding differences over iterations; the yardstick for "same numbers"
    // is how much Q moves when the unary itself moves by float32 rounding (relative 1e-7).
    for (const labels of [2, 3, 6]) {
      const random = prng(labels);
      const probs = new Float32Array(labels * n);
      for (let i = 0; i < n; i++) {
        let sum = 0;
        for (let l = 0; l < labels; l++) sum += probs[l * n + i] = 0.1 + random();
        for (let l = 0; l < labels; l++) probs[l * n + i] /= sum;
      }
      const unary = unaryFromSoftmax(probs, { clip: 1e-5 });
      const run = (u: Float32Array) => {
        const crf = new DenseCRF2D(width, height, labels);
        crf.setUnaryEnergy(u);
        crf.addPairwiseGaussian({ sxy: 3, compat: 3 });
        crf.addPairwiseBilateral({ sxy: 20, srgb: 13, rgb, compat: 10 });
        return crf.inference(5);
      };
      const q = run(unary);
      // Nudged both ways: a case near a tipping point may move one way only.
      const nudged = [run(unary.map((u) => u * (1 + 1e-7))), run(unary.map((u) => u * (1 - 1e-7)))];
      const expected = referenceMeanField(
        unary,
        labels,
        [
          { lattice: new ReferenceLattice(gaussianFeatures(width, height, 3), 2), potts: 3 },
          { lattice: new ReferenceLattice(bilateralFeatures(width, height, 20, 13, rgb), 5), potts: 10 },
        ],
        5,
      );
      let worst = 0;
      let sensitivity = 0;
      for (let i = 0; i < q.length; i++) {
        worst = Math.max(worst, Math.abs(q[i] - expected[i]));
        sensitivity = Math.max(sensitivity, Math.abs(q[i] - nudged[0][i]), Math.abs(q[i] - nudged[1][i]));
      }
      console.log(
        `[fast vs reference mean field] ${labels} labels, 5 iterations: max |ΔQ| = ${worst.toExponential(2)} ` +
          `(Q moves by ${sensitivity.toExponential(2)} when U moves by 1e-7 relative)`,
      );
      // 1.5e-5: the 2-label case has a pixel near its tipping point (Q ≈ 0.472) where the
      // TypeScript code is 8.0e-6 from the reference and the WebAssembly kernels, which sum in
      // float32 like densecrf, 1.17e-5 (they differ from each other by 3.7e-6 there).
      expect(worst).toBeLessThan(Math.max(1.5e-5, 4 * sensitivity));
    }
  });
});
