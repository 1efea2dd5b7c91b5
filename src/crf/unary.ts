/**
 * Unary energies for the dense CRF, as pydensecrf's `utils.unary_from_softmax` and
 * `utils.unary_from_labels`. The unary of label l at point i is `U[l·N + i] = −log P_i(l)`.
 *
 * Layout: every array here is planar, `[label][point]` (`[label][y·width + x]` for images).
 */

/** Options of {@link unaryFromSoftmax}. */
export interface UnaryFromSoftmaxOptions {
  /**
   * Number of labels L of a flat `[label][point]` array. Needed only with `scale` (for the uniform
   * 1/L) and checked when given; an array of planes carries its own L.
   * @default the number of planes, else unknown
   */
  readonly labelCount?: number;
  /**
   * Certainty of the probabilities: when set, `P ← scale·P + (1 − scale)/L` (0 < scale ≤ 1),
   * so a probability of 0 becomes uniform and 1 becomes `scale`.
   * @default undefined (no scaling)
   */
  readonly scale?: number;
  /**
   * Probabilities are clipped to `[clip, 1]` before the logarithm, so 0 does not give ∞.
   * `null` disables clipping.
   * @default 1e-5
   */
  readonly clip?: number | null;
}

function assertPlanar(values: ArrayLike<number>, labelCount: number, what: string): number {
  if (!Number.isInteger(labelCount) || labelCount < 2) {
    throw new RangeError(`${what}: labelCount must be an integer ≥ 2, got ${labelCount}`);
  }
  if (values.length === 0 || values.length % labelCount !== 0) {
    throw new RangeError(
      `${what}: expected labelCount × N = ${labelCount} × N values laid out [label][point] (N ≥ 1), got ${values.length}`,
    );
  }
  return values.length / labelCount;
}

/** Probabilities laid out `[label][point]`: one flat array, or one plane per label. */
export type LabelProbabilities = ArrayLike<number> | ReadonlyArray<ArrayLike<number>>;

function isPlaneList(p: LabelProbabilities): p is ReadonlyArray<ArrayLike<number>> {
  return Array.isArray(p) && p.length > 0 && typeof p[0] === 'object' && p[0] !== null;
}

/** Flattens planes into one `[label][point]` array and finds L (undefined when unknown). */
function flattenProbabilities(p: LabelProbabilities, labelCount: number | undefined): { flat: ArrayLike<number>; labelCount?: number } {
  if (!isPlaneList(p)) {
    if (labelCount !== undefined) assertPlanar(p, labelCount, 'unaryFromSoftmax');
    else if (p.length === 0) throw new RangeError('unaryFromSoftmax: probabilities must not be empty');
    return { flat: p, labelCount };
  }
  const n = p[0].length;
  p.forEach((plane, l) => {
    if (plane.length !== n) {
      throw new RangeError(`unaryFromSoftmax: every label plane must have N = ${n} values (plane 0), plane ${l} has ${plane.length}`);
    }
  });
  if (labelCount !== undefined && labelCount !== p.length) {
    throw new RangeError(`unaryFromSoftmax: options.labelCount is ${labelCount} but ${p.length} planes were given`);
  }
  const flat = new Float32Array(p.length * n);
  p.forEach((plane, l) => flat.set(plane, l * n));
  assertPlanar(flat, p.length, 'unaryFromSoftmax');
  return { flat, labelCount: p.length };
}

/**
 * Unary energy from class probabilities (pydensecrf's `unary_from_softmax`):
 * `U = −log(clip(scale·P + (1 − scale)/L, clip, 1))`.
 *
 * @example
 * ```ts
 * crf.setUnaryEnergy(unaryFromSoftmax(probs, { clip: 1e-5 }));   // probs: Float32Array [label][y*width+x]
 * ```
 * @param probabilities `[label][point]` values in [0, 1]: a flat `L × N` array or L planes of N.
 * @returns a new Float32Array `[label][point]` of the same total length.
 * @throws RangeError on a wrong length, a non-finite probability, scale/clip out of range, or
 *   `scale` without a known label count.
 */
export function unaryFromSoftmax(probabilities: LabelProbabilities, options: UnaryFromSoftmaxOptions = {}): Float32Array {
  const { flat, labelCount } = flattenProbabilities(probabilities, options.labelCount);
  const { scale } = options;
  const clip = options.clip === undefined ? 1e-5 : options.clip;
  if (scale !== undefined && !(scale > 0 && scale <= 1)) {
    throw new RangeError(`unaryFromSoftmax: scale must be in (0, 1], got ${scale}`);
  }
  if (scale !== undefined && labelCount === undefined) {
    throw new RangeError('unaryFromSoftmax: scale needs the label count: pass options.labelCount or one plane per label');
  }
  if (clip !== null && !(clip > 0 && clip <= 1)) {
    throw new RangeError(`unaryFromSoftmax: clip must be in (0, 1] or null, got ${clip}`);
  }
  const unary = new Float32Array(flat.length);
  for (let i = 0; i < flat.length; i++) {
    let p = flat[i];
    if (!Number.isFinite(p)) throw new RangeError(`unaryFromSoftmax: probability ${i} is ${p}; must be finite`);
    if (scale !== undefined) p = scale * p + (1 - scale) / (labelCount as number);
    if (clip !== null) p = Math.min(Math.max(p, clip), 1);
    unary[i] = -Math.log(p);
  }
  return unary;
}

/** Options of {@link unaryFromLabels}. */
export interface UnaryFromLabelsOptions {
  /**
   * Treat label value 0 as "unsure" (uniform probability) and values 1…L as labels 0…L−1, as
   * pydensecrf's default. When false, values 0…L−1 are the labels.
   * @default true
   */
  readonly zeroUnsure?: boolean;
}

/**
 * Unary energy from a hard annotation trusted with probability `gtProb`:
 * `U = −log(gtProb)` for the annotated label, `−log((1 − gtProb)/(L − 1))` for the others, and
 * `−log(1/L)` everywhere at unsure points (value 0 with `zeroUnsure`).
 *
 * @param labels one integer per point.
 * @param labelCount L (not counting the "unsure" 0 when `zeroUnsure`).
 * @param gtProb certainty of the annotation, in (0, 1).
 * @returns a new Float32Array `[label][point]`, `labelCount × labels.length`.
 * @throws RangeError on gtProb out of range, labelCount < 2, or a label value out of range.
 */
export function unaryFromLabels(
  labels: ArrayLike<number>,
  labelCount: number,
  gtProb: number,
  options: UnaryFromLabelsOptions = {},
): Float32Array {
  const zeroUnsure = options.zeroUnsure ?? true;
  if (!Number.isInteger(labelCount) || labelCount < 2) {
    throw new RangeError(`unaryFromLabels: labelCount must be an integer ≥ 2, got ${labelCount}`);
  }
  if (!(gtProb > 0 && gtProb < 1)) throw new RangeError(`unaryFromLabels: gtProb must be in (0, 1), got ${gtProb}`);
  const n = labels.length;
  if (n === 0) throw new RangeError('unaryFromLabels: labels must hold at least one point');
  const other = -Math.log((1 - gtProb) / (labelCount - 1));
  const annotated = -Math.log(gtProb);
  const unsure = -Math.log(1 / labelCount);
  const maxValue = zeroUnsure ? labelCount : labelCount - 1;
  const unary = new Float32Array(labelCount * n).fill(other);
  for (let i = 0; i < n; i++) {
    const value = labels[i];
    if (!Number.isInteger(value) || value < 0 || value > maxValue) {
      throw new RangeError(`unaryFromLabels: labels[${i}] = ${value}; expected an integer in 0…${maxValue}`);
    }
    if (zeroUnsure && value === 0) {
      for (let l = 0; l < labelCount; l++) unary[l * n + i] = unsure;
    } else {
      unary[(zeroUnsure ? value - 1 : value) * n + i] = annotated;
    }
  }
  return unary;
}
