import { afterEach, describe, expect, it } from 'vitest';
import { seeded as prng } from '../helpers/random';
import { bilateralFeatures, CompatibilitySpec, DenseCRF2D, PermutohedralLattice, unaryFromSoftmax } from '../../src/crf';
import { float32s } from '../../src/crf/loops';
import { crfThreads, runOnThreads, setCrfThreads } from '../../src/crf/threads';

// 160 × 120 = 19 200 points: above the size from which lattices are built on several threads.
const WIDTH = 160;
const HEIGHT = 120;
const N = WIDTH * HEIGHT;
const startingThreads = crfThreads();

afterEach(() => setCrfThreads(startingThreads));

/** A noisy image with two flat regions, so lattices have both long runs and scattered simplices. */
function image(seed: number): Uint8Array {
  const random = prng(seed);
  const rgb = new Uint8Array(N * 3);
  for (let i = 0; i < N; i++) {
    const inside = i % WIDTH > WIDTH / 2;
    for (let c = 0; c < 3; c++) rgb[3 * i + c] = Math.round((inside ? 60 + 60 * c : 200 - 50 * c) + 30 * random());
  }
  return rgb;
}

function probabilities(labels: number, seed: number): Float32Array {
  const random = prng(seed);
  const p = new Float32Array(labels * N);
  for (let i = 0; i < N; i++) {
    let sum = 0;
    for (let l = 0; l < labels; l++) sum += p[l * N + i] = 0.2 + random();
    for (let l = 0; l < labels; l++) p[l * N + i] /= sum;
  }
  return p;
}

/** Filters `count` random vectors (in shared memory, so worker threads can take part). */
function filterWith(threads: number, count: number, reverse: boolean): Float32Array {
  setCrfThreads(threads);
  const lattice = PermutohedralLattice.init(bilateralFeatures(WIDTH, HEIGHT, 20, 10, image(1)), 5);
  const random = prng(2);
  const values = float32s(count * N, true);
  for (let i = 0; i < values.length; i++) values[i] = random();
  const inScale = float32s(N, true).map(() => 0.5 + random());
  return lattice.compute(values, count, { out: float32s(count * N, true), reverse, inScale, outScale: inScale }).slice();
}

type CompatKind = 'potts' | 'diagonal' | 'matrix';

function compat(kind: CompatKind, labels: number, weight: number): CompatibilitySpec {
  if (kind === 'potts') return weight;
  if (kind === 'diagonal') return Array.from({ length: labels }, (_, l) => -weight * (1 + l / labels));
  return Array.from({ length: labels }, (_, a) => Array.from({ length: labels }, (_, b) => (a === b ? -weight : weight / (1 + a + b))));
}

function crfWith(threads: number, labels: number, kind: CompatKind): Float32Array {
  setCrfThreads(threads);
  const crf = new DenseCRF2D(WIDTH, HEIGHT, labels);
  crf.setUnaryEnergy(unaryFromSoftmax(probabilities(labels, labels), { clip: 1e-5 }));
  crf.addPairwiseGaussian({ sxy: 3, compat: compat(kind, labels, 3) });
  crf.addPairwiseBilateral({ sxy: 30, srgb: 13, rgb: image(3), compat: compat(kind, labels, 10) });
  return crf.inference(3);
}

describe('dense CRF on several threads: same numbers as on one', () => {
  it.each([
    [21, false],
    [6, true],
    [3, false],
    [1, false],
  ])('lattice build and filtering of %i vectors (reverse %s): bit for bit equal with 1, 2 and 3 threads', { timeout: 180_000 }, (count, reverse) => {
    const one = filterWith(1, count, reverse);
    expect(one.some((v) => v !== 0)).toBe(true);
    expect(filterWith(2, count, reverse)).toEqual(one);
    expect(filterWith(3, count, reverse)).toEqual(one);
  });

  it.each([
    [2, 'potts'],
    [5, 'potts'],
    [3, 'diagonal'],
    [4, 'matrix'],
  ] as const)('mean field with a gaussian and a bilateral term, %i labels, %s: Q bit for bit equal', (labels, kind) => {
    const one = crfWith(1, labels, kind);
    const two = crfWith(2, labels, kind);
    expect(two).toEqual(one);
    expect(crfWith(3, labels, kind)).toEqual(one);
    expect(two.buffer).toBeInstanceOf(ArrayBuffer); // a plain array for the caller, not shared memory
    expect(crfThreads()).toBe(3); // the workers started (no fallback to one thread)
  });
});

describe('dense CRF threads: bad input and failures', () => {
  it.each([0, 1.5, 65, Number.NaN])('setCrfThreads(%s) is refused with the valid range', (count) => {
    expect(() => setCrfThreads(count)).toThrow(/setCrfThreads: count must be an integer in 1…64/);
  });

  it('a failing worker task is reported as an error naming the worker, and the pool keeps working', () => {
    setCrfThreads(2);
    const broken = { kind: 'filter', pieces: [{ lattice: undefined, values: float32s(4, true), start: 0, end: 1 }] } as never;
    let ownShareRan = false;
    expect(() => runOnThreads(() => (ownShareRan = true), [broken], { buffers: undefined })).toThrow(
      /dense CRF worker thread failed: TypeError/,
    );
    expect(ownShareRan).toBe(true);
    expect(filterWith(2, 4, false)).toEqual(filterWith(1, 4, false));
  });
});
