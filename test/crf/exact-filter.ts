/**
 * Exact O(N²) dense Gaussian filter, kept only for tests:
 * `out[k·N + i] = Σ_j exp(−½ ‖f_i − f_j‖²) · v[k·N + j]` (j = i included), features `[feature][point]`.
 * Implements the same `compute` contract as the permutohedral lattice.
 */
export class ExactGaussianFilter {
  readonly pointCount: number;
  readonly featureCount: number;
  private readonly kernel: Float64Array;

  constructor(features: Float32Array, featureCount: number) {
    const n = features.length / featureCount;
    this.pointCount = n;
    this.featureCount = featureCount;
    this.kernel = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let d2 = 0;
        for (let k = 0; k < featureCount; k++) {
          const diff = features[k * n + i] - features[k * n + j];
          d2 += diff * diff;
        }
        this.kernel[i * n + j] = Math.exp(-0.5 * d2);
      }
    }
  }

  /** The kernel value k(f_i, f_j). */
  weight(i: number, j: number): number {
    return this.kernel[i * this.pointCount + j];
  }

  compute(
    values: Float32Array,
    valueCount: number,
    options: { out?: Float32Array; reverse?: boolean; inScale?: Float32Array; outScale?: Float32Array } = {},
  ): Float32Array {
    const n = this.pointCount;
    const inScale = options.inScale;
    const outScale = options.outScale;
    const out = options.out ?? new Float32Array(valueCount * n);
    const result = new Float64Array(valueCount * n);
    for (let k = 0; k < valueCount; k++) {
      for (let i = 0; i < n; i++) {
        let acc = 0;
        for (let j = 0; j < n; j++) acc += this.kernel[i * n + j] * values[k * n + j] * (inScale ? inScale[j] : 1);
        result[k * n + i] = acc * (outScale ? outScale[i] : 1);
      }
    }
    out.set(result);
    return out;
  }
}
