/**
 * Deletion and insertion curves and their areas (Petsiuk, Das & Saenko, "RISE: Randomized Input
 * Sampling for Explanation of Black-box Models", BMVC 2018, Sec. 4.1).
 *
 * Pixels are ranked by the heatmap, most salient first (ties in raster order). At step
 * k = 0 … S the first `n_k = round(k·N/S)` pixels of the ranking (N = W·H, all channels) are taken
 * from `end`, the rest from `start`, and the model's probability of the class is recorded:
 *
 * - **deletion**: start = the image, end = a baseline (zeros by default): a faithful map makes the
 *   probability fall fast — lower area is better;
 * - **insertion**: start = a blurred copy of the image (RISE's 11-tap Gaussian, σ = 5), end = the
 *   image: the probability should rise fast — higher area is better.
 *
 * The area is the trapezoidal rule over the fractions k/S ∈ [0, 1]:
 * `AUC = (Σ_k p_k − (p_0 + p_S)/2) / S`, RISE's `auc()`.
 */
import * as tf from '@tensorflow/tfjs';
import { Heatmap } from '../types';
import { ClassifierFn, probabilitiesOf } from './classifier';
import { assertFiniteHeatmap } from './heatmapChecks';

/** What replaces (deletion) or starts (insertion) the image. */
export type PerturbationBaseline = 'zeros' | 'blur' | tf.Tensor3D;

/** Options of {@link deletionCurve} and {@link insertionCurve}. */
export interface PerturbationCurveOptions {
  /** Number of steps S; the curve has S + 1 points. @default 100 */
  readonly steps?: number;
  /** Perturbed images per model call. @default 16 */
  readonly batchSize?: number;
  /**
   * The other image: 'zeros', 'blur' (Gaussian blur of the image) or a `[H, W, C]` tensor (not disposed).
   * @default 'zeros' for deletion, 'blur' for insertion (as RISE)
   */
  readonly baseline?: PerturbationBaseline;
  /** σ of the blur baseline, in pixels. @default 5 */
  readonly blurSigma?: number;
  /** Taps of the blur kernel (odd). @default 11 */
  readonly blurKernelSize?: number;
}

/** A deletion or insertion curve. */
export interface PerturbationCurve {
  /** k/S for k = 0 … S. */
  readonly fractions: Float64Array;
  /** Probability of the class at each step. */
  readonly probabilities: Float64Array;
  /** Trapezoidal area under the curve, in [0, 1]. */
  readonly auc: number;
}

/**
 * Trapezoidal area of a curve sampled at equal steps over [0, 1]: `(Σ p_k − (p_0 + p_S)/2) / S`.
 *
 * @throws RangeError with fewer than two points.
 */
export function curveArea(values: ArrayLike<number>): number {
  const n = values.length;
  if (n < 2) throw new RangeError(`a curve needs at least 2 points, got ${n}`);
  let sum = 0;
  for (let k = 0; k < n; k++) sum += values[k];
  return (sum - (values[0] + values[n - 1]) / 2) / (n - 1);
}

/** Rank of every pixel in the order of decreasing saliency (ties: raster order). */
export function saliencyRanks(heatmap: Heatmap): Float32Array {
  const { data } = heatmap;
  const order = Array.from({ length: data.length }, (_, i) => i);
  order.sort((a, b) => data[b] - data[a] || a - b);
  const ranks = new Float32Array(data.length);
  order.forEach((pixel, rank) => (ranks[pixel] = rank));
  return ranks;
}

/** The 1-D normalised Gaussian `g_j ∝ exp(−j²/2σ²)`, j = −r … r. */
function gaussianTaps(size: number, sigma: number): Float32Array {
  const r = (size - 1) / 2;
  const taps = new Float32Array(size);
  let sum = 0;
  for (let j = 0; j < size; j++) {
    taps[j] = Math.exp(-((j - r) ** 2) / (2 * sigma * sigma));
    sum += taps[j];
  }
  return taps.map((t) => t / sum);
}

/**
 * A Gaussian blur of a `[H, W, C]` image: separable, zero padding ('same' size), as RISE's
 * insertion substrate. Returns a new tensor (the caller disposes it); `image` is untouched.
 */
export function gaussianBlur(image: tf.Tensor3D, sigma = 5, kernelSize = 11): tf.Tensor3D {
  if (!(sigma > 0)) throw new RangeError(`blurSigma must be > 0, got ${sigma}`);
  if (!Number.isInteger(kernelSize) || kernelSize < 1 || kernelSize % 2 === 0) {
    throw new RangeError(`blurKernelSize must be an odd positive integer, got ${kernelSize}`);
  }
  const c = image.shape[2];
  const taps = gaussianTaps(kernelSize, sigma);
  const tiled = new Float32Array(kernelSize * c);
  for (let j = 0; j < kernelSize; j++) tiled.fill(taps[j], j * c, (j + 1) * c);
  return tf.tidy(() => {
    const horizontal = tf.tensor4d(tiled, [1, kernelSize, c, 1]);
    const vertical = tf.tensor4d(tiled, [kernelSize, 1, c, 1]);
    const x = tf.expandDims(image, 0) as tf.Tensor4D;
    const blurred = tf.depthwiseConv2d(tf.depthwiseConv2d(x, horizontal, 1, 'same'), vertical, 1, 'same');
    return tf.squeeze(blurred, [0]) as tf.Tensor3D;
  });
}

function resolveSteps(options: PerturbationCurveOptions): { steps: number; batchSize: number } {
  const steps = options.steps ?? 100;
  const batchSize = options.batchSize ?? 16;
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`steps must be a positive integer, got ${steps}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  return { steps, batchSize };
}

function checkInputs(image: tf.Tensor3D, heatmap: Heatmap): void {
  if (image.rank !== 3) throw new RangeError(`image must be [H, W, C], got [${image.shape.join(', ')}]`);
  assertFiniteHeatmap(heatmap);
  const [h, w] = image.shape;
  if (heatmap.width !== w || heatmap.height !== h) {
    throw new RangeError(`heatmap is ${heatmap.width}×${heatmap.height} but the image is ${w}×${h}; resize the map to the image`);
  }
}

function baselineImage(image: tf.Tensor3D, baseline: PerturbationBaseline, options: PerturbationCurveOptions): tf.Tensor3D {
  if (baseline === 'zeros') return tf.zerosLike(image);
  if (baseline === 'blur') return gaussianBlur(image, options.blurSigma ?? 5, options.blurKernelSize ?? 11);
  if (baseline.shape.join() !== image.shape.join()) {
    throw new RangeError(`baseline is [${baseline.shape.join(', ')}] but the image is [${image.shape.join(', ')}]`);
  }
  return tf.clone(baseline);
}

/** Probabilities of the class when the first n_k ranked pixels come from `end`, for a batch of k. */
function probabilitiesAtSteps(
  model: ClassifierFn,
  start: tf.Tensor3D,
  end: tf.Tensor3D,
  ranks: tf.Tensor4D,
  counts: number[],
  classIndex: number,
): tf.Tensor1D {
  return tf.tidy(() => {
    const [h, w, c] = start.shape;
    const shape: [number, number, number, number] = [counts.length, h, w, c];
    const thresholds = tf.tensor4d(counts, [counts.length, 1, 1, 1]);
    const fromEnd = tf.broadcastTo(tf.less(ranks, thresholds), shape);
    const images = tf.where(fromEnd, tf.broadcastTo(end, shape), tf.broadcastTo(start, shape)) as tf.Tensor4D;
    return probabilitiesOf(model, images, counts.map(() => classIndex));
  });
}

async function perturbationCurve(
  model: ClassifierFn,
  image: tf.Tensor3D,
  heatmap: Heatmap,
  classIndex: number,
  options: PerturbationCurveOptions,
  kind: 'deletion' | 'insertion',
): Promise<PerturbationCurve> {
  checkInputs(image, heatmap);
  const { steps, batchSize } = resolveSteps(options);
  const n = heatmap.width * heatmap.height;
  const counts = Array.from({ length: steps + 1 }, (_, k) => Math.round((k * n) / steps));
  const baseline = options.baseline ?? (kind === 'deletion' ? 'zeros' : 'blur');
  const [start, end, ranks] = tf.tidy(() => {
    const other = baselineImage(image, baseline, options);
    const r = tf.tensor4d(saliencyRanks(heatmap), [1, heatmap.height, heatmap.width, 1]);
    return kind === 'deletion' ? [tf.clone(image), other, r] : [other, tf.clone(image), r];
  });
  const probabilities = new Float64Array(steps + 1);
  try {
    for (let from = 0; from <= steps; from += batchSize) {
      const chunk = counts.slice(from, from + batchSize);
      const p = probabilitiesAtSteps(model, start, end, ranks as tf.Tensor4D, chunk, classIndex);
      const values = await p.data();
      p.dispose();
      probabilities.set(values, from);
    }
  } finally {
    tf.dispose([start, end, ranks]);
  }
  const fractions = Float64Array.from(counts, (_, k) => k / steps);
  return { fractions, probabilities, auc: curveArea(probabilities) };
}

/**
 * The deletion curve: the class probability as the most salient pixels are replaced by the
 * baseline (zeros by default), and its area (lower = more faithful).
 *
 * @param model `[N, H, W, C]` → `[N, K]` probabilities; image `[H, W, C]` (not modified);
 *   heatmap of the image's size (any finite values; only the order matters).
 * @throws RangeError for a size mismatch, a NaN map, a bad class index or bad options.
 */
export function deletionCurve(
  model: ClassifierFn,
  image: tf.Tensor3D,
  heatmap: Heatmap,
  classIndex: number,
  options: PerturbationCurveOptions = {},
): Promise<PerturbationCurve> {
  return perturbationCurve(model, image, heatmap, classIndex, options, 'deletion');
}

/**
 * The insertion curve: the class probability as the most salient pixels of the image are pasted
 * into the baseline (a blurred copy by default), and its area (higher = more faithful).
 *
 * @throws RangeError for a size mismatch, a NaN map, a bad class index or bad options.
 */
export function insertionCurve(
  model: ClassifierFn,
  image: tf.Tensor3D,
  heatmap: Heatmap,
  classIndex: number,
  options: PerturbationCurveOptions = {},
): Promise<PerturbationCurve> {
  return perturbationCurve(model, image, heatmap, classIndex, options, 'insertion');
}
