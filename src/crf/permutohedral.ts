/**
 * The permutohedral lattice: fast approximate Gaussian filtering in a d-dimensional feature space.
 *
 * Adams, Baek & Davis, "Fast High-Dimensional Filtering Using the Permutohedral Lattice",
 * Eurographics 2010; used for mean-field inference by Krähenbühl & Koltun, "Efficient Inference in
 * Fully Connected CRFs with Gaussian Edge Potentials", NIPS 2011.
 *
 * For points with features `f_i ∈ ℝ^d` and values `v_i`, the lattice computes
 *
 *     out_i ≈ Σ_j exp(−½ ‖f_i − f_j‖²) · v_j        (j = i included)
 *
 * in O(N·d²) instead of O(N²): each point is *splatted* onto the d+1 vertices of the simplex
 * enclosing its elevated feature (with barycentric weights), the lattice is *blurred* with the
 * kernel [½, 1, ½] along each of the d+1 lattice directions in turn, and the result is *sliced*
 * back with the same barycentric weights, times α = 1 / (1 + 2^−d).
 *
 * This is Krähenbühl's densecrf algorithm (the one inside pydensecrf), step for step: the same
 * elevation matrix and scale factors `√(2/3)·(d+1) / √((i+1)(i+2))`, nearest remainder-0 point by
 * round-half-to-even in float32 (its x86/SSE build), the same ranks, barycentric weights, vertex
 * keys, blur neighbours (a missing neighbour counts as zero) and α. The geometry is computed with
 * float32 rounding after every operation, as in the C++, so lattices are identical; the lattice
 * values are stored as float32 and accumulated in float64 registers, so filtered values agree with
 * the C++ to float32 rounding (≈1e-7 relative), not bit for bit.
 */
import { LatticeKeyTable } from './lattice-key-table';

const f32 = Math.fround;

/** Rounds half to even, like SSE's `cvtps2dq`/`roundps` in round-to-nearest mode. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Scratch arrays of one lattice build, allocated once per build. */
interface BuildScratch {
  readonly scale: Float32Array;
  readonly elevated: Float32Array;
  readonly rem0: Float32Array;
  readonly rank: Int32Array;
  /** elevated − rem0 (float32), before wrapping. */
  readonly residual: Float32Array;
  readonly barycentric: Float32Array;
  readonly key: Int32Array;
  readonly previousRem0: Float32Array;
  readonly previousRank: Int32Array;
}

function makeBuildScratch(d: number): BuildScratch {
  const invStdDev = f32(Math.sqrt(2 / 3) * (d + 1));
  const scale = new Float32Array(d);
  for (let i = 0; i < d; i++) scale[i] = (1 / Math.sqrt((i + 2) * (i + 1))) * invStdDev;
  return {
    scale,
    elevated: new Float32Array(d + 1),
    rem0: new Float32Array(d + 1),
    rank: new Int32Array(d + 1),
    residual: new Float32Array(d + 1),
    barycentric: new Float32Array(d + 2),
    key: new Int32Array(d + 1),
    previousRem0: new Float32Array(d + 1).fill(NaN),
    previousRank: new Int32Array(d + 1),
  };
}

/**
 * Elevates point `i` onto the hyperplane `H_d ⊂ ℝ^{d+1}` (y = E·f, Adams et al. p. 5) and finds its
 * enclosing simplex: remainder-0 vertex `rem0`, the `rank` of each coordinate, and the barycentric
 * weights (Adams et al. p. 10). Writes into `s`.
 */
function locatePoint(features: Float32Array, n: number, d: number, i: number, s: BuildScratch): void {
  const { scale, elevated, rem0, rank, barycentric } = s;
  const down = f32(1 / (d + 1));
  let sm = 0;
  for (let j = d; j > 0; j--) {
    const cf = f32(features[(j - 1) * n + i] * scale[j - 1]);
    elevated[j] = sm - f32(j * cf);
    sm = f32(sm + cf);
  }
  elevated[0] = sm;

  let sum = 0;
  for (let k = 0; k <= d; k++) {
    const v = roundHalfEven(f32(down * elevated[k]));
    rem0[k] = v * (d + 1);
    sum += v;
  }

  const { residual } = s;
  for (let k = 0; k <= d; k++) {
    residual[k] = elevated[k] - rem0[k];
    rank[k] = 0;
  }
  for (let a = 0; a < d; a++) {
    const da = residual[a];
    for (let b = a + 1; b <= d; b++) {
      const aBelow = +(da < residual[b]); // 0 or 1, without a branch
      rank[a] += aBelow;
      rank[b] += 1 - aBelow;
    }
  }

  for (let k = 0; k <= d; k++) {
    rank[k] += sum;
    if (rank[k] < 0) {
      rank[k] += d + 1;
      rem0[k] += d + 1;
    } else if (rank[k] > d) {
      rank[k] -= d + 1;
      rem0[k] -= d + 1;
    }
  }

  for (let k = 0; k <= d + 1; k++) barycentric[k] = 0;
  for (let k = 0; k <= d; k++) {
    const v = f32(f32(elevated[k] - rem0[k]) * down); // rem0 may have wrapped: recompute
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
function findBlurNeighbours(table: LatticeKeyTable, d: number): Int32Array {
  const m = table.size;
  const keys = table.keyData;
  const neighbours = new Int32Array((d + 1) * m * 2);
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
function findRuns(offsets: Int32Array, n: number, stride: number): Int32Array {
  const startsRun = (i: number) => {
    for (let r = 0; r < stride; r++) if (offsets[i * stride + r] !== offsets[(i - 1) * stride + r]) return true;
    return false;
  };
  let count = 1;
  for (let i = 1; i < n; i++) if (startsRun(i)) count++;
  const starts = new Int32Array(count + 1);
  for (let i = 1, k = 1; i < n; i++) if (startsRun(i)) starts[k++] = i;
  starts[count] = n;
  return starts;
}

/** Options of {@link PermutohedralLattice.compute}. */
export interface LatticeComputeOptions {
  /**
   * Blur the lattice directions in reverse order (d … 0). This applies the transpose of the
   * forward operator, as densecrf's `compute(…, reverse = true)`.
   * @default false
   */
  readonly reverse?: boolean;
  /** Where to write the result (length `valueCount × pointCount`); may be the input itself. @default a new array */
  readonly out?: Float32Array;
  /** Per-point factor applied to the values before splatting (`v_i · inScale_i`). @default none */
  readonly inScale?: Float32Array;
  /** Per-point factor applied to the result after slicing (`out_i · outScale_i`). @default none */
  readonly outScale?: Float32Array;
}

/**
 * A permutohedral lattice built once from per-point features ({@link PermutohedralLattice.init})
 * and then used to filter any number of value vectors ({@link PermutohedralLattice.compute}).
 *
 * Implementation notes (same arithmetic as densecrf, different loop order):
 * - values are filtered in groups of 8, 4 or 2 on a vertex-major buffer (`[vertex][group]`, like
 *   densecrf's lanes), so one pass over the splat weights and blur neighbours serves the group
 *   (measured on a 500×375 bilateral lattice: 3.6 ms a value in groups of 8, 4.3 in groups of 4;
 *   wider groups run out of registers);
 *   a single remaining value uses a planar buffer with unrolled loops for d = 2 and d = 5;
 * - when consecutive points often share a simplex (average run ≥ 2.5 points), single values are
 *   splatted run by run, accumulating in registers, which removes the store-to-load chains of
 *   repeated scatter-adds to one vertex;
 * - lattice values are stored as float32 like densecrf's; only the summation order differs, so
 *   results differ from the C++ by float32 rounding.
 *
 * @example
 * ```ts
 * // features: Float32Array [feature][point], e.g. x/σx, y/σy for N pixels
 * const lattice = PermutohedralLattice.init(features, 2);
 * const blurred = lattice.compute(values, 1);        // ≈ Σ_j exp(−½‖f_i − f_j‖²) v_j
 * ```
 */
export class PermutohedralLattice {
  /** Feature dimension d. */
  readonly featureCount: number;
  /** Number of points N. */
  readonly pointCount: number;
  /** Number of lattice vertices M. */
  readonly vertexCount: number;
  /** For point i and simplex vertex r: lattice vertex number + 1, at `[i·(d+1) + r]`. */
  private readonly offsets: Int32Array;
  /** Barycentric weight of the same pair. */
  private readonly weights: Float32Array;
  /** Barycentric weight × α, used by slicing. */
  private readonly sliceWeights: Float32Array;
  /** Blur neighbours (+1, 0 = absent) of vertex v along direction j at `[(j·M + v)·2 + 0|1]`. */
  private readonly neighbours: Int32Array;
  /** Starts of runs of points sharing a simplex, then N. */
  private readonly runs: Int32Array;
  /** Splat single vectors run by run (long runs) rather than point by point (short runs). */
  private readonly splatByRuns: boolean;
  private buffers: { a: Float32Array; b: Float32Array; point: Float32Array } | undefined;

  private constructor(d: number, n: number, m: number, offsets: Int32Array, weights: Float32Array, neighbours: Int32Array) {
    this.featureCount = d;
    this.pointCount = n;
    this.vertexCount = m;
    this.offsets = offsets;
    this.weights = weights;
    this.neighbours = neighbours;
    const alpha = f32(1 / (1 + Math.pow(2, -d)));
    this.sliceWeights = new Float32Array(weights.length);
    for (let i = 0; i < weights.length; i++) this.sliceWeights[i] = weights[i] * alpha;
    this.runs = findRuns(offsets, n, d + 1);
    this.splatByRuns = n >= 2.5 * (this.runs.length - 1);
  }

  /**
   * Builds the lattice of `N = features.length / featureCount` points.
   *
   * @param features Float32Array laid out `[feature][point]` (`features[k·N + i]`), already divided
   *   by the kernel's standard deviations, as pydensecrf's `(d, N)` feature matrix.
   * @param featureCount the feature dimension d (1 … 64).
   * @throws RangeError when d is not an integer in 1 … 64, the length is not a positive multiple
   *   of d, or a feature is not finite.
   */
  static init(features: Float32Array, featureCount: number): PermutohedralLattice {
    const d = featureCount;
    if (!Number.isInteger(d) || d < 1 || d > 64) {
      throw new RangeError(`permutohedral lattice: featureCount must be an integer in 1…64, got ${featureCount}`);
    }
    if (!(features instanceof Float32Array)) {
      throw new TypeError('permutohedral lattice: features must be a Float32Array laid out [feature][point]');
    }
    if (features.length === 0 || features.length % d !== 0) {
      throw new RangeError(
        `permutohedral lattice: features must hold featureCount × N = ${d} × N values (N ≥ 1), got ${features.length}`,
      );
    }
    for (let i = 0; i < features.length; i++) {
      if (!Number.isFinite(features[i])) {
        const n = features.length / d;
        throw new RangeError(
          `permutohedral lattice: feature ${Math.floor(i / n)} of point ${i % n} is ${features[i]}; features must be finite`,
        );
      }
    }
    const n = features.length / d;
    const s = makeBuildScratch(d);
    const table = new LatticeKeyTable(d, 1024);
    const offsets = new Int32Array(n * (d + 1));
    const weights = new Float32Array(n * (d + 1));

    for (let i = 0; i < n; i++) {
      locatePoint(features, n, d, i, s);
      const base = i * (d + 1);
      if (sameSimplexAsPrevious(s, d)) {
        for (let r = 0; r <= d; r++) offsets[base + r] = offsets[base - (d + 1) + r];
      } else {
        // Vertex r of the simplex is rem0 + c_r(rank), c_r = the canonical simplex's vertex r:
        // coordinate k gets r if rank_k ≤ d − r, else r − (d + 1). Walk r = 0 … d: each step adds
        // 1 to every coordinate except the one of rank d + 1 − r, which drops by d.
        const { key, rem0, rank } = s;
        for (let k = 0; k < d; k++) key[k] = rem0[k];
        offsets[base] = table.find(key, 0, true) + 1;
        for (let r = 1; r <= d; r++) {
          for (let k = 0; k < d; k++) key[k] += rank[k] === d + 1 - r ? -d : 1;
          offsets[base + r] = table.find(key, 0, true) + 1;
        }
        // (plain loops: TypedArray.set costs a builtin call per point)
        for (let k = 0; k <= d; k++) {
          s.previousRem0[k] = s.rem0[k];
          s.previousRank[k] = s.rank[k];
        }
      }
      for (let r = 0; r <= d; r++) weights[base + r] = s.barycentric[r];
    }
    const neighbours = findBlurNeighbours(table, d);
    return new PermutohedralLattice(d, n, table.size, offsets, weights, neighbours);
  }

  /** Number of runs of consecutive points that share a simplex (a measure of lattice coarseness). */
  get runCount(): number {
    return this.runs.length - 1;
  }

  /**
   * Filters `valueCount` value vectors at once:
   * `out[k·N + i] = α Σ_r w_ir · (B_d ⋯ B_0 · S v_k)[vertex_ir]` — splat S, blur B_j, slice.
   *
   * @param values Float32Array laid out `[value][point]` (`values[k·N + i]`), length `valueCount × N`.
   * @returns the filtered values, same layout.
   * @throws RangeError naming the expected length.
   */
  compute(values: Float32Array, valueCount: number, options: LatticeComputeOptions = {}): Float32Array {
    const n = this.pointCount;
    if (!Number.isInteger(valueCount) || valueCount < 1) {
      throw new RangeError(`permutohedral lattice: valueCount must be a positive integer, got ${valueCount}`);
    }
    if (values.length !== valueCount * n) {
      throw new RangeError(
        `permutohedral lattice: values must have valueCount × N = ${valueCount} × ${n} = ${valueCount * n} entries ([value][point]), got ${values.length}`,
      );
    }
    const out = options.out ?? new Float32Array(valueCount * n);
    if (out.length !== valueCount * n) {
      throw new RangeError(`permutohedral lattice: out must have ${valueCount * n} entries, got ${out.length}`);
    }
    for (const [name, scale] of [['inScale', options.inScale], ['outScale', options.outScale]] as const) {
      if (scale !== undefined && scale.length !== n) {
        throw new RangeError(`permutohedral lattice: ${name} must have one factor per point, ${n}, got ${scale.length}`);
      }
    }
    const reverse = options.reverse ?? false;
    for (let k = 0; k < valueCount; ) {
      const left = valueCount - k;
      const group = left >= 8 ? 8 : left >= 4 ? 4 : left >= 2 ? 2 : 1;
      if (group === 1) this.filterOne(values, k, out, reverse, options.inScale, options.outScale);
      else this.filterGroup(values, k, group, out, reverse, options.inScale, options.outScale);
      k += group;
    }
    return out;
  }

  /** Filters value vector k on a planar lattice buffer (d = 2 and d = 5 unrolled). */
  private filterOne(
    values: Float32Array,
    k: number,
    out: Float32Array,
    reverse: boolean,
    inScale: Float32Array | undefined,
    outScale: Float32Array | undefined,
  ): void {
    const n = this.pointCount;
    const { a, b, point } = this.workBuffers(1);
    let input = values.subarray(k * n, (k + 1) * n);
    if (inScale !== undefined) {
      for (let i = 0; i < n; i++) point[i] = input[i] * inScale[i];
      input = point;
    }
    this.splat(input, a);
    const blurred = this.blur(a, b, reverse);
    const result = out.subarray(k * n, (k + 1) * n);
    this.slice(blurred, result);
    if (outScale !== undefined) for (let i = 0; i < n; i++) result[i] *= outScale[i];
  }

  /**
   * Filters value vectors k … k+group−1 (group 2, 4 or 8) together on a vertex-major lattice buffer
   * (`[vertex][group]`): one pass over the splat weights and blur neighbours serves the group.
   */
  private filterGroup(
    values: Float32Array,
    k: number,
    group: 2 | 4 | 8,
    out: Float32Array,
    reverse: boolean,
    inScale: Float32Array | undefined,
    outScale: Float32Array | undefined,
  ): void {
    const { a, b } = this.workBuffers(group);
    if (group === 8) {
      this.splatGroup8(values, k, inScale, a);
      const blurred = this.blurGroup8(a, b, reverse);
      this.sliceGroup8(blurred, k, outScale, out);
    } else if (group === 4) {
      this.splatGroup4(values, k, inScale, a);
      const blurred = this.blurGroup4(a, b, reverse);
      this.sliceGroup4(blurred, k, outScale, out);
    } else {
      this.splatGroup2(values, k, inScale, a);
      const blurred = this.blurGroup2(a, b, reverse);
      this.sliceGroup2(blurred, k, outScale, out);
    }
  }

  private splatGroup8(values: Float32Array, k: number, inScale: Float32Array | undefined, lattice: Float32Array): void {
    const n = this.pointCount;
    const stride = this.featureCount + 1;
    const off = this.offsets;
    const w = this.weights;
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

  private blurGroup8(a: Float32Array, b: Float32Array, reverse: boolean): Float32Array {
    const d = this.featureCount;
    const m = this.vertexCount;
    const nb = this.neighbours;
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

  private sliceGroup8(lattice: Float32Array, k: number, outScale: Float32Array | undefined, out: Float32Array): void {
    const n = this.pointCount;
    const stride = this.featureCount + 1;
    const off = this.offsets;
    const w = this.sliceWeights;
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

  private splatGroup4(values: Float32Array, k: number, inScale: Float32Array | undefined, lattice: Float32Array): void {
    const n = this.pointCount;
    const stride = this.featureCount + 1;
    const off = this.offsets;
    const w = this.weights;
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

  private blurGroup4(a: Float32Array, b: Float32Array, reverse: boolean): Float32Array {
    const d = this.featureCount;
    const m = this.vertexCount;
    const nb = this.neighbours;
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

  private sliceGroup4(lattice: Float32Array, k: number, outScale: Float32Array | undefined, out: Float32Array): void {
    const n = this.pointCount;
    const stride = this.featureCount + 1;
    const off = this.offsets;
    const w = this.sliceWeights;
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

  private splatGroup2(values: Float32Array, k: number, inScale: Float32Array | undefined, lattice: Float32Array): void {
    const n = this.pointCount;
    const stride = this.featureCount + 1;
    const off = this.offsets;
    const w = this.weights;
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

  private blurGroup2(a: Float32Array, b: Float32Array, reverse: boolean): Float32Array {
    const d = this.featureCount;
    const m = this.vertexCount;
    const nb = this.neighbours;
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

  private sliceGroup2(lattice: Float32Array, k: number, outScale: Float32Array | undefined, out: Float32Array): void {
    const n = this.pointCount;
    const stride = this.featureCount + 1;
    const off = this.offsets;
    const w = this.sliceWeights;
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

  /** Zeroed lattice buffers for `group` values per vertex, reused between calls. */
  private workBuffers(group: number): { a: Float32Array; b: Float32Array; point: Float32Array } {
    const size = (this.vertexCount + 1) * group;
    if (this.buffers === undefined || this.buffers.a.length < size) {
      const point = this.buffers?.point ?? new Float32Array(this.pointCount);
      this.buffers = { a: new Float32Array(size), b: new Float32Array(size), point };
    }
    const { a, b, point } = this.buffers;
    a.fill(0, 0, size);
    b.fill(0, 0, group); // the absent neighbour; blurring never writes it
    return { a: a.subarray(0, size), b: b.subarray(0, size), point };
  }

  /** S: adds w_ir · v_i to vertex_ir for every point i and simplex vertex r. */
  private splat(v: Float32Array, lattice: Float32Array): void {
    const stride = this.featureCount + 1;
    if (this.splatByRuns && stride === 6) this.splatRuns6(v, lattice);
    else if (this.splatByRuns && stride === 3) this.splatRuns3(v, lattice);
    else if (stride === 6) this.splatPoints6(v, lattice);
    else if (stride === 3) this.splatPoints3(v, lattice);
    else {
      const off = this.offsets;
      const w = this.weights;
      for (let i = 0; i < this.pointCount; i++) {
        const x = v[i];
        for (let r = i * stride, end = r + stride; r < end; r++) lattice[off[r]] += w[r] * x;
      }
    }
  }

  /** Splat point by point, d = 5 (fast when consecutive points rarely share vertices). */
  private splatPoints6(v: Float32Array, lattice: Float32Array): void {
    const off = this.offsets;
    const w = this.weights;
    for (let i = 0, q = 0, n = this.pointCount; i < n; i++, q += 6) {
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
  private splatPoints3(v: Float32Array, lattice: Float32Array): void {
    const off = this.offsets;
    const w = this.weights;
    for (let i = 0, q = 0, n = this.pointCount; i < n; i++, q += 3) {
      const x = v[i];
      lattice[off[q]] += w[q] * x;
      lattice[off[q + 1]] += w[q + 1] * x;
      lattice[off[q + 2]] += w[q + 2] * x;
    }
  }

  /** Splat run by run, accumulating each run in registers, d = 5 (fast for long runs). */
  private splatRuns6(v: Float32Array, lattice: Float32Array): void {
    const runs = this.runs;
    const off = this.offsets;
    const w = this.weights;
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
  private splatRuns3(v: Float32Array, lattice: Float32Array): void {
    const runs = this.runs;
    const off = this.offsets;
    const w = this.weights;
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
  private blur(a: Float32Array, b: Float32Array, reverse: boolean): Float32Array {
    const d = this.featureCount;
    const m = this.vertexCount;
    const nb = this.neighbours;
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
  private slice(lattice: Float32Array, out: Float32Array): void {
    const off = this.offsets;
    const w = this.sliceWeights;
    const stride = this.featureCount + 1;
    const n = this.pointCount;
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
}
