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
  readonly barycentric: Float32Array;
  readonly canonical: Int32Array;
  readonly key: Int32Array;
  readonly previousRem0: Float32Array;
  readonly previousRank: Int32Array;
}

function makeBuildScratch(d: number): BuildScratch {
  const invStdDev = f32(Math.sqrt(2 / 3) * (d + 1));
  const scale = new Float32Array(d);
  for (let i = 0; i < d; i++) scale[i] = (1 / Math.sqrt((i + 2) * (i + 1))) * invStdDev;
  // Canonical simplex: row r holds the coordinates of the remainder-r vertex, by rank.
  const canonical = new Int32Array((d + 1) * (d + 1));
  for (let r = 0; r <= d; r++) {
    for (let j = 0; j <= d - r; j++) canonical[r * (d + 1) + j] = r;
    for (let j = d - r + 1; j <= d; j++) canonical[r * (d + 1) + j] = r - (d + 1);
  }
  return {
    scale,
    elevated: new Float32Array(d + 1),
    rem0: new Float32Array(d + 1),
    rank: new Int32Array(d + 1),
    barycentric: new Float32Array(d + 2),
    canonical,
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

  rank.fill(0);
  for (let a = 0; a < d; a++) {
    const da = f32(elevated[a] - rem0[a]);
    for (let b = a + 1; b <= d; b++) {
      if (da < f32(elevated[b] - rem0[b])) rank[a]++;
      else rank[b]++;
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

  barycentric.fill(0);
  for (let k = 0; k <= d; k++) {
    const v = f32(f32(elevated[k] - rem0[k]) * down);
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
}

/**
 * A permutohedral lattice built once from per-point features ({@link PermutohedralLattice.init})
 * and then used to filter any number of value vectors ({@link PermutohedralLattice.compute}).
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
  private readonly neighbours: Int32Array;
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
    const table = new LatticeKeyTable(d, n);
    const offsets = new Int32Array(n * (d + 1));
    const weights = new Float32Array(n * (d + 1));

    for (let i = 0; i < n; i++) {
      locatePoint(features, n, d, i, s);
      const base = i * (d + 1);
      if (sameSimplexAsPrevious(s, d)) {
        offsets.copyWithin(base, base - (d + 1), base);
      } else {
        for (let r = 0; r <= d; r++) {
          for (let k = 0; k < d; k++) s.key[k] = s.rem0[k] + s.canonical[r * (d + 1) + s.rank[k]];
          offsets[base + r] = table.find(s.key, 0, true) + 1;
        }
        s.previousRem0.set(s.rem0);
        s.previousRank.set(s.rank);
      }
      for (let r = 0; r <= d; r++) weights[base + r] = s.barycentric[r];
    }
    const neighbours = findBlurNeighbours(table, d);
    return new PermutohedralLattice(d, n, table.size, offsets, weights, neighbours);
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
    const { a, b, point } = this.workBuffers(valueCount);
    this.splat(values, valueCount, a, point);
    const blurred = this.blur(valueCount, a, b, options.reverse ?? false);
    this.slice(blurred, valueCount, out, point);
    return out;
  }

  private workBuffers(valueCount: number): { a: Float32Array; b: Float32Array; point: Float32Array } {
    const size = (this.vertexCount + 1) * valueCount;
    if (this.buffers === undefined || this.buffers.a.length < size) {
      this.buffers = { a: new Float32Array(size), b: new Float32Array(size), point: new Float32Array(valueCount) };
    } else {
      // Splatting accumulates into a; b's slot 0 (the absent neighbour) is never written.
      this.buffers.a.fill(0, 0, size);
    }
    return this.buffers;
  }

  /** S: adds w_ir · v_i to vertex_ir for every point i and simplex vertex r (slot 0 stays zero). */
  private splat(values: Float32Array, valueCount: number, lattice: Float32Array, point: Float32Array): void {
    const n = this.pointCount;
    const stride = this.featureCount + 1;
    const offsets = this.offsets;
    const weights = this.weights;
    if (valueCount === 1) {
      for (let i = 0; i < n; i++) {
        const v = values[i];
        for (let r = i * stride, end = r + stride; r < end; r++) lattice[offsets[r]] += weights[r] * v;
      }
      return;
    }
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < valueCount; k++) point[k] = values[k * n + i];
      for (let r = i * stride, end = r + stride; r < end; r++) {
        const o = offsets[r] * valueCount;
        const w = weights[r];
        for (let k = 0; k < valueCount; k++) lattice[o + k] += w * point[k];
      }
    }
  }

  /** B_j for j = 0 … d (or d … 0): v ← v + ½ (v_− + v_+) along lattice direction j. */
  private blur(valueCount: number, a: Float32Array, b: Float32Array, reverse: boolean): Float32Array {
    const d = this.featureCount;
    const m = this.vertexCount;
    const nb = this.neighbours;
    let from = a;
    let to = b;
    for (let step = 0; step <= d; step++) {
      const j = reverse ? d - step : step;
      const base = j * m * 2;
      if (valueCount === 1) {
        for (let v = 0; v < m; v++) {
          to[v + 1] = from[v + 1] + 0.5 * (from[nb[base + 2 * v]] + from[nb[base + 2 * v + 1]]);
        }
      } else {
        for (let v = 0; v < m; v++) {
          const o = (v + 1) * valueCount;
          const lo = nb[base + 2 * v] * valueCount;
          const hi = nb[base + 2 * v + 1] * valueCount;
          for (let k = 0; k < valueCount; k++) to[o + k] = from[o + k] + 0.5 * (from[lo + k] + from[hi + k]);
        }
      }
      const swap = from;
      from = to;
      to = swap;
    }
    return from;
  }

  /** Slice: out_i = Σ_r α w_ir · lattice[vertex_ir]. */
  private slice(lattice: Float32Array, valueCount: number, out: Float32Array, point: Float32Array): void {
    const n = this.pointCount;
    const stride = this.featureCount + 1;
    const offsets = this.offsets;
    const weights = this.sliceWeights;
    if (valueCount === 1) {
      for (let i = 0; i < n; i++) {
        let acc = 0;
        for (let r = i * stride, end = r + stride; r < end; r++) acc += weights[r] * lattice[offsets[r]];
        out[i] = acc;
      }
      return;
    }
    for (let i = 0; i < n; i++) {
      point.fill(0);
      for (let r = i * stride, end = r + stride; r < end; r++) {
        const o = offsets[r] * valueCount;
        const w = weights[r];
        for (let k = 0; k < valueCount; k++) point[k] += w * lattice[o + k];
      }
      for (let k = 0; k < valueCount; k++) out[k * n + i] = point[k];
    }
  }
}
