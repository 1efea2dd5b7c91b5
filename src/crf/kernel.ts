/**
 * The dense Gaussian kernel of a CRF pairwise term with its normalisation (densecrf's DenseKernel).
 *
 * With `K` the Gaussian filter over the term's features (a permutohedral lattice) and `n = K·1`
 * (each point's own contribution included), the normalisations give `K̃`:
 *
 * | normalization | K̃ Q                              |
 * |---------------|-----------------------------------|
 * | `NONE`        | `K Q`                             |
 * | `BEFORE`      | `K (D Q)`,  D = diag(1 / n)       |
 * | `AFTER`       | `D (K Q)`,  D = diag(1 / n)       |
 * | `SYMMETRIC`   | `D (K (D Q))`, D = diag(1 / √n)   |
 *
 * with `1 / (n + 1e-20)` and `1 / √(n + 1e-20)` as in densecrf. SYMMETRIC is pydensecrf's default.
 */
import { completeLastLabel, float32s } from './loops';
import { LatticeJob, PermutohedralLattice } from './permutohedral';
import { crfThreads } from './threads';

/** How a kernel is normalised (pydensecrf's `NO_NORMALIZATION`, `NORMALIZE_BEFORE`, …). */
export type Normalization = 'NONE' | 'BEFORE' | 'AFTER' | 'SYMMETRIC';

/** pydensecrf's `NO_NORMALIZATION`. */
export const NO_NORMALIZATION: Normalization = 'NONE';
/** pydensecrf's `NORMALIZE_BEFORE`. */
export const NORMALIZE_BEFORE: Normalization = 'BEFORE';
/** pydensecrf's `NORMALIZE_AFTER`. */
export const NORMALIZE_AFTER: Normalization = 'AFTER';
/** pydensecrf's `NORMALIZE_SYMMETRIC` (the default). */
export const NORMALIZE_SYMMETRIC: Normalization = 'SYMMETRIC';

/**
 * Kernel type. Only `DIAG` (one scale per feature, densecrf's `DIAG_KERNEL` and pydensecrf's
 * default) is offered: kernel types differ only when kernel parameters are learnt, which this
 * library does not do.
 */
export type KernelType = 'DIAG';
/** pydensecrf's `DIAG_KERNEL`. */
export const DIAG_KERNEL: KernelType = 'DIAG';

const NORMALIZATIONS: readonly Normalization[] = ['NONE', 'BEFORE', 'AFTER', 'SYMMETRIC'];

/** A linear filter over N points with the permutohedral lattice's `compute` contract. */
export interface DenseFilter {
  readonly pointCount: number;
  /**
   * Filters `valueCount` planar vectors `[value][point]`: `outScale ⊙ F(inScale ⊙ v)`, where
   * `reverse` applies the transpose of F.
   */
  compute(
    values: Float32Array,
    valueCount: number,
    options?: { out?: Float32Array; reverse?: boolean; inScale?: Float32Array; outScale?: Float32Array },
  ): Float32Array;
}

/** Checks a normalization name, listing the valid ones in the error. */
export function assertNormalization(value: string): asserts value is Normalization {
  if (!(NORMALIZATIONS as readonly string[]).includes(value)) {
    throw new RangeError(`normalization must be one of ${NORMALIZATIONS.join(', ')}, got '${value}'`);
  }
}

/** Checks a kernel type (only DIAG). */
export function assertKernelType(value: string): asserts value is KernelType {
  if (value !== 'DIAG') throw new RangeError(`kernel must be 'DIAG' (DIAG_KERNEL), got '${value}'`);
}

/**
 * A Gaussian kernel with normalisation: `apply(Q)` returns `K̃ Q` (see the module comment).
 */
export class DenseKernel {
  readonly normalization: Normalization;
  readonly filter: DenseFilter;
  /** Per-point normalisation factor: 1/(n+1e-20) or 1/√(n+1e-20); empty for NONE (unused). */
  private readonly norm: Float32Array;
  /** `K̃ 1`, made on first use by {@link DenseKernel.filteredOnes}. */
  private ones: Float32Array | undefined;

  constructor(filter: DenseFilter, normalization: Normalization = 'SYMMETRIC') {
    assertNormalization(normalization);
    this.filter = filter;
    this.normalization = normalization;
    const n = filter.pointCount;
    if (normalization === 'NONE') {
      this.norm = new Float32Array(0);
      return;
    }
    // In shared memory when the CRF runs on several threads, so that worker threads can read it.
    this.norm = filter.compute(new Float32Array(n).fill(1), 1, { out: float32s(n, crfThreads() > 1) });
    for (let i = 0; i < n; i++) {
      const s = this.norm[i] + 1e-20;
      this.norm[i] = normalization === 'SYMMETRIC' ? 1 / Math.sqrt(s) : 1 / s;
    }
  }

  /**
   * `K̃ Q` for marginals (`Σ_l Q_l = 1` at every point), filtering only L − 1 labels: by linearity
   * `K̃ Q_{L−1} = K̃ 1 − Σ_{l<L−1} K̃ Q_l`. Exact algebra; the rounding differs from filtering all
   * labels by about float32 epsilon times `K̃ 1` (≈1e-7). Callers must ensure Q sums to 1.
   */
  applyToMarginals(q: Float32Array, labelCount: number, out: Float32Array): Float32Array {
    const head = (labelCount - 1) * this.filter.pointCount;
    this.apply(q.subarray(0, head), labelCount - 1, out.subarray(0, head));
    return this.completeMarginals(out, labelCount);
  }

  /**
   * Given `K̃ Q_l` for labels 0 … L − 2 in `out`, writes the last label's `K̃ 1 − Σ_{l<L−1} K̃ Q_l`
   * (see {@link DenseKernel.applyToMarginals}) and returns `out`.
   */
  completeMarginals(out: Float32Array, labelCount: number): Float32Array {
    const n = this.filter.pointCount;
    completeLastLabel(out, this.filteredOnes(), labelCount, n, 0, n);
    return out;
  }

  /** `K̃ 1`, computed on first use (in shared memory when the CRF runs on several threads). */
  filteredOnes(): Float32Array {
    if (this.ones === undefined) {
      const n = this.filter.pointCount;
      this.ones = this.apply(new Float32Array(n).fill(1), 1, float32s(n, crfThreads() > 1));
    }
    return this.ones;
  }

  /**
   * Writes `K̃ Q` for planar `Q` (`[label][point]`, labelCount × N) into `out`; with `transpose`,
   * `K̃ᵀ Q` (densecrf's applyTranspose: reversed blur order, BEFORE and AFTER swapped).
   */
  apply(q: Float32Array, labelCount: number, out: Float32Array, transpose = false): Float32Array {
    const { scaleBefore, scaleAfter } = this.scaling(transpose);
    return this.filter.compute(q, labelCount, {
      out,
      reverse: transpose,
      inScale: scaleBefore ? this.norm : undefined,
      outScale: scaleAfter ? this.norm : undefined,
    });
  }

  /**
   * The filtering of {@link DenseKernel.apply} as a job for `PermutohedralLattice.computeAll`,
   * which runs the jobs of several kernels at once; undefined when the filter is not a lattice.
   */
  job(q: Float32Array, labelCount: number, out: Float32Array, transpose = false): LatticeJob | undefined {
    if (!(this.filter instanceof PermutohedralLattice)) return undefined;
    const { scaleBefore, scaleAfter } = this.scaling(transpose);
    return {
      lattice: this.filter,
      values: q,
      valueCount: labelCount,
      out,
      reverse: transpose,
      inScale: scaleBefore ? this.norm : undefined,
      outScale: scaleAfter ? this.norm : undefined,
    };
  }

  private scaling(transpose: boolean): { scaleBefore: boolean; scaleAfter: boolean } {
    const scaleBefore =
      this.normalization === 'SYMMETRIC' ||
      (this.normalization === 'BEFORE' && !transpose) ||
      (this.normalization === 'AFTER' && transpose);
    const scaleAfter =
      this.normalization === 'SYMMETRIC' ||
      (this.normalization === 'BEFORE' && transpose) ||
      (this.normalization === 'AFTER' && !transpose);
    return { scaleBefore, scaleAfter };
  }
}

/** Builds the lattice of `features` (`[feature][point]`) and wraps it in a {@link DenseKernel}. */
export function makeLatticeKernel(features: Float32Array, featureCount: number, normalization: Normalization): DenseKernel {
  return new DenseKernel(PermutohedralLattice.init(features, featureCount), normalization);
}
