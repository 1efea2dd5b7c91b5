/**
 * The dense CRF's inner loops: the permutohedral lattice's build (locating points, numbering
 * vertices, finding blur neighbours) and filtering (splat, blur, slice) for permutohedral.ts, which
 * documents the algorithm (Adams, Baek & Davis 2010; Krähenbühl & Koltun 2011) and checks inputs;
 * and the point-wise part of a mean-field step (label compatibility, softmax with a fast `exp`)
 * for dense-crf.ts.
 *
 * This module is **self-contained on purpose**: it imports nothing, and its functions refer only
 * to each other and to JavaScript built-ins. threads.ts runs them in worker threads from their
 * own source text (`Function.prototype.toString`), so that every thread executes the very same
 * code and results do not depend on the number of threads. Keep it that way: no imports, no
 * module-level constants, no closures that capture module state. {@link LATTICE_WORKER_CODE} lists
 * what a worker needs.
 */

/** A built lattice, as plain data that can be shared with worker threads. */
export interface LatticeData {
  /** Feature dimension d. */
  readonly d: number;
  /** Number of points N. */
  readonly n: number;
  /** Number of lattice vertices M. */
  readonly m: number;
  /** For point i and simplex vertex r: lattice vertex number + 1, at `[i·(d+1) + r]`. */
  readonly offsets: Int32Array;
  /** Barycentric weight of the same pair. */
  readonly weights: Float32Array;
  /** Barycentric weight × α, used by slicing. */
  readonly sliceWeights: Float32Array;
  /** Blur neighbours (+1, 0 = absent) of vertex v along direction j at `[(j·M + v)·2 + 0|1]`. */
  readonly neighbours: Int32Array;
  /** Starts of runs of points sharing a simplex, then N. */
  readonly runs: Int32Array;
  /** Splat single vectors run by run (long runs) rather than point by point (short runs). */
  readonly splatByRuns: boolean;
}

/** Per-thread scratch: lattice buffers and mean-field scratch, reused between calls. */
export interface LatticeWork {
  buffers: { a: Float32Array; b: Float32Array; point: Float32Array } | undefined;
  update?: UpdateScratch;
}

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

/**
 * Scratch arrays of one lattice build, allocated once per build. Coordinates are float32 values
 * (every store goes through `Math.fround`) kept in float64 arrays, which V8 reads and writes
 * without conversions.
 */
interface BuildScratch {
  readonly scale: Float64Array;
  readonly elevated: Float64Array;
  readonly rem0: Float64Array;
  readonly rank: Int32Array;
  /** elevated − rem0 (float32). */
  readonly residual: Float64Array;
  readonly barycentric: Float32Array;
  readonly key: Int32Array;
  readonly previousRem0: Float64Array;
  readonly previousRank: Int32Array;
}

function makeBuildScratch(d: number): BuildScratch {
  const f32 = Math.fround;
  const invStdDev = f32(Math.sqrt(2 / 3) * (d + 1));
  const scale = new Float64Array(d);
  for (let i = 0; i < d; i++) scale[i] = f32((1 / Math.sqrt((i + 2) * (i + 1))) * invStdDev);
  return {
    scale,
    elevated: new Float64Array(d + 1),
    rem0: new Float64Array(d + 1),
    rank: new Int32Array(d + 1),
    residual: new Float64Array(d + 1),
    barycentric: new Float32Array(d + 2),
    key: new Int32Array(d + 1),
    previousRem0: new Float64Array(d + 1).fill(NaN),
    previousRank: new Int32Array(d + 1),
  };
}

/**
 * Elevates point `i` onto the hyperplane `H_d ⊂ ℝ^{d+1}` (y = E·f, Adams et al. p. 5) and finds its
 * enclosing simplex: remainder-0 vertex `rem0`, the `rank` of each coordinate, and the barycentric
 * weights (Adams et al. p. 10). Writes into `s`.
 */
function locatePoint(features: Float32Array, n: number, d: number, i: number, s: BuildScratch): void {
  const f32 = Math.fround;
  const { scale, elevated, rem0, rank, residual, barycentric } = s;
  const down = f32(1 / (d + 1));
  let sm = 0;
  for (let j = d; j > 0; j--) {
    const cf = f32(features[(j - 1) * n + i] * scale[j - 1]);
    elevated[j] = f32(sm - f32(j * cf));
    sm = f32(sm + cf);
  }
  elevated[0] = sm;

  // Nearest remainder-0 point: each coordinate rounded to a multiple of d + 1, half to even like
  // SSE's cvtps2dq in round-to-nearest mode (Math.round rounds halves up: step back when odd).
  let sum = 0;
  for (let k = 0; k <= d; k++) {
    const x = f32(down * elevated[k]);
    let v = Math.round(x);
    if (v - x === 0.5 && (v & 1) !== 0) v -= 1;
    rem0[k] = v * (d + 1);
    sum += v;
    rank[k] = 0;
  }

  // Rank of each coordinate's residual elevated − rem0 (float32), without branches.
  for (let k = 0; k <= d; k++) residual[k] = f32(elevated[k] - rem0[k]);
  for (let a = 0; a < d; a++) {
    const residualA = residual[a];
    for (let b = a + 1; b <= d; b++) {
      const aBelow = +(residualA < residual[b]);
      rank[a] += aBelow;
      rank[b] += 1 - aBelow;
    }
  }

  // Wrap ranks (and rem0 with them) into 0 … d when the rounded point is off the plane.
  for (let k = 0; k <= d; k++) {
    const r = rank[k] + sum;
    if (r < 0) {
      rank[k] = r + d + 1;
      rem0[k] += d + 1;
      residual[k] = f32(elevated[k] - rem0[k]);
    } else if (r > d) {
      rank[k] = r - d - 1;
      rem0[k] -= d + 1;
      residual[k] = f32(elevated[k] - rem0[k]);
    } else {
      rank[k] = r;
    }
  }

  for (let k = 0; k <= d + 1; k++) barycentric[k] = 0;
  for (let k = 0; k <= d; k++) {
    const v = f32(residual[k] * down);
    barycentric[d - rank[k]] += v;
    barycentric[d - rank[k] + 1] -= v;
  }
  barycentric[0] += f32(1 + barycentric[d + 1]);
}

function sameSimplexAsPrevious(s: BuildScratch, d: number): boolean {
  for (let k = 0; k <= d; k++) {
    if (s.rem0[k] !== s.previousRem0[k] || s.rank[k] !== s.previousRank[k]) return false;
  }
  return true;
}

/**
 * For every lattice direction j and vertex v, the numbers (+1, 0 = absent) of the two neighbours
 * `v ± (1, …, 1, −d, 1, …, 1)` (−d at position j), stored at `[(j·M + v)·2]` and `[(j·M + v)·2 + 1]`.
 */
export function findBlurNeighbours(table: LatticeKeyTable, d: number, shared: boolean): Int32Array {
  const m = table.size;
  const keys = table.keyData;
  const neighbours = int32s((d + 1) * m * 2, shared);
  const lower = new Int32Array(d);
  const upper = new Int32Array(d);
  for (let j = 0; j <= d; j++) {
    for (let v = 0; v < m; v++) {
      const base = v * d;
      for (let k = 0; k < d; k++) {
        lower[k] = keys[base + k] - 1;
        upper[k] = keys[base + k] + 1;
      }
      if (j < d) {
        lower[j] = keys[base + j] + d;
        upper[j] = keys[base + j] - d;
      }
      neighbours[(j * m + v) * 2] = table.find(lower, 0, false) + 1;
      neighbours[(j * m + v) * 2 + 1] = table.find(upper, 0, false) + 1;
    }
  }
  return neighbours;
}

/** Starts of the runs of consecutive points that share one simplex (same d+1 vertices), plus N. */
function findRuns(offsets: Int32Array, n: number, stride: number, shared: boolean): Int32Array {
  const isStart = new Uint8Array(n);
  let count = 1;
  isStart[0] = 1;
  for (let i = 1; i < n; i++) {
    for (let r = 0; r < stride; r++) {
      if (offsets[i * stride + r] !== offsets[(i - 1) * stride + r]) {
        isStart[i] = 1;
        count++;
        break;
      }
    }
  }
  const starts = int32s(count + 1, shared);
  for (let i = 0, k = 0; i < n; i++) if (isStart[i] === 1) starts[k++] = i;
  starts[count] = n;
  return starts;
}



/** A Float32Array of `length` zeros, on a SharedArrayBuffer when `shared` (for worker threads). */
export function float32s(length: number, shared: boolean): Float32Array {
  return shared ? new Float32Array(new SharedArrayBuffer(4 * length)) : new Float32Array(length);
}

/** An Int32Array of `length` zeros, on a SharedArrayBuffer when `shared`. */
export function int32s(length: number, shared: boolean): Int32Array {
  return shared ? new Int32Array(new SharedArrayBuffer(4 * length)) : new Int32Array(length);
}

/**
 * Locates points `start … end − 1` (features `[feature][point]`, N points) and numbers their
 * simplex vertices in `table`: writes vertex number + 1 into `offsets[i·(d+1) + r]` and the
 * barycentric weights into `weights`, for those points only. Points that share the previous
 * point's simplex reuse its vertex numbers without hashing.
 */
export function locatePoints(
  features: Float32Array,
  n: number,
  d: number,
  start: number,
  end: number,
  table: LatticeKeyTable,
  offsets: Int32Array,
  weights: Float32Array,
): void {
  const s = makeBuildScratch(d);
  const { key, rem0, rank, barycentric } = s;
  for (let i = start; i < end; i++) {
    locatePoint(features, n, d, i, s);
    const base = i * (d + 1);
    if (sameSimplexAsPrevious(s, d)) {
      for (let r = 0; r <= d; r++) offsets[base + r] = offsets[base - (d + 1) + r];
    } else {
      // Vertex r of the simplex is rem0 + c_r(rank), c_r = the canonical simplex's vertex r:
      // coordinate k gets r if rank_k ≤ d − r, else r − (d + 1). Walk r = 0 … d: each step adds
      // 1 to every coordinate except the one of rank d + 1 − r, which drops by d.
      for (let k = 0; k < d; k++) key[k] = rem0[k];
      offsets[base] = table.find(key, 0, true) + 1;
      for (let r = 1; r <= d; r++) {
        for (let k = 0; k < d; k++) key[k] += rank[k] === d + 1 - r ? -d : 1;
        offsets[base + r] = table.find(key, 0, true) + 1;
      }
      // (plain loops: TypedArray.set costs a builtin call per point)
      for (let k = 0; k <= d; k++) {
        s.previousRem0[k] = rem0[k];
        s.previousRank[k] = rank[k];
      }
    }
    for (let r = 0; r <= d; r++) weights[base + r] = barycentric[r];
  }
}

/**
 * Completes a lattice from its point offsets and weights and its vertex table: slice weights
 * (weight × α, α = 1 / (1 + 2^−d)), blur neighbours and runs.
 */
export function finishLattice(
  d: number,
  n: number,
  table: LatticeKeyTable,
  offsets: Int32Array,
  weights: Float32Array,
  shared: boolean,
): LatticeData {
  const alpha = Math.fround(1 / (1 + Math.pow(2, -d)));
  const sliceWeights = float32s(weights.length, shared);
  for (let i = 0; i < weights.length; i++) sliceWeights[i] = weights[i] * alpha;
  const runs = findRuns(offsets, n, d + 1, shared);
  return {
    d,
    n,
    m: table.size,
    offsets,
    weights,
    sliceWeights,
    neighbours: findBlurNeighbours(table, d, shared),
    runs,
    splatByRuns: n >= 2.5 * (runs.length - 1),
  };
}

/**
 * Filters value vectors `start … end − 1` of `values` (`[value][point]`) into `out`: groups of 8,
 * 4 and 2 on vertex-major buffers, then a last single vector on a planar buffer. Each vector's
 * arithmetic is the same in every group size, so how a range is cut does not change results —
 * except that a single vector takes the planar path: callers that split a range must keep the
 * single (the last vector of an odd-sized range) where the serial order has it.
 */
export function filterValues(
  lat: LatticeData,
  work: LatticeWork,
  values: Float32Array,
  start: number,
  end: number,
  out: Float32Array,
  reverse: boolean,
  inScale: Float32Array | undefined,
  outScale: Float32Array | undefined,
): void {
  for (let k = start; k < end; ) {
    const left = end - k;
    const group = left >= 8 ? 8 : left >= 4 ? 4 : left >= 2 ? 2 : 1;
    if (group === 1) filterOne(lat, work, values, k, out, reverse, inScale, outScale);
    else filterGroup(lat, work, values, k, group, out, reverse, inScale, outScale);
    k += group;
  }
}

/** Filters value vector k on a planar lattice buffer (d = 2 and d = 5 unrolled). */
function filterOne(
  lat: LatticeData,
  work: LatticeWork,
  values: Float32Array,
  k: number,
  out: Float32Array,
  reverse: boolean,
  inScale: Float32Array | undefined,
  outScale: Float32Array | undefined,
): void {
  const n = lat.n;
  const { a, b, point } = workBuffers(lat, work, 1);
  let input = values.subarray(k * n, (k + 1) * n);
  if (inScale !== undefined) {
    for (let i = 0; i < n; i++) point[i] = input[i] * inScale[i];
    input = point;
  }
  splat(lat, input, a);
  const blurred = blur(lat, a, b, reverse);
  const result = out.subarray(k * n, (k + 1) * n);
  slice(lat, blurred, result);
  if (outScale !== undefined) for (let i = 0; i < n; i++) result[i] *= outScale[i];
}

/**
 * Filters value vectors k … k+group−1 (group 2, 4 or 8) together on a vertex-major lattice buffer
 * (`[vertex][group]`): one pass over the splat weights and blur neighbours serves the group.
 */
function filterGroup(
  lat: LatticeData,
  work: LatticeWork,
  values: Float32Array,
  k: number,
  group: 2 | 4 | 8,
  out: Float32Array,
  reverse: boolean,
  inScale: Float32Array | undefined,
  outScale: Float32Array | undefined,
): void {
  const { a, b } = workBuffers(lat, work, group);
  if (group === 8) {
    splatGroup8(lat, values, k, inScale, a);
    const blurred = blurGroup8(lat, a, b, reverse);
    sliceGroup8(lat, blurred, k, outScale, out);
  } else if (group === 4) {
    splatGroup4(lat, values, k, inScale, a);
    const blurred = blurGroup4(lat, a, b, reverse);
    sliceGroup4(lat, blurred, k, outScale, out);
  } else {
    splatGroup2(lat, values, k, inScale, a);
    const blurred = blurGroup2(lat, a, b, reverse);
    sliceGroup2(lat, blurred, k, outScale, out);
  }
}

function splatGroup8(lat: LatticeData, values: Float32Array, k: number, inScale: Float32Array | undefined, lattice: Float32Array): void {
  const n = lat.n;
  const stride = lat.d + 1;
  const off = lat.offsets;
  const w = lat.weights;
  const b0 = k * n, b1 = b0 + n, b2 = b1 + n, b3 = b2 + n, b4 = b3 + n, b5 = b4 + n, b6 = b5 + n, b7 = b6 + n; // prettier-ignore
  for (let i = 0; i < n; i++) {
    const s = inScale === undefined ? 1 : inScale[i];
    const x0 = values[b0 + i] * s, x1 = values[b1 + i] * s, x2 = values[b2 + i] * s, x3 = values[b3 + i] * s; // prettier-ignore
    const x4 = values[b4 + i] * s, x5 = values[b5 + i] * s, x6 = values[b6 + i] * s, x7 = values[b7 + i] * s; // prettier-ignore
    for (let r = i * stride, end = r + stride; r < end; r++) {
      const o = off[r] * 8;
      const wr = w[r];
      lattice[o] += wr * x0;
      lattice[o + 1] += wr * x1;
      lattice[o + 2] += wr * x2;
      lattice[o + 3] += wr * x3;
      lattice[o + 4] += wr * x4;
      lattice[o + 5] += wr * x5;
      lattice[o + 6] += wr * x6;
      lattice[o + 7] += wr * x7;
    }
  }
}

function blurGroup8(lat: LatticeData, a: Float32Array, b: Float32Array, reverse: boolean): Float32Array {
  const d = lat.d;
  const m = lat.m;
  const nb = lat.neighbours;
  let from = a;
  let to = b;
  for (let step = 0; step <= d; step++) {
    const j = reverse ? d - step : step;
    for (let v = 0, q = j * m * 2; v < m; v++, q += 2) {
      const o = (v + 1) * 8;
      const lo = nb[q] * 8;
      const hi = nb[q + 1] * 8;
      to[o] = from[o] + 0.5 * (from[lo] + from[hi]);
      to[o + 1] = from[o + 1] + 0.5 * (from[lo + 1] + from[hi + 1]);
      to[o + 2] = from[o + 2] + 0.5 * (from[lo + 2] + from[hi + 2]);
      to[o + 3] = from[o + 3] + 0.5 * (from[lo + 3] + from[hi + 3]);
      to[o + 4] = from[o + 4] + 0.5 * (from[lo + 4] + from[hi + 4]);
      to[o + 5] = from[o + 5] + 0.5 * (from[lo + 5] + from[hi + 5]);
      to[o + 6] = from[o + 6] + 0.5 * (from[lo + 6] + from[hi + 6]);
      to[o + 7] = from[o + 7] + 0.5 * (from[lo + 7] + from[hi + 7]);
    }
    const swap = from;
    from = to;
    to = swap;
  }
  return from;
}

function sliceGroup8(lat: LatticeData, lattice: Float32Array, k: number, outScale: Float32Array | undefined, out: Float32Array): void {
  const n = lat.n;
  const stride = lat.d + 1;
  const off = lat.offsets;
  const w = lat.sliceWeights;
  const b0 = k * n, b1 = b0 + n, b2 = b1 + n, b3 = b2 + n, b4 = b3 + n, b5 = b4 + n, b6 = b5 + n, b7 = b6 + n; // prettier-ignore
  for (let i = 0; i < n; i++) {
    let y0 = 0, y1 = 0, y2 = 0, y3 = 0, y4 = 0, y5 = 0, y6 = 0, y7 = 0; // prettier-ignore
    for (let r = i * stride, end = r + stride; r < end; r++) {
      const o = off[r] * 8;
      const wr = w[r];
      y0 += wr * lattice[o];
      y1 += wr * lattice[o + 1];
      y2 += wr * lattice[o + 2];
      y3 += wr * lattice[o + 3];
      y4 += wr * lattice[o + 4];
      y5 += wr * lattice[o + 5];
      y6 += wr * lattice[o + 6];
      y7 += wr * lattice[o + 7];
    }
    const s = outScale === undefined ? 1 : outScale[i];
    out[b0 + i] = y0 * s;
    out[b1 + i] = y1 * s;
    out[b2 + i] = y2 * s;
    out[b3 + i] = y3 * s;
    out[b4 + i] = y4 * s;
    out[b5 + i] = y5 * s;
    out[b6 + i] = y6 * s;
    out[b7 + i] = y7 * s;
  }
}

function splatGroup4(lat: LatticeData, values: Float32Array, k: number, inScale: Float32Array | undefined, lattice: Float32Array): void {
  const n = lat.n;
  const stride = lat.d + 1;
  const off = lat.offsets;
  const w = lat.weights;
  const b0 = k * n, b1 = b0 + n, b2 = b1 + n, b3 = b2 + n; // prettier-ignore
  for (let i = 0; i < n; i++) {
    const s = inScale === undefined ? 1 : inScale[i];
    const x0 = values[b0 + i] * s, x1 = values[b1 + i] * s, x2 = values[b2 + i] * s, x3 = values[b3 + i] * s; // prettier-ignore
    for (let r = i * stride, end = r + stride; r < end; r++) {
      const o = off[r] * 4;
      const wr = w[r];
      lattice[o] += wr * x0;
      lattice[o + 1] += wr * x1;
      lattice[o + 2] += wr * x2;
      lattice[o + 3] += wr * x3;
    }
  }
}

function blurGroup4(lat: LatticeData, a: Float32Array, b: Float32Array, reverse: boolean): Float32Array {
  const d = lat.d;
  const m = lat.m;
  const nb = lat.neighbours;
  let from = a;
  let to = b;
  for (let step = 0; step <= d; step++) {
    const j = reverse ? d - step : step;
    for (let v = 0, q = j * m * 2; v < m; v++, q += 2) {
      const o = (v + 1) * 4;
      const lo = nb[q] * 4;
      const hi = nb[q + 1] * 4;
      to[o] = from[o] + 0.5 * (from[lo] + from[hi]);
      to[o + 1] = from[o + 1] + 0.5 * (from[lo + 1] + from[hi + 1]);
      to[o + 2] = from[o + 2] + 0.5 * (from[lo + 2] + from[hi + 2]);
      to[o + 3] = from[o + 3] + 0.5 * (from[lo + 3] + from[hi + 3]);
    }
    const swap = from;
    from = to;
    to = swap;
  }
  return from;
}

function sliceGroup4(lat: LatticeData, lattice: Float32Array, k: number, outScale: Float32Array | undefined, out: Float32Array): void {
  const n = lat.n;
  const stride = lat.d + 1;
  const off = lat.offsets;
  const w = lat.sliceWeights;
  const b0 = k * n, b1 = b0 + n, b2 = b1 + n, b3 = b2 + n; // prettier-ignore
  for (let i = 0; i < n; i++) {
    let y0 = 0, y1 = 0, y2 = 0, y3 = 0; // prettier-ignore
    for (let r = i * stride, end = r + stride; r < end; r++) {
      const o = off[r] * 4;
      const wr = w[r];
      y0 += wr * lattice[o];
      y1 += wr * lattice[o + 1];
      y2 += wr * lattice[o + 2];
      y3 += wr * lattice[o + 3];
    }
    const s = outScale === undefined ? 1 : outScale[i];
    out[b0 + i] = y0 * s;
    out[b1 + i] = y1 * s;
    out[b2 + i] = y2 * s;
    out[b3 + i] = y3 * s;
  }
}

function splatGroup2(lat: LatticeData, values: Float32Array, k: number, inScale: Float32Array | undefined, lattice: Float32Array): void {
  const n = lat.n;
  const stride = lat.d + 1;
  const off = lat.offsets;
  const w = lat.weights;
  const b0 = k * n, b1 = b0 + n; // prettier-ignore
  for (let i = 0; i < n; i++) {
    const s = inScale === undefined ? 1 : inScale[i];
    const x0 = values[b0 + i] * s, x1 = values[b1 + i] * s; // prettier-ignore
    for (let r = i * stride, end = r + stride; r < end; r++) {
      const o = off[r] * 2;
      const wr = w[r];
      lattice[o] += wr * x0;
      lattice[o + 1] += wr * x1;
    }
  }
}

function blurGroup2(lat: LatticeData, a: Float32Array, b: Float32Array, reverse: boolean): Float32Array {
  const d = lat.d;
  const m = lat.m;
  const nb = lat.neighbours;
  let from = a;
  let to = b;
  for (let step = 0; step <= d; step++) {
    const j = reverse ? d - step : step;
    for (let v = 0, q = j * m * 2; v < m; v++, q += 2) {
      const o = (v + 1) * 2;
      const lo = nb[q] * 2;
      const hi = nb[q + 1] * 2;
      to[o] = from[o] + 0.5 * (from[lo] + from[hi]);
      to[o + 1] = from[o + 1] + 0.5 * (from[lo + 1] + from[hi + 1]);
    }
    const swap = from;
    from = to;
    to = swap;
  }
  return from;
}

function sliceGroup2(lat: LatticeData, lattice: Float32Array, k: number, outScale: Float32Array | undefined, out: Float32Array): void {
  const n = lat.n;
  const stride = lat.d + 1;
  const off = lat.offsets;
  const w = lat.sliceWeights;
  const b0 = k * n, b1 = b0 + n; // prettier-ignore
  for (let i = 0; i < n; i++) {
    let y0 = 0, y1 = 0; // prettier-ignore
    for (let r = i * stride, end = r + stride; r < end; r++) {
      const o = off[r] * 2;
      const wr = w[r];
      y0 += wr * lattice[o];
      y1 += wr * lattice[o + 1];
    }
    const s = outScale === undefined ? 1 : outScale[i];
    out[b0 + i] = y0 * s;
    out[b1 + i] = y1 * s;
  }
}

/** Zeroed lattice buffers for `group` values per vertex, kept in `work` and reused between calls. */
function workBuffers(lat: LatticeData, work: LatticeWork, group: number): { a: Float32Array; b: Float32Array; point: Float32Array } {
  const size = (lat.m + 1) * group;
  let buffers = work.buffers;
  if (buffers === undefined || buffers.a.length < size || buffers.point.length < lat.n) {
    const point = buffers !== undefined && buffers.point.length >= lat.n ? buffers.point : new Float32Array(lat.n);
    const length = buffers !== undefined && buffers.a.length >= size ? buffers.a.length : size;
    buffers = { a: new Float32Array(length), b: new Float32Array(length), point };
    work.buffers = buffers;
  }
  const { a, b, point } = buffers;
  a.fill(0, 0, size);
  b.fill(0, 0, group); // the absent neighbour; blurring never writes it
  return { a: a.subarray(0, size), b: b.subarray(0, size), point };
}

/** S: adds w_ir · v_i to vertex_ir for every point i and simplex vertex r. */
function splat(lat: LatticeData, v: Float32Array, lattice: Float32Array): void {
  const stride = lat.d + 1;
  if (lat.splatByRuns && stride === 6) splatRuns6(lat, v, lattice);
  else if (lat.splatByRuns && stride === 3) splatRuns3(lat, v, lattice);
  else if (stride === 6) splatPoints6(lat, v, lattice);
  else if (stride === 3) splatPoints3(lat, v, lattice);
  else {
    const off = lat.offsets;
    const w = lat.weights;
    for (let i = 0; i < lat.n; i++) {
      const x = v[i];
      for (let r = i * stride, end = r + stride; r < end; r++) lattice[off[r]] += w[r] * x;
    }
  }
}

/** Splat point by point, d = 5 (fast when consecutive points rarely share vertices). */
function splatPoints6(lat: LatticeData, v: Float32Array, lattice: Float32Array): void {
  const off = lat.offsets;
  const w = lat.weights;
  for (let i = 0, q = 0, n = lat.n; i < n; i++, q += 6) {
    const x = v[i];
    lattice[off[q]] += w[q] * x;
    lattice[off[q + 1]] += w[q + 1] * x;
    lattice[off[q + 2]] += w[q + 2] * x;
    lattice[off[q + 3]] += w[q + 3] * x;
    lattice[off[q + 4]] += w[q + 4] * x;
    lattice[off[q + 5]] += w[q + 5] * x;
  }
}

/** Splat point by point, d = 2. */
function splatPoints3(lat: LatticeData, v: Float32Array, lattice: Float32Array): void {
  const off = lat.offsets;
  const w = lat.weights;
  for (let i = 0, q = 0, n = lat.n; i < n; i++, q += 3) {
    const x = v[i];
    lattice[off[q]] += w[q] * x;
    lattice[off[q + 1]] += w[q + 1] * x;
    lattice[off[q + 2]] += w[q + 2] * x;
  }
}

/** Splat run by run, accumulating each run in registers, d = 5 (fast for long runs). */
function splatRuns6(lat: LatticeData, v: Float32Array, lattice: Float32Array): void {
  const runs = lat.runs;
  const off = lat.offsets;
  const w = lat.weights;
  for (let run = 0; run + 1 < runs.length; run++) {
    const start = runs[run];
    const end = runs[run + 1];
    let a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0; // prettier-ignore
    for (let i = start, q = start * 6; i < end; i++, q += 6) {
      const x = v[i];
      a0 += w[q] * x;
      a1 += w[q + 1] * x;
      a2 += w[q + 2] * x;
      a3 += w[q + 3] * x;
      a4 += w[q + 4] * x;
      a5 += w[q + 5] * x;
    }
    const q = start * 6;
    lattice[off[q]] += a0;
    lattice[off[q + 1]] += a1;
    lattice[off[q + 2]] += a2;
    lattice[off[q + 3]] += a3;
    lattice[off[q + 4]] += a4;
    lattice[off[q + 5]] += a5;
  }
}

/** Splat run by run, d = 2. */
function splatRuns3(lat: LatticeData, v: Float32Array, lattice: Float32Array): void {
  const runs = lat.runs;
  const off = lat.offsets;
  const w = lat.weights;
  for (let run = 0; run + 1 < runs.length; run++) {
    const start = runs[run];
    const end = runs[run + 1];
    let a0 = 0, a1 = 0, a2 = 0; // prettier-ignore
    for (let i = start, q = start * 3; i < end; i++, q += 3) {
      const x = v[i];
      a0 += w[q] * x;
      a1 += w[q + 1] * x;
      a2 += w[q + 2] * x;
    }
    const q = start * 3;
    lattice[off[q]] += a0;
    lattice[off[q + 1]] += a1;
    lattice[off[q + 2]] += a2;
  }
}

/** B_j for j = 0 … d (or d … 0): v ← v + ½ (v_− + v_+) along lattice direction j. */
function blur(lat: LatticeData, a: Float32Array, b: Float32Array, reverse: boolean): Float32Array {
  const d = lat.d;
  const m = lat.m;
  const nb = lat.neighbours;
  let from = a;
  let to = b;
  for (let step = 0; step <= d; step++) {
    const j = reverse ? d - step : step;
    for (let v = 0, q = j * m * 2; v < m; v++, q += 2) {
      to[v + 1] = from[v + 1] + 0.5 * (from[nb[q]] + from[nb[q + 1]]);
    }
    const swap = from;
    from = to;
    to = swap;
  }
  return from;
}

/** Slice: out_i = Σ_r α w_ir · lattice[vertex_ir]. */
function slice(lat: LatticeData, lattice: Float32Array, out: Float32Array): void {
  const off = lat.offsets;
  const w = lat.sliceWeights;
  const stride = lat.d + 1;
  const n = lat.n;
  if (stride === 6) {
    for (let i = 0, q = 0; i < n; i++, q += 6) {
      const y =
        w[q] * lattice[off[q]] +
        w[q + 1] * lattice[off[q + 1]] +
        w[q + 2] * lattice[off[q + 2]] +
        w[q + 3] * lattice[off[q + 3]] +
        w[q + 4] * lattice[off[q + 4]] +
        w[q + 5] * lattice[off[q + 5]];
      out[i] = y;
    }
  } else if (stride === 3) {
    for (let i = 0, q = 0; i < n; i++, q += 3) {
      const y = w[q] * lattice[off[q]] + w[q + 1] * lattice[off[q + 1]] + w[q + 2] * lattice[off[q + 2]];
      out[i] = y;
    }
  } else {
    for (let i = 0; i < n; i++) {
      let y = 0;
      for (let r = i * stride, end = r + stride; r < end; r++) y += w[r] * lattice[off[r]];
      out[i] = y;
    }
  }
}

/** A label compatibility as plain data (forms and signs: compatibility.ts). */
export type CompatibilityData =
  | { readonly kind: 'potts'; readonly weight: number }
  | { readonly kind: 'diagonal'; readonly weights: Float32Array }
  | { readonly kind: 'matrix'; readonly matrix: Float32Array };

/**
 * `out = base − μ(values)` at points `start … end − 1` of planar `[label][point]` arrays of N
 * points (`out` may be `base`): Potts `+w·v_l`, diagonal `−w_l·v_l`, matrix `−Σ_l′ W_ll′ v_l′`.
 * `scratch` holds L float32 values (the matrix case rounds its sums to float32, as densecrf).
 */
export function subtractCompatibility(
  c: CompatibilityData,
  base: Float32Array,
  values: Float32Array,
  labelCount: number,
  n: number,
  start: number,
  end: number,
  scratch: Float32Array,
  out: Float32Array,
): void {
  if (c.kind === 'potts') {
    const w = c.weight;
    for (let l = 0; l < labelCount; l++) {
      for (let i = l * n + start, stop = l * n + end; i < stop; i++) out[i] = base[i] + w * values[i];
    }
  } else if (c.kind === 'diagonal') {
    for (let l = 0; l < labelCount; l++) {
      const w = c.weights[l];
      for (let i = l * n + start, stop = l * n + end; i < stop; i++) out[i] = base[i] - w * values[i];
    }
  } else {
    const w = c.matrix;
    for (let i = start; i < end; i++) {
      for (let l = 0; l < labelCount; l++) {
        let acc = 0;
        for (let m = 0; m < labelCount; m++) acc += w[l * labelCount + m] * values[m * n + i];
        scratch[l] = acc;
      }
      for (let l = 0; l < labelCount; l++) out[l * n + i] = base[l * n + i] - scratch[l];
    }
  }
}

/**
 * For marginals (Σ_l Q_l = 1): writes the last label's `K̃Q_{L−1} = K̃1 − Σ_{l<L−1} K̃Q_l` at points
 * `start … end − 1`, given `ones = K̃1` and the other labels' filtered values in `out`.
 */
export function completeLastLabel(out: Float32Array, ones: Float32Array, labelCount: number, n: number, start: number, end: number): void {
  const head = (labelCount - 1) * n;
  for (let i = start; i < end; i++) {
    let rest = ones[i];
    for (let p = i; p < head; p += n) rest -= out[p];
    out[head + i] = rest;
  }
}

/** The tables of {@link expNonPositive}: 2^(−j/64) for j = 0 … 63, and 2^−q for q = 0 … 199. */
export interface ExpTables {
  readonly fractions: Float64Array;
  readonly powers: Float64Array;
}

/** Makes the tables of {@link expNonPositive}. */
export function makeExpTables(): ExpTables {
  const fractions = new Float64Array(64);
  for (let j = 0; j < 64; j++) fractions[j] = Math.pow(2, -j / 64);
  const powers = new Float64Array(200);
  for (let q = 0; q < 200; q++) powers[q] = Math.pow(2, -q);
  return { fractions, powers };
}

/**
 * `e^x` for x ≤ 0 with relative error < 1e-13 (float32 rounding is 6e-8), by table reduction:
 * with k = round(−64·x·log₂e), `e^x = 2^(−⌊k/64⌋) · 2^(−(k mod 64)/64) · e^r`, where
 * r = x + k·ln2/64 lies in [−ln2/128, ln2/128] and e^r is its degree-4 Taylor polynomial
 * (remainder r⁵/120 < 4e-14). For 3.9 million calls V8 takes about 13 ms, Math.exp 44 ms.
 * Below x = −138.6 (k would pass the tables' end at 12800; e^x < 1e-60 there, far below
 * float32's smallest value) it returns 0, testing first so that k never overflows an int32.
 * NaN gives NaN. Only for x ≤ 0. `fractions` and `powers` come from {@link makeExpTables}.
 */
export function expNonPositive(x: number, fractions: Float64Array, powers: Float64Array): number {
  if (x < -138.6186056872928) return 0; // −12799 · ln2/64
  const k = (0.5 - x * 92.33248261689366) | 0; // 64 · log₂e
  const r = x + k * 0.010830424696249145; // ln2 / 64
  const p = 1 + r * (1 + r * (0.5 + r * (0.16666666666666666 + r * 0.041666666666666664)));
  return p * fractions[k & 63] * powers[k >> 6];
}

/** Per-thread scratch of the point-wise mean-field loops. */
export interface UpdateScratch {
  readonly tables: ExpTables;
  /** Per-point max and sum of one softmax tile. */
  readonly max: Float64Array;
  readonly sum: Float64Array;
  /** L float32 values for the matrix compatibility. */
  labels: Float32Array;
}

/** Points per softmax tile: 21 labels × 1024 × 4 bytes ≈ 86 kB stay in cache across the passes. */
export function softmaxTile(): number {
  return 1024;
}

/** The scratch of `work`, made on first use. */
export function updateScratch(work: LatticeWork, labelCount: number): UpdateScratch {
  if (work.update === undefined) {
    const tile = softmaxTile();
    work.update = { tables: makeExpTables(), max: new Float64Array(tile), sum: new Float64Array(tile), labels: new Float32Array(labelCount) };
  }
  if (work.update.labels.length < labelCount) work.update.labels = new Float32Array(labelCount);
  return work.update;
}

/**
 * `out = exp(x − max) / Σ exp(x − max)` over the labels of each point `start … end − 1`, planar
 * `[label][point]` (densecrf's expAndNormalize). Two labels take one exponential: the larger
 * energy gives 1 / (1 + e), the other e / (1 + e), e = exp(−|a − b|). More labels go tile by tile
 * (all labels of a tile stay in cache), with the max taken by a conditional, not a branch.
 */
export function expAndNormalize(
  x: Float32Array,
  labelCount: number,
  n: number,
  start: number,
  end: number,
  out: Float32Array,
  scratch: UpdateScratch,
): void {
  const { fractions, powers } = scratch.tables;
  if (labelCount === 2) {
    for (let i = start; i < end; i++) {
      const a = x[i];
      const b = x[n + i];
      const e = expNonPositive(a >= b ? b - a : a - b, fractions, powers);
      const inv = 1 / (1 + e);
      out[i] = a >= b ? inv : e * inv;
      out[n + i] = a >= b ? e * inv : inv;
    }
    return;
  }
  const { max: pointMax, sum: pointSum } = scratch;
  const tile = pointMax.length;
  for (let from = start; from < end; from += tile) {
    const length = Math.min(end, from + tile) - from;
    for (let j = 0; j < length; j++) pointMax[j] = x[from + j];
    for (let l = 1; l < labelCount; l++) {
      const base = l * n + from;
      for (let j = 0; j < length; j++) {
        const v = x[base + j];
        const max = pointMax[j];
        pointMax[j] = v > max ? v : max;
      }
    }
    for (let j = 0; j < length; j++) pointSum[j] = 0;
    for (let l = 0; l < labelCount; l++) {
      const base = l * n + from;
      for (let j = 0; j < length; j++) {
        const e = expNonPositive(x[base + j] - pointMax[j], fractions, powers);
        out[base + j] = e;
        pointSum[j] += e;
      }
    }
    for (let j = 0; j < length; j++) pointSum[j] = 1 / pointSum[j];
    for (let l = 0; l < labelCount; l++) {
      const base = l * n + from;
      for (let j = 0; j < length; j++) out[base + j] *= pointSum[j];
    }
  }
}

/** One pairwise term of a mean-field update: its compatibility, its filtered `K̃Q`, and `K̃1` for marginals. */
export interface UpdateTerm {
  readonly compatibility: CompatibilityData;
  /** `K̃Q`, planar; with marginals the last label is completed here. */
  readonly message: Float32Array;
  /** `K̃1`, needed with marginals. */
  readonly ones: Float32Array | undefined;
}

/** The point-wise part of a mean-field step at points `start … end − 1`. */
export interface UpdateTask {
  readonly terms: readonly UpdateTerm[];
  readonly negativeUnary: Float32Array;
  readonly energy: Float32Array;
  readonly out: Float32Array;
  readonly labelCount: number;
  readonly n: number;
  readonly start: number;
  readonly end: number;
  /** Q sums to 1 at every point: the last label's message is completed from K̃1. */
  readonly marginals: boolean;
}

/**
 * `energy = −U − Σ_m μ_m(K̃_m Q)` term by term, then `out = softmax(energy)`, at points
 * `start … end − 1`. Point-wise, so any split of the points gives the same numbers.
 */
export function meanFieldUpdate(task: UpdateTask, work: LatticeWork): void {
  const { labelCount, n, start, end } = task;
  const scratch = updateScratch(work, labelCount);
  let base = task.negativeUnary;
  for (const term of task.terms) {
    if (task.marginals) {
      if (term.ones === undefined) throw new Error('meanFieldUpdate: marginals need K̃1 of every term');
      completeLastLabel(term.message, term.ones, labelCount, n, start, end);
    }
    subtractCompatibility(term.compatibility, base, term.message, labelCount, n, start, end, scratch.labels, task.energy);
    base = task.energy;
  }
  expAndNormalize(base, labelCount, n, start, end, task.out, scratch);
}

/** Value vectors `start … end − 1` of `values` to filter into `out` (see {@link filterValues}). */
export interface FilterPiece {
  readonly lattice: LatticeData;
  readonly values: Float32Array;
  readonly start: number;
  readonly end: number;
  readonly out: Float32Array;
  readonly reverse: boolean;
  readonly inScale: Float32Array | undefined;
  readonly outScale: Float32Array | undefined;
}

/** Calls of the WebAssembly kernels (wasm-crf.ts) on a memory shared with the calling thread. */
export interface WasmTask {
  readonly kind: 'wasm';
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  /** Each call's i32 result is stored at `result` when given. */
  readonly calls: readonly { readonly fn: string; readonly args: readonly number[]; readonly result?: number }[];
}

/** Runs a {@link WasmTask} with an instance of its own on the shared memory (dropped afterwards: nothing pins the memory). */
export function runWasmTask(task: WasmTask): void {
  const exports = new WebAssembly.Instance(task.module, { env: { memory: task.memory } }).exports as Record<string, (...args: number[]) => number>;
  for (const call of task.calls) {
    const value = exports[call.fn](...call.args);
    if (call.result !== undefined) new Int32Array(task.memory.buffer, call.result, 1)[0] = value;
  }
}

/**
 * Runs a full garbage collection on a worker thread, where one is possible: an idle worker never
 * collects, and the wrappers it made of a CRF's shared memory would keep that memory allocated.
 * A minor collection is not enough (measured: 2038 of 2576 MiB stayed after dispose() on
 * 2000×1500 with 21 labels; a full one, 2–70 ms on a loaded machine, returned all but 340 MiB).
 */
export function collectGarbage(): void {
  // Through a variable, so that the page bundle (no `require` there) does not try to resolve them.
  const nodeRequire: NodeRequire | undefined = typeof require === 'function' ? require : undefined;
  if (nodeRequire === undefined) return;
  nodeRequire('v8').setFlagsFromString('--expose-gc');
  (nodeRequire('vm').runInNewContext('gc') as () => void)();
}

/**
 * Deals pieces of work out to `threads` threads, largest first, each to the thread with the least
 * work so far (greedy longest-processing-time scheduling); thread 0 is the calling thread. The
 * deal changes no result, only how evenly the threads are loaded.
 */
export function shareByCost<P extends { readonly cost: number }>(pieces: readonly P[], threads: number): P[][] {
  const shares: P[][] = Array.from({ length: threads }, () => []);
  const load = new Array<number>(threads).fill(0);
  for (const piece of [...pieces].sort((a, b) => b.cost - a.cost)) {
    const t = load.indexOf(Math.min(...load));
    shares[t].push(piece);
    load[t] += piece.cost;
  }
  return shares;
}

/** Work for a thread: filter ranges of value vectors, locate a range of points, update a range of points, run wasm kernels, or collect garbage. */
export type LatticeTask =
  | WasmTask
  | { readonly kind: 'collect' }
  | {
      readonly kind: 'filter';
      /** Run one after the other. */
      readonly pieces: readonly FilterPiece[];
    }
  | ({ readonly kind: 'update' } & UpdateTask)
  | {
      readonly kind: 'locate';
      readonly features: Float32Array;
      readonly n: number;
      readonly d: number;
      readonly start: number;
      readonly end: number;
      readonly offsets: Int32Array;
      readonly weights: Float32Array;
    };

/**
 * What a 'locate' task returns: the keys of the vertices it numbered (its own table, `size × d`,
 * in numbering order); its offsets use that numbering until the caller renumbers them.
 */
export interface LocateResult {
  readonly size: number;
  readonly keys: Int32Array;
}

/** Runs one task on the calling thread (main or worker). */
export function runLatticeTask(task: LatticeTask, work: LatticeWork): LocateResult | undefined {
  if (task.kind === 'filter') {
    for (const p of task.pieces) filterValues(p.lattice, work, p.values, p.start, p.end, p.out, p.reverse, p.inScale, p.outScale);
    return undefined;
  }
  if (task.kind === 'update') {
    meanFieldUpdate(task, work);
    return undefined;
  }
  if (task.kind === 'wasm') {
    runWasmTask(task);
    return undefined;
  }
  if (task.kind === 'collect') {
    collectGarbage();
    return undefined;
  }
  const table = new LatticeKeyTable(task.d, 1024);
  locatePoints(task.features, task.n, task.d, task.start, task.end, table, task.offsets, task.weights);
  return { size: table.size, keys: table.keyData.slice(0, table.size * task.d) };
}

/**
 * The message loop of a lattice worker thread; threads.ts starts it from source text with the
 * `worker_threads` module. Each task message is answered on `workerData.port` with
 * `{ ok: true, result }` or `{ ok: false, error }`; then the worker sets `workerData.flag[0] = 1`
 * and wakes the thread that waits on it.
 */
export function latticeWorkerMain(threads: {
  readonly parentPort: { on(event: 'message', listener: (task: LatticeTask) => void): void };
  readonly workerData: { readonly port: { postMessage(message: unknown): void }; readonly flag: Int32Array };
}): void {
  const { port, flag } = threads.workerData;
  const work: LatticeWork = { buffers: undefined };
  threads.parentPort.on('message', function onTask(task: LatticeTask) {
    let reply: unknown;
    try {
      reply = { ok: true, result: runLatticeTask(task, work) };
    } catch (error) {
      reply = { ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
    }
    port.postMessage(reply);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  });
}

/** Everything a worker thread runs, in dependency-free source form (see the module comment). */
export const LATTICE_WORKER_CODE: readonly { toString(): string }[] = [
  LatticeKeyTable,
  makeBuildScratch,
  locatePoint,
  sameSimplexAsPrevious,
  findBlurNeighbours,
  findRuns,
  float32s,
  int32s,
  locatePoints,
  finishLattice,
  filterValues,
  filterOne,
  filterGroup,
  splatGroup8,
  blurGroup8,
  sliceGroup8,
  splatGroup4,
  blurGroup4,
  sliceGroup4,
  splatGroup2,
  blurGroup2,
  sliceGroup2,
  workBuffers,
  splat,
  splatPoints6,
  splatPoints3,
  splatRuns6,
  splatRuns3,
  blur,
  slice,
  subtractCompatibility,
  completeLastLabel,
  makeExpTables,
  expNonPositive,
  softmaxTile,
  updateScratch,
  expAndNormalize,
  meanFieldUpdate,
  runWasmTask,
  collectGarbage,
  runLatticeTask,
];
