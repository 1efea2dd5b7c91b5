/**
 * The data types shared by every part of wsol-lab, in one place.
 *
 * - {@link Heatmap}: a localization map, row-major, one float per pixel.
 * - {@link Box}: an axis-aligned box in integer pixel indices, both corners inclusive.
 */

/**
 * A localization map: `width × height` floats in row-major order (`data[y * width + x]`).
 *
 * Maps returned by the localization methods are normalised to [0, 1]; a constant map is all
 * zeros, never NaN.
 */
export interface Heatmap {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

/**
 * An axis-aligned box in integer pixel indices, **both corners inclusive**: the box covers the
 * pixels `x0 ≤ x ≤ x1`, `y0 ≤ y ≤ y1`, so its width is `x1 − x0 + 1` and a single pixel is
 * `{ x0: x, y0: y, x1: x, y1: y }`.
 *
 * This is the convention of the CAM paper's evaluation code and of wsolevaluation
 * (Choe et al., CVPR 2020), whose `localization.txt` files store `x0,y0,x1,y1` this way; keeping it
 * makes IoU values comparable with theirs.
 */
export interface Box {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

/** Checks that `width` and `height` are positive integers, naming `what` in the error. */
export function assertSize(width: number, height: number, what = 'size'): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`${what}: width and height must be positive integers, got ${width}×${height}`);
  }
}

/**
 * Makes a {@link Heatmap}, checking that `data` holds exactly `width × height` values.
 *
 * @throws RangeError naming the expected length when it does not.
 */
export function makeHeatmap(width: number, height: number, data: Float32Array): Heatmap {
  assertSize(width, height, 'heatmap');
  if (data.length !== width * height) {
    throw new RangeError(
      `heatmap ${width}×${height}: data must have width*height = ${width * height} values, got ${data.length}`,
    );
  }
  return { width, height, data };
}

/**
 * Checks that `box` is a valid inclusive box inside a `width × height` image.
 *
 * @throws RangeError naming the offending coordinate.
 */
export function assertBoxInside(box: Box, width: number, height: number): void {
  const { x0, y0, x1, y1 } = box;
  for (const [name, v] of Object.entries({ x0, y0, x1, y1 })) {
    if (!Number.isInteger(v)) throw new RangeError(`box.${name} must be an integer pixel index, got ${v}`);
  }
  if (x0 > x1 || y0 > y1) throw new RangeError(`box corners out of order: (${x0},${y0})–(${x1},${y1})`);
  if (x0 < 0 || y0 < 0 || x1 >= width || y1 >= height) {
    throw new RangeError(`box (${x0},${y0})–(${x1},${y1}) is not inside a ${width}×${height} image`);
  }
}

/**
 * A ground-truth object mask: `width × height` bytes in row-major order, **1 = object,
 * 0 = background** (no other values). 8-bit greyscale masks with soft alpha (0…255) become one by
 * `value ≥ 128 → 1` — the rule of the dataset layout, wsolevaluation's `mask > 0.5` on `mask / 255`.
 */
export interface ObjectMask {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/**
 * A localization target: picks the one scalar to explain from one image's **pre-softmax** class
 * scores (a 1-D tensor of length `numClasses`), with differentiable tfjs ops.
 *
 * Methods take one target per image of a batch. Build targets with `classTarget(i)`,
 * `topClassTarget()`, `softmaxTarget(i)`, `classSumTarget([i, j])` or write your own, e.g.
 * `(scores) => scores.gather(3).sub(scores.gather(5))`; a target throws a `RangeError` when the
 * scores are too short for it.
 */
export type Target = (scores: import('@tensorflow/tfjs').Tensor1D) => import('@tensorflow/tfjs').Scalar;

/**
 * What to explain: a {@link Target}, a class index (same as `classTarget(index)`), or one of those
 * per image of the batch.
 */
export type TargetSpec = Target | number | ReadonlyArray<Target | number>;

/**
 * An image-sized gradient (guided backpropagation, guided Grad-CAM): `width × height × channels`
 * floats in row-major, channel-last order (`data[(y * width + x) * channels + c]`), raw values
 * (not normalised, can be negative).
 */
export interface GradientImage {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly data: Float32Array;
}

/**
 * Makes a {@link GradientImage}, checking that `data` holds exactly `width × height × channels` values.
 *
 * @throws RangeError naming the expected length when it does not.
 */
export function makeGradientImage(width: number, height: number, channels: number, data: Float32Array): GradientImage {
  assertSize(width, height, 'gradient image');
  if (!Number.isInteger(channels) || channels <= 0) {
    throw new RangeError(`gradient image: channels must be a positive integer, got ${channels}`);
  }
  if (data.length !== width * height * channels) {
    throw new RangeError(
      `gradient image ${width}×${height}×${channels}: data must have width*height*channels = ${width * height * channels} values, got ${data.length}`,
    );
  }
  return { width, height, channels, data };
}

/**
 * Post-processing parameters of a shipped model tuned on its val split (never on test), per
 * localization method (`calibration.cam`, …), as written by `npm run tune:crf` into
 * `manifest.json` (src/calibrate).
 */
export interface ModelCalibration {
  readonly [method: string]: MethodCalibration | undefined;
}

/** The calibration of one localization method of a model. */
export interface MethodCalibration {
  /** Dense-CRF parameters that maximise the mean mask IoU on val (src/calibrate/crf-search.ts). */
  readonly crf?: CrfCalibration;
  /** Box threshold that maximises MaxBoxAcc on val (src/calibrate/box-threshold.ts). */
  readonly boxThreshold?: BoxThresholdCalibration;
}

/** Figures of one way of post-processing on the calibration split (fractions in [0, 1]). */
export interface CalibrationScores {
  readonly maskIoU: number;
  readonly gtKnownLoc: number;
  readonly maxBoxAccV2: number;
  readonly pxap: number;
}

/** A calibrated CRF (see {@link MethodCalibration}). */
export interface CrfCalibration {
  readonly options: import('./crf/refine-cam').CamCrfOptions;
  /** Where and how it was tuned: split, images, trials, seed, command, date. */
  readonly split: string;
  readonly images: number;
  readonly trials: number;
  readonly seed: number;
  readonly command: string;
  readonly date: string;
  /** The heatmaps without CRF, with the seed preset, and with the calibrated parameters. */
  readonly scores: { readonly none: CalibrationScores; readonly seed: CalibrationScores; readonly calibrated: CalibrationScores };
}

/** A calibrated box threshold (see {@link MethodCalibration}). */
export interface BoxThresholdCalibration {
  /** Fraction of the map's max; boxes around the largest component above it. */
  readonly threshold: number;
  /** MaxBoxAcc (IoU ≥ 0.5) on the calibration split at {@link threshold}. */
  readonly maxBoxAcc: number;
  /** The CAM paper's threshold (0.2) and the accuracy it gives on the same split. */
  readonly paperThreshold: number;
  readonly accuracyAtPaperThreshold: number;
  readonly split: string;
  readonly images: number;
}
