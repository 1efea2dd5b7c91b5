import { describe, expect, it } from 'vitest';
import { seeded as prng } from '../helpers/random';
import {
  argmaxLabels,
  DenseCRF,
  DenseCRF2D,
  DenseKernel,
  gaussianFeatures,
  PermutohedralLattice,
  bilateralFeatures,
  Normalization,
  unaryFromLabels,
  unaryFromSoftmax,
} from '../../src/crf';
import { ExactGaussianFilter } from './exact-filter';


/** Random probabilities `[label][point]` summing to 1 per point. */
function randomProbabilities(labels: number, n: number, seed: number): Float32Array {
  const random = prng(seed);
  const p = new Float32Array(labels * n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let l = 0; l < labels; l++) sum += p[l * n + i] = 0.05 + random();
    for (let l = 0; l < labels; l++) p[l * n + i] /= sum;
  }
  return p;
}

function randomImage(width: number, height: number, seed: number): Uint8Array {
  const random = prng(seed);
  return Uint8Array.from({ length: width * height * 3 }, () => Math.floor(random() * 256));
}

function softmaxOfMinus(unary: Float32Array, labels: number): Float64Array {
  const n = unary.length / labels;
  const q = new Float64Array(unary.length);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let l = 0; l < labels; l++) sum += q[l * n + i] = Math.exp(-unary[l * n + i]);
    for (let l = 0; l < labels; l++) q[l * n + i] /= sum;
  }
  return q;
}

describe('mean field with the exact filter: hand-checked 2-point, 2-label case', () => {
  // Points at feature distance 1: K = [[1, k], [k, 1]], k = e^{−½}. Q⁰ = softmax(−U).
  const k = Math.exp(-0.5);
  const q0 = [
    [0.8, 0.3], // label 0 at points A, B
    [0.2, 0.7], // label 1
  ];
  const probs = new Float32Array([0.8, 0.3, 0.2, 0.7]);
  const unary = unaryFromSoftmax(probs, { clip: null });
  const features = new Float32Array([0, 1]);

  /** One step by hand: E_l(i) = −U_l(i) + w · Σ_j K̃_ij Q⁰_l(j), then softmax. */
  function handStep(w: number, kernel: (i: number, j: number) => number): number[][] {
    const e = [0, 1].map((l) => [0, 1].map((i) => Math.log(q0[l][i]) + w * (kernel(i, 0) * q0[l][0] + kernel(i, 1) * q0[l][1])));
    return [0, 1].map((l) => [0, 1].map((i) => Math.exp(e[l][i]) / (Math.exp(e[0][i]) + Math.exp(e[1][i]))));
  }
  const K = (i: number, j: number) => (i === j ? 1 : k);
  const n1 = 1 + k; // K·1 at both points
  const cases: [Normalization, (i: number, j: number) => number][] = [
    ['NONE', K],
    ['SYMMETRIC', (i, j) => K(i, j) / Math.sqrt(n1) / Math.sqrt(n1)],
    ['BEFORE', (i, j) => K(i, j) / n1],
    ['AFTER', (i, j) => K(i, j) / n1],
  ];

  for (const [normalization, kernel] of cases) {
    it(`one Potts step (w = 2) with ${normalization} normalisation`, () => {
      const crf = new DenseCRF(2, 2);
      crf.setUnaryEnergy(unary);
      crf.addPairwiseFilter(new ExactGaussianFilter(features, 1), { compat: 2, normalization });
      const q = crf.inference(1);
      const expected = handStep(2, kernel);
      for (let l = 0; l < 2; l++) for (let i = 0; i < 2; i++) expect(q[l * 2 + i]).toBeCloseTo(expected[l][i], 6);
    });
  }

  it('two steps equal two hand steps, and stepInference equals inference', () => {
    const crf = new DenseCRF(2, 2);
    crf.setUnaryEnergy(unary);
    crf.addPairwiseFilter(new ExactGaussianFilter(features, 1), { compat: 2, normalization: 'NONE' });
    const first = handStep(2, K);
    const e = [0, 1].map((l) => [0, 1].map((i) => Math.log(q0[l][i]) + 2 * (K(i, 0) * first[l][0] + K(i, 1) * first[l][1])));
    const second = [0, 1].map((l) => [0, 1].map((i) => Math.exp(e[l][i]) / (Math.exp(e[0][i]) + Math.exp(e[1][i]))));
    const q = crf.inference(2);
    for (let l = 0; l < 2; l++) for (let i = 0; i < 2; i++) expect(q[l * 2 + i]).toBeCloseTo(second[l][i], 6);
    const stepped = crf.stepInference(crf.stepInference(crf.startInference()));
    expect(stepped).toEqual(q);
  });

  it('klDivergence is Σ Q log Q + Σ U Q + Σ Q μ(K̃Q), and inferenceWithKL records it per step', () => {
    const crf = new DenseCRF(2, 2);
    crf.setUnaryEnergy(unary);
    crf.addPairwiseFilter(new ExactGaussianFilter(features, 1), { compat: 2, normalization: 'NONE' });
    let expected = 0;
    for (let l = 0; l < 2; l++) {
      for (let i = 0; i < 2; i++) {
        const q = q0[l][i];
        expected += q * Math.log(q) - Math.log(q) * q - 2 * q * (K(i, 0) * q0[l][0] + K(i, 1) * q0[l][1]);
      }
    }
    const start = crf.startInference();
    expect(crf.klDivergence(start)).toBeCloseTo(expected, 5);
    const { Q, kl } = crf.inferenceWithKL(3);
    expect(kl).toHaveLength(4);
    expect(kl[0]).toBeCloseTo(expected, 5);
    expect(Q).toEqual(crf.inference(3));
    expect(kl[3]).toBeCloseTo(crf.klDivergence(Q), 6);
  });
});

describe('DenseCRF2D invariants', () => {
  const width = 23;
  const height = 17;
  const n = width * height;
  const rgb = randomImage(width, height, 5);

  function makeCrf(labels: number, compatScale = 1): DenseCRF2D {
    const crf = new DenseCRF2D(width, height, labels);
    crf.setUnaryEnergy(unaryFromSoftmax(randomProbabilities(labels, n, labels), { clip: 1e-5 }));
    crf.addPairwiseGaussian({ sxy: 3, compat: 3 * compatScale });
    crf.addPairwiseBilateral({ sxy: 20, srgb: 13, rgb, compat: 10 * compatScale });
    return crf;
  }

  it('each pixel’s Q sums to 1 (2, 3 and 21 labels)', () => {
    for (const labels of [2, 3, 21]) {
      const q = makeCrf(labels).inference(5);
      for (let i = 0; i < n; i++) {
        let sum = 0;
        for (let l = 0; l < labels; l++) sum += q[l * n + i];
        expect(Math.abs(sum - 1)).toBeLessThan(1e-5);
      }
    }
  });

  it('with zero pairwise weight Q = softmax(−U) after any number of iterations', () => {
    const crf = makeCrf(3, 0);
    const expected = softmaxOfMinus(unaryFromSoftmax(randomProbabilities(3, n, 3), { clip: 1e-5 }), 3);
    const q = crf.inference(4);
    for (let i = 0; i < q.length; i++) expect(Math.abs(q[i] - expected[i])).toBeLessThan(1e-6);
  });

  it('energies 1e10 apart give a one-hot Q, not NaN or a wrapped-around exponent (2 and 3 labels)', () => {
    for (const labels of [2, 3]) {
      const crf = new DenseCRF2D(width, height, labels);
      const unary = new Float32Array(labels * n);
      for (let i = 0; i < n; i++) for (let l = 0; l < labels; l++) unary[l * n + i] = l === i % labels ? 0 : 1e10;
      crf.setUnaryEnergy(unary);
      crf.addPairwiseGaussian({ sxy: 3, compat: 3 });
      const q = crf.inference(2);
      for (let i = 0; i < n; i++) for (let l = 0; l < labels; l++) expect(q[l * n + i]).toBe(l === i % labels ? 1 : 0);
    }
  });

  it('is deterministic: two CRFs built alike give bit-identical Q', () => {
    expect(makeCrf(4).inference(5)).toEqual(makeCrf(4).inference(5));
  });

  it('smooths: Potts terms reduce the number of label changes between neighbours', () => {
    const changes = (labels: Int32Array) => {
      let c = 0;
      for (let y = 0; y < height; y++) for (let x = 1; x < width; x++) c += labels[y * width + x] !== labels[y * width + x - 1] ? 1 : 0;
      return c;
    };
    // Weak random unaries; a Gaussian (sxy 3) Potts term of weight 10 makes the labelling smooth.
    const crf = new DenseCRF2D(width, height, 3);
    crf.setUnaryEnergy(unaryFromSoftmax(randomProbabilities(3, n, 3)));
    crf.addPairwiseGaussian({ sxy: 3, compat: 10 });
    const before = changes(argmaxLabels(crf.startInference(), 3));
    const after = changes(crf.map(5));
    expect(after).toBeLessThan(before / 4);
  });

  it('Potts w = diagonal −w = matrix −w·I, and = matrix w·(1 − I) up to a per-pixel constant', () => {
    const labels = 3;
    const unary = unaryFromSoftmax(randomProbabilities(labels, n, 9));
    const run = (compat: number | number[] | number[][]) => {
      const crf = new DenseCRF2D(width, height, labels);
      crf.setUnaryEnergy(unary);
      crf.addPairwiseBilateral({ sxy: 10, srgb: 20, rgb, compat });
      return crf.inference(3);
    };
    const potts = run(4);
    const diagonal = run([-4, -4, -4]);
    const minusIdentity = run([[-4, 0, 0], [0, -4, 0], [0, 0, -4]]); // prettier-ignore
    const offDiagonal = run([[0, 4, 4], [4, 0, 4], [4, 4, 0]]); // prettier-ignore
    for (let i = 0; i < potts.length; i++) {
      expect(diagonal[i]).toBeCloseTo(potts[i], 6);
      expect(minusIdentity[i]).toBeCloseTo(potts[i], 6);
      expect(offDiagonal[i]).toBeCloseTo(potts[i], 4);
    }
  });

  it('filtering L − 1 labels and K̃1 − Σ for the last equals filtering all L labels (to 1e-6)', () => {
    const labels = 4;
    const q = randomProbabilities(labels, n, 13);
    for (const normalization of ['NONE', 'BEFORE', 'AFTER', 'SYMMETRIC'] as const) {
      const kernel = new DenseKernel(PermutohedralLattice.init(bilateralFeatures(width, height, 5, 20, rgb), 5), normalization);
      const full = kernel.apply(q, labels, new Float32Array(q.length));
      const short = kernel.applyToMarginals(q, labels, new Float32Array(q.length));
      for (let i = 0; i < q.length; i++) expect(Math.abs(short[i] - full[i])).toBeLessThan(1e-6 * (1 + Math.abs(full[i])));
    }
  });

  it('DenseKernel.apply(…, transpose) is the adjoint: ⟨u, K̃v⟩ = ⟨K̃ᵀu, v⟩ for every normalisation', () => {
    const random = prng(21);
    const u = Float32Array.from({ length: n }, () => random() - 0.5);
    const v = Float32Array.from({ length: n }, () => random() - 0.5);
    const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0);
    for (const normalization of ['NONE', 'BEFORE', 'AFTER', 'SYMMETRIC'] as const) {
      const kernel = new DenseKernel(PermutohedralLattice.init(bilateralFeatures(width, height, 6, 30, rgb), 5), normalization);
      const left = dot(u, kernel.apply(v, 1, new Float32Array(n)));
      const right = dot(kernel.apply(u, 1, new Float32Array(n), true), v);
      expect(Math.abs(left - right)).toBeLessThan(1e-5 * (1 + Math.abs(left)));
    }
  });

  it('symmetrises a matrix compatibility: M and its transpose give the same Q', () => {
    const unary = unaryFromSoftmax(randomProbabilities(2, n, 11));
    const run = (compat: number[][]) => {
      const crf = new DenseCRF2D(width, height, 2);
      crf.setUnaryEnergy(unary);
      crf.addPairwiseGaussian({ sxy: 3, compat });
      return crf.inference(2);
    };
    expect(run([[0, 5], [1, 0]])).toEqual(run([[0, 1], [5, 0]])); // prettier-ignore
  });
});

describe('anisotropic kernels are not swapped between axes or channels', () => {
  it('gaussianFeatures is (x/sx, y/sy) with x the column; bilateralFeatures adds R/sr, G/sg, B/sb', () => {
    const rgb = Uint8Array.from([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150, 160, 170, 180]);
    const g = gaussianFeatures(3, 2, [2, 4]);
    expect(Array.from(g)).toEqual([0, 0.5, 1, 0, 0.5, 1, 0, 0, 0, 0.25, 0.25, 0.25]);
    const b = bilateralFeatures(3, 2, [2, 4], [10, 20, 40], rgb);
    const n = 6;
    expect(b[4]).toBe(0.5); // x of pixel (1, 1) = 1/2
    expect(b[n + 4]).toBe(0.25); // y of pixel (1, 1) = 1/4
    expect(b[2 * n + 4]).toBe(130 / 10); // R
    expect(b[3 * n + 4]).toBe(140 / 20); // G
    expect(b[4 * n + 4]).toBe(150 / 40); // B
  });

  /** A one-pixel seed of label 1 in the middle of a label-0 field; returns Q(label 1) after one step. */
  function spread(add: (crf: DenseCRF2D) => void, width: number, height: number): Float32Array {
    const n = width * height;
    const probs = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) {
      probs[i] = 0.6;
      probs[n + i] = 0.4;
    }
    const centre = Math.floor(height / 2) * width + Math.floor(width / 2);
    probs[centre] = 0.001;
    probs[n + centre] = 0.999;
    const crf = new DenseCRF2D(width, height, 2);
    crf.setUnaryEnergy(unaryFromSoftmax(probs));
    add(crf);
    return crf.inference(1).subarray(n);
  }

  it('sxy = [sx, sy]: a wide sx spreads the seed along the row, not the column', () => {
    const width = 15;
    const height = 11;
    const centre = 5 * width + 7;
    const q = spread((crf) => crf.addPairwiseGaussian({ sxy: [3, 0.3], compat: 6, normalization: 'NONE' }), width, height);
    expect(q[centre + 2]).toBeGreaterThan(q[centre + 2 * width] + 0.05); // right vs below
    const flipped = spread((crf) => crf.addPairwiseGaussian({ sxy: [0.3, 3], compat: 6, normalization: 'NONE' }), width, height);
    expect(flipped[centre + 2 * width]).toBeGreaterThan(flipped[centre + 2] + 0.05);
  });

  it('srgb = [sr, sg, sb]: a pixel differing only in R is coupled when sr is wide, not when sr is narrow', () => {
    // 3×1 image: left differs from the centre in R only, right differs in B only.
    const rgb = Uint8Array.from([200, 100, 100, 100, 100, 100, 100, 100, 200]);
    const run = (srgb: [number, number, number]) =>
      spread((crf) => crf.addPairwiseBilateral({ sxy: 10, srgb, rgb, compat: 6, normalization: 'NONE' }), 3, 1);
    const wideR = run([400, 400, 5]);
    expect(wideR[0]).toBeGreaterThan(wideR[2] + 0.05); // left (R differs) follows the seed
    const wideB = run([5, 400, 400]);
    expect(wideB[2]).toBeGreaterThan(wideB[0] + 0.05); // right (B differs) follows the seed
  });
});

describe('unaries', () => {
  it('unaryFromSoftmax = −log(clip(p)) and with scale −log(scale·p + (1 − scale)/L)', () => {
    const p = new Float32Array([0, 0.5, 1, 1, 0.5, 0]);
    expect(Array.from(unaryFromSoftmax(p))).toEqual(Array.from(p, (v) => Math.fround(-Math.log(Math.max(v, 1e-5)))));
    const scaled = unaryFromSoftmax([p.subarray(0, 3), p.subarray(3)], { scale: 0.8, clip: null });
    expect(scaled[0]).toBeCloseTo(-Math.log(0.1), 6);
    expect(scaled[2]).toBeCloseTo(-Math.log(0.9), 6);
    expect(scaled[4]).toBeCloseTo(-Math.log(0.8 * 0.5 + 0.1), 6);
  });

  it('unaryFromLabels: −log gtProb, −log((1 − gtProb)/(L − 1)), and uniform for the unsure 0', () => {
    const u = unaryFromLabels([0, 1, 3], 3, 0.7);
    const n = 3;
    for (let l = 0; l < 3; l++) expect(u[l * n]).toBeCloseTo(Math.log(3), 6);
    expect(u[1]).toBeCloseTo(-Math.log(0.7), 6);
    expect(u[n + 1]).toBeCloseTo(-Math.log(0.15), 6);
    expect(u[2 * n + 2]).toBeCloseTo(-Math.log(0.7), 6);
    expect(u[2]).toBeCloseTo(-Math.log(0.15), 6);
    const plain = unaryFromLabels([0, 1], 2, 0.9, { zeroUnsure: false });
    expect(plain[0]).toBeCloseTo(-Math.log(0.9), 6);
    expect(plain[2]).toBeCloseTo(-Math.log(0.1), 6);
  });

  it('argmaxLabels takes the first label on ties', () => {
    expect(Array.from(argmaxLabels(new Float32Array([0.5, 0.2, 0.5, 0.8]), 2))).toEqual([0, 1]);
  });
});

describe('bad input gives errors that name the problem', () => {
  const rgb = new Uint8Array(4 * 3 * 3);
  it('sizes and label counts', () => {
    expect(() => new DenseCRF2D(0, 3, 2)).toThrow(/positive integers, got 0×3/);
    expect(() => new DenseCRF2D(4, 3, 1)).toThrow(/labelCount must be an integer ≥ 2, got 1/);
    expect(() => new DenseCRF(0, 2)).toThrow(/pointCount/);
  });
  it('unary, Q and rgb lengths; non-finite unary', () => {
    const crf = new DenseCRF2D(4, 3, 2);
    expect(() => crf.setUnaryEnergy(new Float32Array(12))).toThrow(/2 × 12 = 24 values laid out \[label\]\[point\], got 12/);
    const bad = new Float32Array(24);
    bad[13] = Infinity;
    expect(() => crf.setUnaryEnergy(bad)).toThrow(/label 1 at point 1 is Infinity/);
    expect(() => crf.addPairwiseBilateral({ sxy: 3, srgb: 3, rgb: new Uint8Array(35), compat: 1 })).toThrow(
      /4·3·3 = 36 bytes.*got 35/,
    );
    expect(() => crf.stepInference(new Float32Array(23))).toThrow(/24 values/);
  });
  it('kernel options and compatibilities', () => {
    const crf = new DenseCRF2D(4, 3, 2);
    expect(() => crf.addPairwiseGaussian({ sxy: [1, 2, 3] as unknown as [number, number], compat: 1 })).toThrow(/sxy must be one number or 2 numbers/);
    expect(() => crf.addPairwiseBilateral({ sxy: 3, srgb: [1, 0, 1], rgb, compat: 1 })).toThrow(/srgb\[1\] \(G\)/);
    expect(() => crf.addPairwiseGaussian({ sxy: 3, compat: [1, 2, 3] })).toThrow(/2 values, got 3/);
    expect(() => crf.addPairwiseGaussian({ sxy: 3, compat: [[1, 2]] })).toThrow(/2×2/);
    expect(() => crf.addPairwiseGaussian({ sxy: 3, compat: NaN })).toThrow(/finite/);
    expect(() => crf.addPairwiseGaussian({ sxy: 3, compat: 1, normalization: 'L2' as Normalization })).toThrow(/SYMMETRIC/);
    expect(() => crf.inference(-1)).toThrow(/iterations/);
  });
  it('unary helpers', () => {
    expect(() => unaryFromSoftmax(new Float32Array([0.5, NaN]))).toThrow(/probability 1 is NaN/);
    expect(() => unaryFromSoftmax(new Float32Array(5), { labelCount: 2 })).toThrow(/2 × N/);
    expect(() => unaryFromSoftmax(new Float32Array(4), { scale: 0.5 })).toThrow(/labelCount/);
    expect(() => unaryFromLabels([0, 4], 3, 0.5)).toThrow(/labels\[1\] = 4; expected an integer in 0…3/);
    expect(() => unaryFromLabels([0], 3, 1)).toThrow(/gtProb/);
  });
});
