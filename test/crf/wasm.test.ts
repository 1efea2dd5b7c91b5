/**
 * The WebAssembly kernels against the TypeScript reference: same Q to float32 rounding on random
 * cases with every normalisation and compatibility, bit for bit the same on 1, 2 and 3 threads,
 * the same API results (start/step/KL, custom filters), the choice of implementation, memory
 * released with the CRF, and the browser entry loading with no Node.js built-in.
 */
import * as esbuild from 'esbuild';
import * as fs from 'fs';
import * as path from 'path';
import * as v8 from 'v8';
import * as vm from 'vm';
import { afterEach, describe, expect, it } from 'vitest';
import { seeded as prng } from '../helpers/random';
import {
  CompatibilitySpec,
  crfThreads,
  DenseCRF,
  DenseCRF2D,
  DenseKernel,
  makeCompatibility,
  Normalization,
  PermutohedralLattice,
  setCrfThreads,
  unaryFromSoftmax,
} from '../../src/crf';
import { bilateralFeatures, gaussianFeatures } from '../../src/crf/features';
import { crfImplementation } from '../../src/crf/wasm-node';
import { ExactGaussianFilter } from './exact-filter';

/** ES2021's WeakRef (the project's TypeScript lib is ES2020). */
declare class WeakRef<T extends object> {
  constructor(target: T);
  deref(): T | undefined;
}

const startingThreads = crfThreads();
const startingImplementation = process.env.WSOL_CRF;

afterEach(() => {
  setCrfThreads(startingThreads);
  if (startingImplementation === undefined) delete process.env.WSOL_CRF;
  else process.env.WSOL_CRF = startingImplementation;
});

type Implementation = 'ts' | 'wasm';
type CompatKind = 'potts' | 'diagonal' | 'matrix';

function probabilities(labels: number, n: number, seed: number): Float32Array {
  const random = prng(seed);
  const p = new Float32Array(labels * n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let l = 0; l < labels; l++) sum += p[l * n + i] = 0.05 + random();
    for (let l = 0; l < labels; l++) p[l * n + i] /= sum;
  }
  return p;
}

/** A picture with a disc and noise, so the bilateral lattice has flat runs and edges. */
function picture(width: number, height: number, seed: number): Uint8Array {
  const random = prng(seed);
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inside = (x - width / 2) ** 2 + (y - height / 2) ** 2 < (width * height) / 8;
      const base = inside ? [190, 70, 60] : [50 + 2 * x, 100 + y, 150];
      for (let c = 0; c < 3; c++) rgb[3 * (y * width + x) + c] = Math.min(255, Math.round(base[c] + 25 * random()));
    }
  }
  return rgb;
}

function compat(kind: CompatKind, labels: number, weight: number, seed: number): CompatibilitySpec {
  const random = prng(seed);
  if (kind === 'potts') return weight;
  if (kind === 'diagonal') return Array.from({ length: labels }, () => -weight * (0.5 + random()));
  return Array.from({ length: labels }, (_, a) => Array.from({ length: labels }, (_, b) => (a === b ? -weight : weight * random())));
}

interface Case {
  readonly width: number;
  readonly height: number;
  readonly labels: number;
  readonly kind: CompatKind;
  readonly normalization: Normalization;
  readonly seed: number;
}

function makeCrf(implementation: Implementation, c: Case): DenseCRF2D {
  process.env.WSOL_CRF = implementation;
  const crf = new DenseCRF2D(c.width, c.height, c.labels);
  expect(crf.implementation).toBe(implementation);
  crf.setUnaryEnergy(unaryFromSoftmax(probabilities(c.labels, c.width * c.height, c.seed), { clip: 1e-5 }));
  crf.addPairwiseGaussian({ sxy: 3, compat: compat(c.kind, c.labels, 3, c.seed + 1), normalization: c.normalization });
  crf.addPairwiseBilateral({
    sxy: 15,
    srgb: 13,
    rgb: picture(c.width, c.height, c.seed),
    compat: compat(c.kind, c.labels, 5, c.seed + 2),
    normalization: c.normalization,
  });
  return crf;
}

function maxDifference(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** Bound on |ΔQ| where energies are of order 1 (normalised kernels). */
const AGREEMENT = 1e-5;

/**
 * The size of the pairwise energies of a case, `Σ_m |w_m| · max_i (K̃_m 1)_i`: about 1 with
 * normalised kernels, hundreds with NONE. float32 rounds energies to ε·|E| (ε = 6e-8), and Q moves
 * by at most that much, so the bound below grows with it.
 */
function energyScale(c: Case): number {
  const n = c.width * c.height;
  const ones = new Float32Array(n).fill(1);
  const terms = [
    { features: gaussianFeatures(c.width, c.height, 3), d: 2, weight: 3 },
    { features: bilateralFeatures(c.width, c.height, 15, 13, picture(c.width, c.height, c.seed)), d: 5, weight: 5 },
  ];
  let scale = 0;
  for (const { features, d, weight } of terms) {
    const filtered = new DenseKernel(PermutohedralLattice.init(features, d), c.normalization).apply(ones, 1, new Float32Array(n));
    scale += 1.5 * weight * Math.max(...filtered);
  }
  return scale;
}

describe('WebAssembly dense CRF against the TypeScript reference', () => {
  const cases: Case[] = [];
  let seed = 10;
  for (const normalization of ['NONE', 'BEFORE', 'AFTER', 'SYMMETRIC'] as const) {
    for (const kind of ['potts', 'diagonal', 'matrix'] as const) {
      for (const labels of [2, 3, 5, 8, 21]) cases.push({ width: 23, height: 17, labels, kind, normalization, seed: seed++ });
    }
  }

  it(`Q after 5 iterations agrees to 10 ε·(energy scale) on ${cases.length} random cases (4 normalisations × 3 compatibilities × 2…21 labels)`, () => {
    let worst = 0;
    for (const c of cases) {
      const ts = makeCrf('ts', c).inference(5);
      const wasm = makeCrf('wasm', c).inference(5);
      expect(wasm.some((v) => !(v >= 0 && v <= 1))).toBe(false);
      const difference = maxDifference(ts, wasm);
      const relative = difference / (6e-8 * energyScale(c));
      worst = Math.max(worst, relative);
      expect(relative, JSON.stringify(c)).toBeLessThan(10);
    }
    // Measured: at most 3.4 ε·scale (1.3e-4 with NONE and 21 labels; ≤ 2e-6 with normalised kernels).
    console.log(`[wasm vs ts] worst max |ΔQ| over ${cases.length} cases: ${worst.toFixed(2)} ε·scale`);
  });

  it('startInference, stepInference, klDivergence and inferenceWithKL agree with the TypeScript ones', () => {
    const c: Case = { width: 31, height: 19, labels: 6, kind: 'diagonal', normalization: 'SYMMETRIC', seed: 3 };
    const ts = makeCrf('ts', c);
    const wasm = makeCrf('wasm', c);
    const start = ts.startInference();
    expect(maxDifference(wasm.startInference(), start)).toBeLessThan(1e-6);
    expect(maxDifference(wasm.stepInference(start), ts.stepInference(start))).toBeLessThan(1e-6);
    expect(Math.abs(wasm.klDivergence(start) - ts.klDivergence(start))).toBeLessThan(1e-6 * Math.abs(ts.klDivergence(start)));
    const a = ts.inferenceWithKL(4);
    const b = wasm.inferenceWithKL(4);
    expect(b.kl).toHaveLength(5);
    b.kl.forEach((kl, k) => expect(Math.abs(kl - a.kl[k])).toBeLessThan(1e-5 * Math.abs(a.kl[k])));
    expect(maxDifference(b.Q, a.Q)).toBeLessThan(AGREEMENT);
    expect(maxDifference(b.Q, wasm.inference(4))).toBe(0);
  });

  it('a custom filter term (the exact O(N²) Gaussian) next to a lattice term gives the TypeScript Q', () => {
    const width = 14;
    const height = 9;
    const n = width * height;
    const rgb = picture(width, height, 5);
    const run = (implementation: Implementation) => {
      process.env.WSOL_CRF = implementation;
      const crf = new DenseCRF(n, 4);
      crf.setUnaryEnergy(unaryFromSoftmax(probabilities(4, n, 6), { clip: 1e-5 }));
      crf.addPairwiseFilter(new ExactGaussianFilter(bilateralFeatures(width, height, 5, 20, rgb), 5), { compat: 4 });
      crf.addPairwiseEnergy(bilateralFeatures(width, height, 9, 13, rgb), { compat: [-2, -3, -4, -5], normalization: 'AFTER' });
      return crf.inference(3);
    };
    expect(maxDifference(run('wasm'), run('ts'))).toBeLessThan(1e-6);
  });

  it('energies 1e10 apart give a one-hot Q (the exp underflows to exactly 0)', () => {
    process.env.WSOL_CRF = 'wasm';
    const crf = new DenseCRF(4, 5);
    const unary = new Float32Array(20).fill(1e10);
    for (let i = 0; i < 4; i++) unary[(i % 5) * 4 + i] = 0;
    crf.setUnaryEnergy(unary);
    const q = crf.inference(0);
    for (let i = 0; i < 4; i++) for (let l = 0; l < 5; l++) expect(q[l * 4 + i]).toBe(l === i % 5 ? 1 : 0);
  });
});

describe('WebAssembly dense CRF threads', () => {
  it.each([
    [2, 'potts'],
    [5, 'matrix'],
    [21, 'potts'],
    [9, 'diagonal'],
  ] as const)('%i labels, %s: Q bit for bit equal on 1, 2 and 3 threads', (labels, kind) => {
    // Up to 5 labels on an image above the size from which lattices are built on several threads.
    const c: Case = labels <= 5 ? { width: 150, height: 110, labels, kind, normalization: 'SYMMETRIC', seed: labels } : { width: 64, height: 48, labels, kind, normalization: 'SYMMETRIC', seed: labels };
    setCrfThreads(1);
    const one = makeCrf('wasm', c).inference(3);
    setCrfThreads(2);
    expect(makeCrf('wasm', c).inference(3)).toEqual(one);
    setCrfThreads(3);
    expect(makeCrf('wasm', c).inference(3)).toEqual(one);
    expect(crfThreads()).toBe(3);
  });
});

describe('choosing the implementation, and releasing memory', () => {
  it('WSOL_CRF=ts|wasm is obeyed; anything else is an error naming the variable', () => {
    process.env.WSOL_CRF = 'ts';
    expect(new DenseCRF(3, 2).implementation).toBe('ts');
    process.env.WSOL_CRF = 'wasm';
    expect(new DenseCRF(3, 2).implementation).toBe('wasm');
    delete process.env.WSOL_CRF;
    expect(crfImplementation()).toBe('wasm'); // Node ≥ 20 has SIMD and shared memory
    process.env.WSOL_CRF = 'fast';
    expect(() => new DenseCRF(3, 2)).toThrow(/WSOL_CRF must be 'ts' or 'wasm', got 'fast'/);
  });

  it('dispose() releases the memory; the CRF then refuses to run', () => {
    process.env.WSOL_CRF = 'wasm';
    const crf = new DenseCRF2D(40, 30, 3);
    crf.addPairwiseGaussian({ sxy: 3, compat: 3 });
    crf.inference(1);
    crf.dispose();
    expect(() => crf.inference(1)).toThrow(/used after dispose/);
  });

  it('a CRF that is garbage does not pin its memory (nor do the worker threads that ran it)', async () => {
    process.env.WSOL_CRF = 'wasm';
    setCrfThreads(3);
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    // (in a function of its own: a suspended async function may keep its last loop variables)
    const runAndDrop = (k: number): WeakRef<WebAssembly.Memory> => {
      const crf = new DenseCRF2D(150, 110, 5);
      crf.addPairwiseBilateral({ sxy: 20, srgb: 13, rgb: picture(150, 110, k), compat: 4 });
      crf.inference(2);
      return new WeakRef((crf as unknown as { wasm: { memory: WebAssembly.Memory } }).wasm.memory);
    };
    const memories = [0, 1, 2].map(runAndDrop);
    for (let attempt = 0; attempt < 10 && memories.some((m) => m.deref() !== undefined); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      gc();
    }
    expect(memories.map((m) => m.deref() === undefined)).toEqual([true, true, true]);
  });
});

describe('the browser entry (wasm-crf.ts)', () => {
  it('bundles for the browser with no Node.js built-in and runs the plain-memory kernels in a bare context', () => {
    const bundle = esbuild.buildSync({
      entryPoints: [path.join(__dirname, '../../src/crf/wasm-crf.ts')],
      bundle: true,
      platform: 'browser',
      format: 'iife',
      globalName: 'crfWasm',
      write: false,
      logLevel: 'silent',
    });
    const code = bundle.outputFiles[0].text;
    const bytes = fs.readFileSync(path.join(__dirname, '../../src/crf/wasm/kernels.wasm'));
    // A context with nothing but the JavaScript built-ins and WebAssembly: no require, process or Buffer.
    const context = vm.createContext({ WebAssembly, bytes: new Uint8Array(bytes) });
    vm.runInContext(code, context);
    const c: Case = { width: 23, height: 17, labels: 5, kind: 'potts', normalization: 'SYMMETRIC', seed: 4 };
    const n = c.width * c.height;
    const unary = unaryFromSoftmax(probabilities(c.labels, n, 8), { clip: 1e-5 });
    const features = bilateralFeatures(c.width, c.height, 15, 13, picture(c.width, c.height, 4));
    context.unary = unary;
    context.features = features;
    context.compatibility = makeCompatibility(4, c.labels).data;
    const q = vm.runInContext(
      `const crf = new crfWasm.WasmCrf(new WebAssembly.Module(bytes), { pointCount: ${n}, labelCount: ${c.labels}, shared: false });
       crf.setUnaryEnergy(unary);
       crf.addLattice(features, 5, 'SYMMETRIC', compatibility);
       crf.inference(4);`,
      context,
    ) as Float32Array;
    process.env.WSOL_CRF = 'ts';
    const ts = new DenseCRF(n, c.labels);
    ts.setUnaryEnergy(unary);
    ts.addPairwiseEnergy(features, { compat: 4 });
    expect(maxDifference(Float32Array.from(q), ts.inference(4))).toBeLessThan(AGREEMENT);
  });
});
