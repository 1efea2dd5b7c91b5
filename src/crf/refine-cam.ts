/**
 * CAM → mask refinement with a dense CRF: the recipe of the seed's CRF notebook (and of
 * DeepLab-style CAM post-processing), on heatmaps of this library.
 *
 * Labels: 0 = background, c = heatmap c (1 … K). With heatmaps h_c(x) ∈ [0, 1] on the image grid:
 *
 *     p_c(x)  = h_c(x)                                   c = 1 … K
 *     p_0(x)  = (1 − max_c h_c(x))^backgroundPower       background 'complement' (default)
 *     p_0(x)  = backgroundConstant                       background 'constant'
 *     P_l(x)  = p_l(x) / Σ_l′ p_l′(x)                    (uniform when the sum is 0)
 *     U_l(x)  = −log(clip(scale·P_l(x) + (1 − scale)/(K+1), clip, 1))      (unaryFromSoftmax)
 *
 * then mean field with gaussian(sxy, compat) + bilateral(sxy, srgb, compat) on the RGB image.
 * With one heatmap and the complement background, `P_1 = h`, `P_0 = 1 − h` exactly.
 */
import { Heatmap } from '../types';
import { argmaxLabels, DenseCRF2D } from './dense-crf';
import { PerAxis } from './features';
import { unaryFromSoftmax } from './unary';

/**
 * The image under the heatmaps: `width·height·3` bytes, interleaved RGB, row-major — the same
 * shape as the display module's 3-channel images, so one object serves both.
 */
export interface CrfImage {
  readonly width: number;
  readonly height: number;
  /** Interleaved RGB bytes, `data[(y·width + x)·3 + c]`. */
  readonly data: Uint8Array | Uint8ClampedArray;
  /** Must be 3 (or absent). @default 3 */
  readonly channels?: number;
}

/** Options of {@link refineCamWithCrf}; defaults are the seed notebook's. */
export interface CamCrfOptions {
  /** How the background probability is made. @default 'complement' */
  readonly background?: 'complement' | 'constant';
  /** Exponent of the complement background `(1 − max h)^power` (> 0); larger shrinks the background. @default 1 */
  readonly backgroundPower?: number;
  /** The background probability when `background` is 'constant', in (0, 1). @default 0.5 */
  readonly backgroundConstant?: number;
  /** `unaryFromSoftmax` certainty, in (0, 1]. @default undefined (none) */
  readonly scale?: number;
  /** `unaryFromSoftmax` clip. @default 1e-5 */
  readonly clip?: number;
  /** Smoothness kernel: position std in pixels. @default 3 */
  readonly gaussianSxy?: PerAxis<[number, number]>;
  /** Smoothness kernel Potts weight. @default 3 */
  readonly gaussianCompat?: number;
  /** Appearance kernel: position std in pixels. @default 80 */
  readonly bilateralSxy?: PerAxis<[number, number]>;
  /** Appearance kernel: colour std (0…255 units). @default 13 */
  readonly bilateralSrgb?: PerAxis<[number, number, number]>;
  /** Appearance kernel Potts weight. @default 10 */
  readonly bilateralCompat?: number;
  /** Mean-field iterations. @default 5 */
  readonly iterations?: number;
}

/** The defaults of {@link CamCrfOptions}, the seed notebook's (`scale` has none: no certainty). */
export const CAM_CRF_DEFAULTS = {
  background: 'complement',
  backgroundPower: 1,
  backgroundConstant: 0.5,
  clip: 1e-5,
  gaussianSxy: 3,
  gaussianCompat: 3,
  bilateralSxy: 80,
  bilateralSrgb: 13,
  bilateralCompat: 10,
  iterations: 5,
} as const;

/** What {@link refineCamWithCrf} returns. */
export interface CamCrfResult {
  /** Label per pixel (`y·width + x`): 0 background, c for heatmap c − 1. */
  readonly labels: Int32Array;
  /** One binary mask (0/1, row-major) per heatmap: pixels labelled with that heatmap. */
  readonly masks: readonly Uint8Array[];
  /** The CRF marginals, `(K+1) × width·height`, `[label][y·width + x]`. */
  readonly Q: Float32Array;
  /** The label probabilities P fed to the unary, same layout as Q. */
  readonly probabilities: Float32Array;
}

/** Checks that there is at least one heatmap, all of `width × height`, with values in [0, 1]. */
function assertHeatmaps(heatmaps: readonly Heatmap[], width: number, height: number, what: string): void {
  if (heatmaps.length === 0) throw new RangeError(`${what}: give at least one heatmap`);
  heatmaps.forEach((h, c) => {
    if (h.width !== width || h.height !== height || h.data.length !== width * height) {
      throw new RangeError(
        `${what}: heatmap ${c} is ${h.width}×${h.height} (${h.data.length} values); expected ${width}×${height} (${width * height} values)` +
          (what === 'refineCamWithCrf' ? ', the image size — resize it first' : ', the size of heatmap 0'),
      );
    }
    for (let i = 0; i < h.data.length; i++) {
      const v = h.data[i];
      if (!(v >= 0 && v <= 1)) {
        throw new RangeError(`${what}: heatmap ${c} value ${v} at pixel ${i} is outside [0, 1]`);
      }
    }
  });
}

/**
 * Label probabilities from class heatmaps (formula in the module comment): `(K+1) × N`,
 * `[label][pixel]`, label 0 the background.
 *
 * @throws RangeError when there is no heatmap, sizes differ, a value leaves [0, 1], or an option
 *   is out of range.
 */
export function camLabelProbabilities(heatmaps: readonly Heatmap[], options: CamCrfOptions = {}): Float32Array {
  if (heatmaps.length > 0) assertHeatmaps(heatmaps, heatmaps[0].width, heatmaps[0].height, 'camLabelProbabilities');
  else assertHeatmaps(heatmaps, 0, 0, 'camLabelProbabilities');
  const background = options.background ?? CAM_CRF_DEFAULTS.background;
  const power = options.backgroundPower ?? CAM_CRF_DEFAULTS.backgroundPower;
  const constant = options.backgroundConstant ?? CAM_CRF_DEFAULTS.backgroundConstant;
  if (background !== 'complement' && background !== 'constant') {
    throw new RangeError(`background must be 'complement' or 'constant', got '${String(background)}'`);
  }
  if (!(power > 0 && Number.isFinite(power))) throw new RangeError(`backgroundPower must be a finite number > 0, got ${power}`);
  if (!(constant > 0 && constant < 1)) throw new RangeError(`backgroundConstant must be in (0, 1), got ${constant}`);
  const n = heatmaps[0].data.length;
  const labelCount = heatmaps.length + 1;
  const p = new Float32Array(labelCount * n);
  for (let i = 0; i < n; i++) {
    let max = 0;
    let sum = 0;
    for (let c = 0; c < heatmaps.length; c++) {
      const v = heatmaps[c].data[i];
      max = Math.max(max, v);
      sum += v;
    }
    const bg = background === 'constant' ? constant : Math.pow(1 - max, power);
    sum += bg;
    if (sum > 0) {
      p[i] = bg / sum;
      for (let c = 0; c < heatmaps.length; c++) p[(c + 1) * n + i] = heatmaps[c].data[i] / sum;
    } else {
      for (let l = 0; l < labelCount; l++) p[l * n + i] = 1 / labelCount;
    }
  }
  return p;
}

/**
 * Refines one or more class activation maps into masks with a dense CRF (recipe and formula in
 * the module comment; defaults: complement background, clip 1e-5, gaussian(sxy 3, compat 3) +
 * bilateral(sxy 80, srgb 13, compat 10), 5 iterations — the seed notebook's).
 *
 * @example
 * ```ts
 * const { masks } = refineCamWithCrf({ width, height, data: rgb }, heatmap);
 * ```
 * @throws RangeError when a heatmap does not match the image size or leaves [0, 1], the rgb
 *   length is not width·height·3 or channels ≠ 3, or an option is out of range.
 */
export function refineCamWithCrf(image: CrfImage, heatmaps: Heatmap | readonly Heatmap[], options: CamCrfOptions = {}): CamCrfResult {
  const maps: readonly Heatmap[] = Array.isArray(heatmaps) ? heatmaps : [heatmaps as Heatmap];
  if (image.channels !== undefined && image.channels !== 3) {
    throw new RangeError(`refineCamWithCrf: the image must have 3 channels (RGB), got ${image.channels}`);
  }
  assertHeatmaps(maps, image.width, image.height, 'refineCamWithCrf');
  const crf = new DenseCRF2D(image.width, image.height, maps.length + 1);
  const probabilities = camLabelProbabilities(maps, options);
  crf.setUnaryEnergy(
    unaryFromSoftmax(probabilities, { labelCount: maps.length + 1, clip: options.clip ?? CAM_CRF_DEFAULTS.clip, scale: options.scale }),
  );
  crf.addPairwiseGaussian({ sxy: options.gaussianSxy ?? CAM_CRF_DEFAULTS.gaussianSxy, compat: options.gaussianCompat ?? CAM_CRF_DEFAULTS.gaussianCompat });
  crf.addPairwiseBilateral({
    sxy: options.bilateralSxy ?? CAM_CRF_DEFAULTS.bilateralSxy,
    srgb: options.bilateralSrgb ?? CAM_CRF_DEFAULTS.bilateralSrgb,
    rgb: image.data,
    compat: options.bilateralCompat ?? CAM_CRF_DEFAULTS.bilateralCompat,
  });
  const Q = crf.inference(options.iterations ?? CAM_CRF_DEFAULTS.iterations);
  const labels = argmaxLabels(Q, maps.length + 1);
  const masks = maps.map((_, c) => {
    const mask = new Uint8Array(labels.length);
    for (let i = 0; i < labels.length; i++) mask[i] = labels[i] === c + 1 ? 1 : 0;
    return mask;
  });
  return { labels, masks, Q, probabilities };
}
