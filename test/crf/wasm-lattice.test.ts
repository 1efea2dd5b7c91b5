/**
 * The WebAssembly lattice build's two key layouts: packed i64 keys (d ≤ 7, coordinates that fit
 * their fields) and plain keys of d i32 (any d, any coordinate) must build the same lattice —
 * same vertices in the same numbering, same barycentric weights, same blur neighbours — and a
 * lattice whose coordinates do not fit packed keys must fall back to plain ones and still give
 * the TypeScript reference's Q.
 */
import * as fs from 'fs';
import { afterEach, describe, expect, it } from 'vitest';
import { seeded as prng } from '../helpers/random';
import { DenseCRF, unaryFromSoftmax } from '../../src/crf';
import { CRF_WASM_FILE } from '../../src/crf/wasm-node';

const startingImplementation = process.env.WSOL_CRF;
afterEach(() => {
  if (startingImplementation === undefined) delete process.env.WSOL_CRF;
  else process.env.WSOL_CRF = startingImplementation;
});

interface LatticeKernels {
  alloc(bytes: number): number;
  locatePoints(tab: number, features: number, n: number, d: number, start: number, end: number, offsets: number, weights: number, sliceWeights: number, packed: number): number;
  tableSize(tab: number): number;
  findNeighbours(tab: number, neighbours: number, v0: number, v1: number): number;
}

/** Features of n points in d dimensions: smooth runs (points sharing simplices) with jumps, times `scale`. */
function features(n: number, d: number, scale: number, seed: number): Float32Array {
  const random = prng(seed);
  const f = new Float32Array(n * d);
  for (let k = 0; k < d; k++) {
    let value = 0;
    for (let i = 0; i < n; i++) {
      value = random() < 0.1 ? (random() - 0.5) * 20 : value + (random() - 0.5) * 0.3;
      f[k * n + i] = value * scale;
    }
  }
  return f;
}

/** Builds the lattice of `f` with the committed kernels, packed or plain keys; everything it wrote. */
function build(f: Float32Array, n: number, d: number, packed: boolean) {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true } as WebAssembly.MemoryDescriptor);
  const module = new WebAssembly.Module(fs.readFileSync(CRF_WASM_FILE));
  const k = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as LatticeKernels;
  const at = k.alloc(f.length * 4);
  new Float32Array(memory.buffer, at, f.length).set(f);
  const values = n * (d + 1);
  const [tab, offsets, weights, slice] = [k.alloc(32), k.alloc(4 * values), k.alloc(4 * values), k.alloc(4 * values)];
  const status = k.locatePoints(tab, at, n, d, 0, n, offsets, weights, slice, packed ? 1 : 0);
  if (status !== 0) return { status };
  const m = k.tableSize(tab);
  const neighbours = k.alloc((d + 1) * m * 8);
  expect(k.findNeighbours(tab, neighbours, 0, m)).toBe(0);
  const copy = (address: number, length: number) => new Int32Array(memory.buffer, address, length).slice();
  return { status, m, offsets: copy(offsets, values), weights: copy(weights, values), slice: copy(slice, values), neighbours: copy(neighbours, (d + 1) * m * 2) };
}

describe('WebAssembly lattice: packed and plain vertex keys', () => {
  it.each([1, 2, 3, 4, 5, 6, 7])('d = %i: the same vertices, numbering, weights (bit for bit) and blur neighbours', (d) => {
    const n = 20000;
    const f = features(n, d, 1, d);
    const packed = build(f, n, d, true);
    const plain = build(f, n, d, false);
    expect(packed.status).toBe(0);
    expect(plain.m).toBeGreaterThan(20);
    expect(packed.m).toBe(plain.m);
    for (const what of ['offsets', 'weights', 'slice', 'neighbours'] as const) {
      const [a, b] = [packed[what] as Int32Array, plain[what] as Int32Array];
      expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer)), what).toBe(true);
    }
  });

  it('coordinates beyond a packed field: the packed build declines (−3), the plain one builds', () => {
    const n = 5000;
    const f = features(n, 5, 100, 9); // coordinates of ±5 000, beyond the 12-bit fields of d = 5
    expect(build(f, n, 5, true).status).toBe(-3);
    expect(build(f, n, 5, false).status).toBe(0);
  });

  it.each([
    [5, 100],
    [8, 1],
  ])('d = %i, features ×%i (plain keys): Q agrees with the TypeScript reference', (d, scale) => {
    // d = 8 also covers the plain build's scratch space (9d + 10 words; 8(d + 2) before, which
    // overwrote vertex 0's key from d = 7 on).
    const n = 3000;
    const labels = 3;
    const random = prng(d);
    const p = new Float32Array(labels * n).map(() => 0.1 + random());
    for (let i = 0; i < n; i++) {
      const sum = p[i] + p[n + i] + p[2 * n + i];
      for (let l = 0; l < labels; l++) p[l * n + i] /= sum;
    }
    const f = features(n, d, scale, 20 + d).map((v) => v / 3);
    const run = (implementation: 'ts' | 'wasm') => {
      process.env.WSOL_CRF = implementation;
      const crf = new DenseCRF(n, labels);
      expect(crf.implementation).toBe(implementation);
      crf.setUnaryEnergy(unaryFromSoftmax(p, { clip: 1e-5 }));
      crf.addPairwiseEnergy(f, { compat: 3 });
      return crf.inference(3);
    };
    const ts = run('ts');
    const wasm = run('wasm');
    let worst = 0;
    for (let i = 0; i < ts.length; i++) worst = Math.max(worst, Math.abs(ts[i] - wasm[i]));
    expect(worst).toBeLessThan(1e-5);
  });
});
