/**
 * What the CRF tuner computes for one set of parameters, apart from any drawing: the dense CRF
 * mask of `refineCamWithCrf` (Krähenbühl & Koltun, NIPS 2011; the seed notebook's recipe), its IoU
 * with the true mask, `IoU = |M ∩ T| / |M ∪ T|` (`maskIoU` at 0.5 on the 0/1 mask, as cam_crf.ipynb
 * scores it), and the mask shaded over the image. The page runs it in a Web Worker; the kernel and
 * the tests run the same function.
 */
import { CAM_CRF_DEFAULTS, CamCrfOptions, refineCamWithCrf } from '../crf/refine-cam';
import { outlineMask, overlayMask } from '../draw/overlay';
import { maskIoU } from '../metrics/maskIoU';
import { CrfTunerParameters, Heatmap, makeHeatmap, ObjectMask, RgbImage } from '../types';

/** Tint of the CRF mask (cam_crf.ipynb's); `outlineMask` edges it in yellow, visible on red objects too. */
export const CRF_MASK_COLOR: readonly [number, number, number] = [230, 30, 30];
/** Tint of the true mask. */
export const TRUTH_MASK_COLOR: readonly [number, number, number] = [30, 200, 30];
/** Opacity of both tints. */
export const MASK_ALPHA = 0.4;

/** A 0/1 mask tinted over the image with a yellow edge, as cam_crf.ipynb draws masks. */
export function shadeMask(image: RgbImage, mask: Uint8Array, color: readonly [number, number, number]): RgbImage {
  return outlineMask(overlayMask(image, mask, color, MASK_ALPHA), mask);
}

/** The fixed inputs of a tuner: the image, the CAM and (optionally) the true mask. */
export interface CrfTunerInputs {
  readonly image: RgbImage;
  readonly heatmap: Heatmap;
  readonly truth?: ObjectMask;
}

/** One recompute's result. */
export interface CrfTunerResult {
  /** 0/1 per pixel, row-major: the pixels the CRF labels object. */
  readonly mask: Uint8Array;
  /** IoU of the mask with the true mask, when there is one. */
  readonly iou?: number;
  /** The mask shaded over the image ({@link shadeMask}, {@link CRF_MASK_COLOR}). */
  readonly overlay: RgbImage;
  /** Wall time of `refineCamWithCrf`, in milliseconds. */
  readonly milliseconds: number;
}

/** A single value from a per-axis option (all axes equal), or an error naming the option. */
function single(value: number | readonly number[] | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number') return value;
  if (value.length === 0 || value.some((v) => v !== value[0])) {
    throw new RangeError(`CRF tuner: ${name} must be one value for every axis, got [${value.join(', ')}]`);
  }
  return value[0];
}

/**
 * Every tuner parameter from `CamCrfOptions`, defaults filled in ({@link CAM_CRF_DEFAULTS}).
 *
 * @throws RangeError when a per-axis option has different values per axis (the tuner has one control each).
 */
export function tunerParameters(options: CamCrfOptions = {}): CrfTunerParameters {
  const d = CAM_CRF_DEFAULTS;
  return {
    background: options.background ?? d.background,
    backgroundPower: options.backgroundPower ?? d.backgroundPower,
    backgroundConstant: options.backgroundConstant ?? d.backgroundConstant,
    ...(options.scale === undefined ? {} : { scale: options.scale }),
    clip: options.clip ?? d.clip,
    gaussianSxy: single(options.gaussianSxy, d.gaussianSxy, 'gaussianSxy'),
    gaussianCompat: options.gaussianCompat ?? d.gaussianCompat,
    bilateralSxy: single(options.bilateralSxy, d.bilateralSxy, 'bilateralSxy'),
    bilateralSrgb: single(options.bilateralSrgb, d.bilateralSrgb, 'bilateralSrgb'),
    bilateralCompat: options.bilateralCompat ?? d.bilateralCompat,
    iterations: options.iterations ?? d.iterations,
  };
}

/** A 0/1 mask as a heatmap, for `maskIoU`. */
export function maskAsHeatmap(mask: Uint8Array, width: number, height: number): Heatmap {
  return makeHeatmap(width, height, Float32Array.from(mask));
}

/** The mask, IoU and overlay for `parameters` (see the module comment). */
export function computeCrfTuner(inputs: CrfTunerInputs, parameters: CrfTunerParameters): CrfTunerResult {
  const started = performance.now();
  const [mask] = refineCamWithCrf(inputs.image, inputs.heatmap, parameters).masks;
  const milliseconds = performance.now() - started;
  const { width, height } = inputs.image;
  const iou = inputs.truth ? maskIoU(maskAsHeatmap(mask, width, height), inputs.truth, 0.5) : undefined;
  return { mask, iou, overlay: shadeMask(inputs.image, mask, CRF_MASK_COLOR), milliseconds };
}

/** A number as code: shortest exact form (`1e-5`, `0.35`, `80`). */
function numberLiteral(value: number): string {
  return String(value);
}

/**
 * The parameters as a `CamCrfOptions` object literal to paste back into a cell, e.g.
 * `{ gaussianSxy: 3, gaussianCompat: 3, …, iterations: 5 }`; `backgroundConstant` only with the
 * constant background, `scale` only when set.
 */
export function crfOptionsLiteral(p: CrfTunerParameters): string {
  const fields: [string, string][] = [
    ['gaussianSxy', numberLiteral(p.gaussianSxy)],
    ['gaussianCompat', numberLiteral(p.gaussianCompat)],
    ['bilateralSxy', numberLiteral(p.bilateralSxy)],
    ['bilateralSrgb', numberLiteral(p.bilateralSrgb)],
    ['bilateralCompat', numberLiteral(p.bilateralCompat)],
    ['iterations', numberLiteral(p.iterations)],
    ['background', `'${p.background}'`],
    p.background === 'constant'
      ? ['backgroundConstant', numberLiteral(p.backgroundConstant)]
      : ['backgroundPower', numberLiteral(p.backgroundPower)],
    ['clip', numberLiteral(p.clip)],
  ];
  if (p.scale !== undefined) fields.push(['scale', numberLiteral(p.scale)]);
  return `{ ${fields.map(([k, v]) => `${k}: ${v}`).join(', ')} }`;
}
