/**
 * The data types shared by every part of wsol-lab, in one place.
 *
 * - {@link Heatmap}: a localization map, row-major, one float per pixel.
 * - {@link Box}: an axis-aligned box in integer pixel indices, both corners inclusive.
 * - {@link RgbImage}: an 8-bit image, interleaved, row-major.
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

/** An 8-bit image: `width × height × channels` bytes, interleaved, row-major. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  /** 1 (grey), 3 (RGB) or 4 (RGBA). @default 3 */
  readonly channels?: 1 | 3 | 4;
  readonly data: Uint8Array;
}

/** Checks an {@link RgbImage}'s size and data length, naming what is wrong. */
export function assertImage(image: RgbImage, what = 'image'): void {
  const channels = image.channels ?? 3;
  if (!Number.isInteger(image.width) || !Number.isInteger(image.height) || image.width <= 0 || image.height <= 0) {
    throw new RangeError(`${what}: width and height must be positive integers, got ${image.width}×${image.height}`);
  }
  if (![1, 3, 4].includes(channels)) throw new RangeError(`${what}: channels must be 1, 3 or 4, got ${channels}`);
  const expected = image.width * image.height * channels;
  if (image.data.length !== expected) {
    throw new RangeError(
      `${what} ${image.width}×${image.height}×${channels}: data must have ${expected} bytes, got ${image.data.length}`,
    );
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
 * 0 = background** (no other values). 8-bit greyscale masks become one by `value > 0 → 1`, the rule
 * of wsolevaluation (Choe et al., CVPR 2020), whose `get_mask` keeps `mask > 0.5` of the raw 0…255
 * grey values ({@link binarizeMask}).
 *
 * `ignore` (optional, same size, 1 = ignored) marks pixels left out of the pixel metrics — PxAP and
 * mask IoU — as OpenImages' ignore regions are in wsolevaluation: a pixel counts neither as object
 * nor as background when `ignore = 1` and `data = 0` (an object pixel is never ignored).
 */
export interface ObjectMask {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
  readonly ignore?: Uint8Array;
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
 * Every parameter of the CRF tuner widget: the fields of `CamCrfOptions` (src/crf/refine-cam.ts),
 * all filled, with one value for both axes of `gaussianSxy` and `bilateralSxy` and for the three
 * channels of `bilateralSrgb`. Assignable to `CamCrfOptions` as it is.
 */
export interface CrfTunerParameters {
  readonly background: 'complement' | 'constant';
  readonly backgroundPower: number;
  readonly backgroundConstant: number;
  /** `unaryFromSoftmax` certainty; undefined: none. */
  readonly scale?: number;
  readonly clip: number;
  readonly gaussianSxy: number;
  readonly gaussianCompat: number;
  readonly bilateralSxy: number;
  readonly bilateralSrgb: number;
  readonly bilateralCompat: number;
  readonly iterations: number;
}

/** Options of `showCrfTuner` / `crfTunerBundle` (src/widgets/crf-tuner.ts). */
export interface CrfTunerOptions {
  /** The true object mask (0/1, image-sized, row-major): the tuner then shows it and the IoU. */
  readonly truth?: Uint8Array | ObjectMask;
  /** Starting parameters. @default the seed notebook's (`CAM_CRF_DEFAULTS`) */
  readonly initial?: import('./crf/refine-cam').CamCrfOptions;
  /** Heading above the widget. */
  readonly title?: string;
  /** Integer display magnification (nearest neighbour). @default the largest ≤ 320 px / the longer side, at least 1 */
  readonly zoom?: number;
}

/** One class of the class explorer: its name, its score and its map (image-sized). */
export interface ExplorerClass {
  readonly name: string;
  /** Shown beside the name, e.g. the softmax probability. */
  readonly score: number;
  readonly heatmap: Heatmap;
}

/** Options of `showClassExplorer` / `classExplorerBundle` (src/widgets/class-explorer.ts). */
export interface ClassExplorerOptions {
  /** The true box, in image pixels: drawn in green, with its IoU against the map's box. */
  readonly truthBox?: Box;
  /** Box threshold, a fraction of the map's maximum. @default 0.2 (`CAM_PROTOCOL_THRESHOLD`) */
  readonly threshold?: number;
  /** Opacity of the colour-mapped heatmap over the image. @default 0.5 */
  readonly alpha?: number;
  /** Index into the classes shown first. @default 0 */
  readonly initial?: number;
  /** Heading above the widget. */
  readonly title?: string;
  /** Integer display magnification (nearest neighbour). @default as {@link CrfTunerOptions.zoom} */
  readonly zoom?: number;
}

/**
 * What the kernel sends a CRF tuner in the page: the image, the heatmap and the truth as base64 of
 * their bytes (float32 little-endian for the heatmap), and the starting parameters.
 */
export interface CrfTunerPayload {
  readonly kind: 'crf-tuner';
  readonly width: number;
  readonly height: number;
  /** `width·height·3` bytes, interleaved RGB. */
  readonly rgb: string;
  /** `width·height` float32 values in [0, 1]. */
  readonly heatmap: string;
  /** `width·height` bytes, 1 = object. */
  readonly truth?: string;
  readonly parameters: CrfTunerParameters;
  readonly zoom: number;
  readonly title?: string;
}

/** What the kernel sends a class explorer in the page (encoding as {@link CrfTunerPayload}). */
export interface ClassExplorerPayload {
  readonly kind: 'class-explorer';
  readonly width: number;
  readonly height: number;
  readonly rgb: string;
  /** Each map: `width·height` float32 values. */
  readonly classes: readonly { readonly name: string; readonly score: number; readonly heatmap: string }[];
  readonly initial: number;
  readonly truthBox?: Box;
  readonly threshold: number;
  readonly alpha: number;
  readonly zoom: number;
  readonly title?: string;
}

/** Anything a widget of the page bundle can mount. */
export type WidgetPayload = CrfTunerPayload | ClassExplorerPayload;

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
