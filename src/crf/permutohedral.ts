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
import {
  filterValues,
  finishLattice,
  float32s,
  int32s,
  LatticeData,
  LatticeKeyTable,
  LatticeTask,
  LatticeWork,
  locatePoints,
  shareByCost,
} from './loops';
import { crfThreads, isShared, runOnThreads } from './threads';

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
  /** @internal The lattice as plain data (shared memory when built for several threads). */
  readonly data: LatticeData;
  /** @internal This lattice's buffers on the calling thread. */
  readonly work: LatticeWork = { buffers: undefined };

  private constructor(data: LatticeData) {
    this.data = data;
    this.featureCount = data.d;
    this.pointCount = data.n;
    this.vertexCount = data.m;
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
    assertLatticeFeatures(features, featureCount);
    const d = featureCount;
    const n = features.length / d;
    const threads = crfThreads();
    const shared = threads > 1;
    const table = new LatticeKeyTable(d, 1024);
    const offsets = int32s(n * (d + 1), shared);
    const weights = float32s(n * (d + 1), shared);
    if (shared && n >= PARALLEL_BUILD_MIN_POINTS) {
      locateInParallel(features, d, threads, table, offsets, weights);
    } else {
      locatePoints(features, n, d, 0, n, table, offsets, weights);
    }
    return new PermutohedralLattice(finishLattice(d, n, table, offsets, weights, shared));
  }

  /** Number of runs of consecutive points that share a simplex (a measure of lattice coarseness). */
  get runCount(): number {
    return this.data.runs.length - 1;
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
    PermutohedralLattice.computeAll([{ lattice: this, values, valueCount, out, reverse: options.reverse ?? false, inScale: options.inScale, outScale: options.outScale }]);
    return out;
  }

  /**
   * Runs several filterings at once — the pairwise terms of one mean-field step — spread over
   * the CRF's threads (see threads.ts) when every array is in shared memory, else one after the
   * other on the calling thread. Same results either way. Inputs are not checked here.
   */
  static computeAll(jobs: readonly LatticeJob[]): void {
    const threads = crfThreads();
    const parallel =
      threads > 1 &&
      jobs.length > 0 &&
      jobs.every(
        (job) =>
          isShared(job.lattice.data.offsets) &&
          isShared(job.values) &&
          isShared(job.out) &&
          isShared(job.inScale) &&
          isShared(job.outScale),
      );
    if (!parallel) {
      for (const job of jobs) {
        filterValues(job.lattice.data, job.lattice.work, job.values, 0, job.valueCount, job.out, job.reverse, job.inScale, job.outScale);
      }
      return;
    }
    filterInParallel(jobs, threads);
  }
}

/** One filtering for {@link PermutohedralLattice.computeAll}: `valueCount` vectors of `values` into `out`. */
export interface LatticeJob {
  readonly lattice: PermutohedralLattice;
  readonly values: Float32Array;
  readonly valueCount: number;
  readonly out: Float32Array;
  readonly reverse: boolean;
  readonly inScale: Float32Array | undefined;
  readonly outScale: Float32Array | undefined;
}

/** Lattices of fewer points are built on one thread (a worker round trip would not pay). */
const PARALLEL_BUILD_MIN_POINTS = 16384;

/**
 * Locates the points in `threads` contiguous ranges at once: the calling thread numbers the first
 * range's vertices in `table`, each worker those of its range in a table of its own; then the
 * workers' vertices are added to `table` and their offsets renumbered. The lattice is the same
 * as a serial build's up to the order of vertex numbers, which no result depends on: each
 * vertex still receives its splats in point order.
 */
function locateInParallel(
  features: Float32Array,
  d: number,
  threads: number,
  table: LatticeKeyTable,
  offsets: Int32Array,
  weights: Float32Array,
): void {
  const n = features.length / d;
  const sharedFeatures = isShared(features) ? features : float32s(features.length, true);
  if (sharedFeatures !== features) sharedFeatures.set(features);
  const bounds = Array.from({ length: threads + 1 }, (_, t) => Math.round((t * n) / threads));
  const tasks: LatticeTask[] = [];
  for (let t = 1; t < threads; t++) {
    tasks.push({ kind: 'locate', features: sharedFeatures, n, d, start: bounds[t], end: bounds[t + 1], offsets, weights });
  }
  const results = runOnThreads(() => locatePoints(sharedFeatures, n, d, 0, bounds[1], table, offsets, weights), tasks, {
    buffers: undefined,
  });
  results.forEach((result, index) => {
    if (result === undefined) throw new Error('permutohedral lattice: a locate task returned nothing');
    const renumber = new Int32Array(result.size);
    for (let v = 0; v < result.size; v++) renumber[v] = table.find(result.keys, v * d, true) + 1;
    const t = index + 1;
    for (let q = bounds[t] * (d + 1), end = bounds[t + 1] * (d + 1); q < end; q++) offsets[q] = renumber[offsets[q] - 1];
  });
}

/**
 * Spreads filterings over threads: a job of several vectors is cut into one range per thread at
 * even offsets (so that only the last vector of an odd count is filtered alone, as on one thread),
 * and the pieces go largest first to the least loaded thread, the calling thread being thread 0.
 */
function filterInParallel(jobs: readonly LatticeJob[], threads: number): void {
  interface Piece {
    readonly job: LatticeJob;
    readonly start: number;
    readonly end: number;
    readonly cost: number;
  }
  const pieces: Piece[] = [];
  for (const job of jobs) {
    const { n, d, m } = job.lattice.data;
    const costPerVector = 2 * n * (d + 1) + m * (d + 1);
    const cuts = Math.max(1, Math.min(threads, job.valueCount >> 1));
    let start = 0;
    for (let c = 1; c <= cuts; c++) {
      const end = c === cuts ? job.valueCount : 2 * Math.round((c * job.valueCount) / (2 * cuts));
      if (end > start) pieces.push({ job, start, end, cost: (end - start) * costPerVector });
      start = end;
    }
  }
  const shares = shareByCost(pieces, threads);
  const toTask = (share: Piece[]): LatticeTask => ({
    kind: 'filter',
    pieces: share.map(({ job, start, end }) => ({
      lattice: job.lattice.data,
      values: job.values,
      start,
      end,
      out: job.out,
      reverse: job.reverse,
      inScale: job.inScale,
      outScale: job.outScale,
    })),
  });
  const runOwnShare = () => {
    for (const { job, start, end } of shares[0]) {
      filterValues(job.lattice.data, job.lattice.work, job.values, start, end, job.out, job.reverse, job.inScale, job.outScale);
    }
  };
  const tasks = shares.slice(1).filter((share) => share.length > 0).map(toTask);
  runOnThreads(runOwnShare, tasks, jobs[0].lattice.work);
}

/**
 * Checks a lattice's features: d an integer in 1 … 64, a Float32Array of d × N values (N ≥ 1),
 * all finite.
 *
 * @throws RangeError or TypeError naming the problem.
 */
export function assertLatticeFeatures(features: Float32Array, featureCount: number): void {
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
}
