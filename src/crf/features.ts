/**
 * Per-pixel features of the two pairwise kernels of Krähenbühl & Koltun (NIPS 2011, eq. 3):
 *
 *     k(f_i, f_j) = w⁽¹⁾ exp(−|p_i − p_j|²/2θ_α² − |I_i − I_j|²/2θ_β²)   (bilateral, "appearance")
 *                 + w⁽²⁾ exp(−|p_i − p_j|²/2θ_γ²)                         (Gaussian, "smoothness")
 *
 * Dividing each coordinate by its standard deviation turns each into `exp(−½‖f_i − f_j‖²)`, which
 * the permutohedral lattice filters. `sxy` is θ_α or θ_γ, `srgb` is θ_β.
 *
 * Layout: features are planar, `[feature][y·width + x]`; x is the column. (pydensecrf's
 * `DenseCRF2D` uses the same x-first order; its `utils.create_pairwise_*` put y first.)
 */
import { assertSize } from '../types';

/** One number for every axis, or one per axis. */
export type PerAxis<T extends number[]> = number | Readonly<T>;

/**
 * One scale per axis, rounded to float32 as densecrf receives them (its `float sx, …` parameters),
 * so that features such as x / 0.3 match the C++ exactly.
 */
function perAxis(value: number | readonly number[], count: number, what: string, axes: string): number[] {
  const values = typeof value === 'number' ? new Array<number>(count).fill(value) : Array.from(value);
  if (values.length !== count) {
    throw new RangeError(`${what} must be one number or ${count} numbers (${axes}), got ${values.length}`);
  }
  values.forEach((v, i) => {
    if (!Number.isFinite(v) || v <= 0) {
      throw new RangeError(`${what}[${i}] (${axes.split(', ')[i]}) must be a finite number > 0, got ${v}`);
    }
  });
  return values.map(Math.fround);
}

/**
 * Position features `(x/sx, y/sy)` of every pixel: 2 × (width·height) values, `[feature][pixel]`.
 *
 * @param sxy θ_γ in pixels: one number, or `[sx, sy]`.
 */
export function gaussianFeatures(width: number, height: number, sxy: PerAxis<[number, number]>): Float32Array {
  assertSize(width, height, 'gaussian features');
  const [sx, sy] = perAxis(sxy, 2, 'sxy', 'x, y');
  const n = width * height;
  const features = new Float32Array(2 * n);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      features[y * width + x] = x / sx;
      features[n + y * width + x] = y / sy;
    }
  }
  return features;
}

/**
 * Position-and-colour features `(x/sx, y/sy, R/sr, G/sg, B/sb)` of every pixel:
 * 5 × (width·height) values, `[feature][pixel]`.
 *
 * @param sxy θ_α in pixels: one number, or `[sx, sy]`.
 * @param srgb θ_β in intensity units (0…255): one number, or `[sr, sg, sb]`.
 * @param rgb the image, `width·height·3` bytes, interleaved RGB, row-major (`rgb[(y·width + x)·3 + c]`).
 * @throws RangeError naming the expected length of `rgb`, or a bad scale.
 */
export function bilateralFeatures(
  width: number,
  height: number,
  sxy: PerAxis<[number, number]>,
  srgb: PerAxis<[number, number, number]>,
  rgb: Uint8Array | Uint8ClampedArray,
): Float32Array {
  assertSize(width, height, 'bilateral features');
  const [sx, sy] = perAxis(sxy, 2, 'sxy', 'x, y');
  const [sr, sg, sb] = perAxis(srgb, 3, 'srgb', 'R, G, B');
  const n = width * height;
  if (!(rgb instanceof Uint8Array || rgb instanceof Uint8ClampedArray)) {
    throw new TypeError(`rgb must be a Uint8Array of width·height·3 = ${3 * n} bytes (interleaved RGB)`);
  }
  if (rgb.length !== 3 * n) {
    throw new RangeError(
      `rgb must have width·height·3 = ${width}·${height}·3 = ${3 * n} bytes (interleaved RGB, row-major), got ${rgb.length}`,
    );
  }
  const features = new Float32Array(5 * n);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      features[i] = x / sx;
      features[n + i] = y / sy;
      features[2 * n + i] = rgb[3 * i] / sr;
      features[3 * n + i] = rgb[3 * i + 1] / sg;
      features[4 * n + i] = rgb[3 * i + 2] / sb;
    }
  }
  return features;
}
