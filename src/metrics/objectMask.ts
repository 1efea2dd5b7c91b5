/**
 * Making and checking {@link ObjectMask}s (1 = object, 0 = background).
 */
import { ObjectMask, assertSize } from '../types';

/**
 * The grey level from which an 8-bit mask pixel counts as object: `v ≥ 1`, any non-zero pixel — the
 * rule of wsolevaluation (Choe et al., CVPR 2020), whose `get_mask` keeps `mask > 0.5` of the raw
 * 0…255 values, for object and ignore masks alike.
 */
export const MASK_OBJECT_LEVEL = 1;

/**
 * The level of this project's exports before they followed wsolevaluation: soft masks
 * `round(255·alpha)` in `mask_localization.txt`, object where `v ≥ 128` (alpha ≥ 0.5).
 */
export const SOFT_MASK_OBJECT_LEVEL = 128;

/**
 * Turns an 8-bit greyscale mask (0…255) into an {@link ObjectMask}: `v ≥ level → 1`.
 *
 * @throws RangeError when `grey` does not hold `width·height` values.
 */
export function binarizeMask(grey: ArrayLike<number>, width: number, height: number, level = MASK_OBJECT_LEVEL): ObjectMask {
  assertSize(width, height, 'mask');
  if (grey.length !== width * height) {
    throw new RangeError(`mask ${width}×${height}: expected width*height = ${width * height} grey values, got ${grey.length}`);
  }
  const data = new Uint8Array(grey.length);
  for (let i = 0; i < grey.length; i++) data[i] = grey[i] >= level ? 1 : 0;
  return { width, height, data };
}

/** Whether pixel `i` of `mask` is left out of the pixel metrics (ignored background, {@link ObjectMask}). */
export function isIgnored(mask: ObjectMask, i: number): boolean {
  return mask.ignore !== undefined && mask.ignore[i] === 1 && mask.data[i] === 0;
}

/**
 * Checks that `mask` is `width × height` with only 0/1 values, and so is its ignore region.
 *
 * @throws RangeError naming the size mismatch or the first value that is neither 0 nor 1.
 */
export function assertObjectMask(mask: ObjectMask, width: number, height: number): void {
  if (mask.width !== width || mask.height !== height) {
    throw new RangeError(`mask is ${mask.width}×${mask.height} but the heatmap is ${width}×${height}; resize one to the other`);
  }
  if (mask.data.length !== width * height) {
    throw new RangeError(`mask ${width}×${height}: data must have ${width * height} values, got ${mask.data.length}`);
  }
  for (let i = 0; i < mask.data.length; i++) {
    const v = mask.data[i];
    if (v !== 0 && v !== 1) {
      throw new RangeError(`mask value ${v} at (x=${i % width}, y=${Math.floor(i / width)}): expected 0 or 1 (use binarizeMask for 8-bit masks)`);
    }
  }
  const { ignore } = mask;
  if (ignore === undefined) return;
  if (ignore.length !== width * height) throw new RangeError(`ignore region ${width}×${height}: must have ${width * height} values, got ${ignore.length}`);
  for (let i = 0; i < ignore.length; i++) {
    if (ignore[i] !== 0 && ignore[i] !== 1) throw new RangeError(`ignore value ${ignore[i]} at (x=${i % width}, y=${Math.floor(i / width)}): expected 0 or 1`);
  }
}
