/**
 * Widget payloads: what the kernel sends a widget in the page (types in src/types.ts), built from
 * the library's own types and decoded back into them. Pure, so the kernel, the page and the tests
 * share it; the kernel checks everything before sending, so a bad argument fails in the cell that
 * passed it, with an error naming it.
 */
import { camLabelProbabilities } from '../crf/refine-cam';
import { CAM_PROTOCOL_THRESHOLD } from '../metrics/boxesFromHeatmap';
import { assertObjectMask } from '../metrics/objectMask';
import {
  assertBoxInside,
  assertImage,
  ClassExplorerOptions,
  ClassExplorerPayload,
  CrfTunerOptions,
  CrfTunerPayload,
  ExplorerClass,
  Heatmap,
  ObjectMask,
  RgbImage,
} from '../types';
import type { ClassExplorerInputs } from './class-explorer-compute';
import type { CrfTunerInputs } from './crf-tuner-compute';
import { tunerParameters } from './crf-tuner-compute';
import { decodeBytes, decodeFloat32, encodeBase64 } from './encoding';

/** Longest side shown without magnification, in CSS pixels. */
const TARGET_SIDE = 320;

/** The default zoom: the largest integer with `zoom · max(width, height) ≤ 320`, at least 1. */
export function defaultZoom(width: number, height: number): number {
  return Math.max(1, Math.floor(TARGET_SIDE / Math.max(width, height)));
}

function checkZoom(zoom: number | undefined, width: number, height: number, what: string): number {
  if (zoom === undefined) return defaultZoom(width, height);
  if (!Number.isInteger(zoom) || zoom < 1 || zoom > 16) throw new RangeError(`${what}: zoom must be an integer in 1…16, got ${zoom}`);
  return zoom;
}

function checkRgb(image: RgbImage, what: string): void {
  assertImage(image, `${what}: image`);
  if ((image.channels ?? 3) !== 3) throw new RangeError(`${what}: the image must be RGB (3 channels), got ${image.channels}`);
}

function checkMapSize(heatmap: Heatmap, image: RgbImage, what: string): void {
  if (heatmap.width !== image.width || heatmap.height !== image.height || heatmap.data.length !== image.width * image.height) {
    throw new RangeError(
      `${what} is ${heatmap.width}×${heatmap.height} (${heatmap.data.length} values); the image is ${image.width}×${image.height}: ` +
        'give maps upsampled to the image (the methods do by default)',
    );
  }
}

function truthMask(truth: Uint8Array | ObjectMask, image: RgbImage): ObjectMask {
  const mask = truth instanceof Uint8Array ? { width: image.width, height: image.height, data: truth } : truth;
  assertObjectMask(mask, image.width, image.height);
  return mask;
}

/**
 * The payload of a CRF tuner on `image` and `heatmap` (see `showCrfTuner`).
 *
 * @throws RangeError when the image is not RGB, the heatmap is not image-sized or leaves [0, 1],
 *   the truth is not an image-sized 0/1 mask, or an option is out of range.
 */
export function crfTunerPayload(image: RgbImage, heatmap: Heatmap, options: CrfTunerOptions = {}): CrfTunerPayload {
  const what = 'showCrfTuner';
  checkRgb(image, what);
  checkMapSize(heatmap, image, `${what}: the heatmap`);
  const parameters = tunerParameters(options.initial);
  camLabelProbabilities([heatmap], parameters); // checks the map's values and the background options
  const truth = options.truth === undefined ? undefined : truthMask(options.truth, image);
  return {
    kind: 'crf-tuner',
    width: image.width,
    height: image.height,
    rgb: encodeBase64(image.data),
    heatmap: encodeBase64(heatmap.data),
    ...(truth ? { truth: encodeBase64(truth.data) } : {}),
    parameters,
    zoom: checkZoom(options.zoom, image.width, image.height, what),
    ...(options.title === undefined ? {} : { title: options.title }),
  };
}

/** The tuner's inputs back from its payload. @throws RangeError naming a field of the wrong size. */
export function crfTunerInputs(payload: CrfTunerPayload): CrfTunerInputs {
  const { width, height } = payload;
  const n = width * height;
  return {
    image: { width, height, channels: 3, data: decodeBytes(payload.rgb, 3 * n, 'CRF tuner image') },
    heatmap: { width, height, data: decodeFloat32(payload.heatmap, n, 'CRF tuner heatmap') },
    ...(payload.truth === undefined ? {} : { truth: { width, height, data: decodeBytes(payload.truth, n, 'CRF tuner truth') } }),
  };
}

/**
 * The payload of a class explorer (see `showClassExplorer`).
 *
 * @throws RangeError when there is no class, a map is not image-sized, a score is not finite, the
 *   true box is not inside the image, or an option is out of range.
 */
export function classExplorerPayload(image: RgbImage, classes: readonly ExplorerClass[], options: ClassExplorerOptions = {}): ClassExplorerPayload {
  const what = 'showClassExplorer';
  checkRgb(image, what);
  if (classes.length === 0) throw new RangeError(`${what}: give at least one class`);
  classes.forEach((c, i) => {
    checkMapSize(c.heatmap, image, `${what}: the map of class ${i} ('${c.name}')`);
    if (!Number.isFinite(c.score)) throw new RangeError(`${what}: the score of class ${i} ('${c.name}') is ${c.score}`);
  });
  if (options.truthBox !== undefined) assertBoxInside(options.truthBox, image.width, image.height);
  const threshold = options.threshold ?? CAM_PROTOCOL_THRESHOLD;
  if (!(threshold >= 0 && threshold <= 1)) throw new RangeError(`${what}: threshold must be in [0, 1], got ${threshold}`);
  const alpha = options.alpha ?? 0.5;
  if (!(alpha >= 0 && alpha <= 1)) throw new RangeError(`${what}: alpha must be in [0, 1], got ${alpha}`);
  const initial = options.initial ?? 0;
  if (!Number.isInteger(initial) || initial < 0 || initial >= classes.length) {
    throw new RangeError(`${what}: initial must be a class index in 0…${classes.length - 1}, got ${initial}`);
  }
  return {
    kind: 'class-explorer',
    width: image.width,
    height: image.height,
    rgb: encodeBase64(image.data),
    classes: classes.map((c) => ({ name: c.name, score: c.score, heatmap: encodeBase64(c.heatmap.data) })),
    initial,
    ...(options.truthBox === undefined ? {} : { truthBox: options.truthBox }),
    threshold,
    alpha,
    zoom: checkZoom(options.zoom, image.width, image.height, what),
    ...(options.title === undefined ? {} : { title: options.title }),
  };
}

/** The explorer's inputs back from its payload. @throws RangeError naming a field of the wrong size. */
export function classExplorerInputs(payload: ClassExplorerPayload): ClassExplorerInputs {
  const { width, height } = payload;
  const n = width * height;
  return {
    image: { width, height, channels: 3, data: decodeBytes(payload.rgb, 3 * n, 'class explorer image') },
    classes: payload.classes.map((c) => ({
      name: c.name,
      score: c.score,
      heatmap: { width, height, data: decodeFloat32(c.heatmap, n, `class explorer map of '${c.name}'`) },
    })),
    ...(payload.truthBox === undefined ? {} : { truthBox: payload.truthBox }),
  };
}
