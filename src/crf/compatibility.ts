/**
 * Label compatibility μ of a dense CRF pairwise term, as in densecrf / pydensecrf.
 *
 * A pairwise term adds `−μ(K̃Q)` to the negative energy of mean-field inference, where `K̃Q` is the
 * (normalised) kernel-filtered marginal of each label. pydensecrf's three forms, with its signs:
 *
 * - **Potts** (a number `w`): `μ(K̃Q)_l = −w · (K̃Q)_l`. Labels agreeing with similar pixels are
 *   rewarded; equivalent to the energy `w·[l ≠ l′]` (Krähenbühl & Koltun 2011, eq. 3).
 * - **Diagonal** (a vector `w`, one per label): `μ(K̃Q)_l = w_l · (K̃Q)_l` — note: no minus sign, as in
 *   densecrf, so `−w` reproduces Potts with per-label weights.
 * - **Matrix** (`L × L`): `μ(K̃Q)_l = Σ_l′ W_ll′ (K̃Q)_l′` with `W = ½ (M + Mᵀ)` (densecrf symmetrises).
 */

import { CompatibilityData, subtractCompatibility } from './loops';

/** A compatibility as the user gives it: Potts weight, per-label diagonal, or an `L × L` matrix (rows). */
export type CompatibilitySpec = number | ArrayLike<number> | ReadonlyArray<ArrayLike<number>>;

/** A label compatibility applied in place to planar values `[label][point]`. */
export interface LabelCompatibility {
  /** `'potts' | 'diagonal' | 'matrix'`. */
  readonly kind: 'potts' | 'diagonal' | 'matrix';
  /** The same as plain data, for the loops that worker threads run (loops.ts). */
  readonly data: CompatibilityData;
  /** Replaces `values` (L × N, `[label][point]`) by μ(values). */
  applyInPlace(values: Float32Array, labelCount: number, scratch: Float32Array): void;
  /** `out = base − μ(values)` without changing `values` (one pass; `out` may be `base`). */
  subtractFrom(base: Float32Array, values: Float32Array, labelCount: number, scratch: Float32Array, out: Float32Array): void;
}

/** `out = base − μ(values)` at every point (see loops.ts's subtractCompatibility). */
function subtractAll(
  data: CompatibilityData,
  base: Float32Array,
  values: Float32Array,
  labelCount: number,
  scratch: Float32Array,
  out: Float32Array,
): void {
  const n = values.length / labelCount;
  subtractCompatibility(data, base, values, labelCount, n, 0, n, scratch, out);
}

function isMatrixSpec(spec: CompatibilitySpec): spec is ReadonlyArray<ArrayLike<number>> {
  return Array.isArray(spec) && spec.length > 0 && typeof spec[0] === 'object' && spec[0] !== null;
}

function assertFinite(value: number, what: string): void {
  if (!Number.isFinite(value)) throw new RangeError(`compat: ${what} must be finite, got ${value}`);
}

class PottsCompatibility implements LabelCompatibility {
  readonly kind = 'potts' as const;
  readonly data: CompatibilityData;
  constructor(private readonly weight: number) {
    this.data = { kind: 'potts', weight };
  }
  applyInPlace(values: Float32Array): void {
    const w = -this.weight;
    for (let i = 0; i < values.length; i++) values[i] *= w;
  }
  subtractFrom(base: Float32Array, values: Float32Array, labelCount: number, scratch: Float32Array, out: Float32Array): void {
    subtractAll(this.data, base, values, labelCount, scratch, out);
  }
}

class DiagonalCompatibility implements LabelCompatibility {
  readonly kind = 'diagonal' as const;
  readonly data: CompatibilityData;
  constructor(private readonly weights: Float32Array) {
    this.data = { kind: 'diagonal', weights };
  }
  applyInPlace(values: Float32Array, labelCount: number): void {
    const n = values.length / labelCount;
    for (let l = 0; l < labelCount; l++) {
      const w = this.weights[l];
      for (let i = l * n, end = i + n; i < end; i++) values[i] *= w;
    }
  }
  subtractFrom(base: Float32Array, values: Float32Array, labelCount: number, scratch: Float32Array, out: Float32Array): void {
    subtractAll(this.data, base, values, labelCount, scratch, out);
  }
}

class MatrixCompatibility implements LabelCompatibility {
  readonly kind = 'matrix' as const;
  readonly data: CompatibilityData;
  constructor(private readonly matrix: Float32Array) {
    this.data = { kind: 'matrix', matrix };
  }
  applyInPlace(values: Float32Array, labelCount: number, scratch: Float32Array): void {
    const n = values.length / labelCount;
    const w = this.matrix;
    for (let i = 0; i < n; i++) {
      for (let l = 0; l < labelCount; l++) scratch[l] = values[l * n + i];
      for (let l = 0; l < labelCount; l++) {
        let acc = 0;
        for (let m = 0; m < labelCount; m++) acc += w[l * labelCount + m] * scratch[m];
        values[l * n + i] = acc;
      }
    }
  }
  subtractFrom(base: Float32Array, values: Float32Array, labelCount: number, scratch: Float32Array, out: Float32Array): void {
    subtractAll(this.data, base, values, labelCount, scratch, out);
  }
}

/**
 * Builds the label compatibility from its spec, as pydensecrf's `compat` argument: a number is
 * Potts, a flat array of `labelCount` numbers is diagonal, an array of `labelCount` rows of
 * `labelCount` numbers is a full matrix (symmetrised to `½ (M + Mᵀ)`).
 *
 * @throws RangeError naming the expected length or shape, or a non-finite entry.
 */
export function makeCompatibility(spec: CompatibilitySpec, labelCount: number): LabelCompatibility {
  if (typeof spec === 'number') {
    assertFinite(spec, 'Potts weight');
    return new PottsCompatibility(spec);
  }
  if (isMatrixSpec(spec)) {
    if (spec.length !== labelCount || spec.some((row) => row.length !== labelCount)) {
      const shape = `${spec.length}×[${spec.map((row) => row.length).join(',')}]`;
      throw new RangeError(`compat: a matrix must be ${labelCount}×${labelCount} (labels × labels), got ${shape}`);
    }
    const matrix = new Float32Array(labelCount * labelCount);
    for (let a = 0; a < labelCount; a++) {
      for (let b = 0; b < labelCount; b++) {
        assertFinite(spec[a][b], `matrix entry [${a}][${b}]`);
        matrix[a * labelCount + b] = 0.5 * (spec[a][b] + spec[b][a]);
      }
    }
    return new MatrixCompatibility(matrix);
  }
  if (spec === null || typeof spec !== 'object' || typeof (spec as ArrayLike<number>).length !== 'number') {
    throw new TypeError('compat must be a number (Potts), an array of labelCount numbers (diagonal) or labelCount rows (matrix)');
  }
  const diagonal = spec as ArrayLike<number>;
  if (diagonal.length !== labelCount) {
    throw new RangeError(`compat: a diagonal must have one weight per label, ${labelCount} values, got ${diagonal.length}`);
  }
  const weights = new Float32Array(labelCount);
  for (let l = 0; l < labelCount; l++) {
    assertFinite(diagonal[l], `diagonal entry ${l}`);
    weights[l] = diagonal[l];
  }
  return new DiagonalCompatibility(weights);
}
