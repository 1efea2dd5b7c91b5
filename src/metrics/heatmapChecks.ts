/**
 * Input checks shared by the metrics: a heatmap must have `width·height` values and no NaN, and
 * the threshold sweeps (MaxBoxAcc, PxAP, mask IoU) also need values in [0, 1] — wsolevaluation's
 * `check_scoremap_validity`. Errors name the first offending pixel.
 */
import { Heatmap, assertSize } from '../types';

/**
 * Checks the size and length of `heatmap` and that it holds no NaN or infinity.
 *
 * @throws RangeError naming the expected length, or the first non-finite pixel as `(x, y)`.
 */
export function assertFiniteHeatmap(heatmap: Heatmap, what = 'heatmap'): void {
  const { width, height, data } = heatmap;
  assertSize(width, height, what);
  if (data.length !== width * height) {
    throw new RangeError(`${what} ${width}×${height}: data must have width*height = ${width * height} values, got ${data.length}`);
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new RangeError(
        `${what} contains ${data[i]} at (x=${i % width}, y=${Math.floor(i / width)}); localization maps must be finite (a NaN usually means a 0/0 normalisation)`,
      );
    }
  }
}

/**
 * Checks {@link assertFiniteHeatmap} and that every value lies in [0, 1], as the threshold sweeps
 * over [0, 1] require.
 *
 * @throws RangeError naming the first pixel outside [0, 1].
 */
export function assertUnitHeatmap(heatmap: Heatmap, what = 'heatmap'): void {
  assertFiniteHeatmap(heatmap, what);
  const { width, data } = heatmap;
  for (let i = 0; i < data.length; i++) {
    if (data[i] < 0 || data[i] > 1) {
      throw new RangeError(
        `${what} value ${data[i]} at (x=${i % width}, y=${Math.floor(i / width)}) is outside [0, 1]; normalise the map (v / max) before the threshold sweep`,
      );
    }
  }
}

/** The largest value of a heatmap (−Infinity for an empty one, which {@link assertSize} forbids). */
export function heatmapMax(heatmap: Heatmap): number {
  let max = -Infinity;
  const d = heatmap.data;
  for (let i = 0; i < d.length; i++) if (d[i] > max) max = d[i];
  return max;
}
