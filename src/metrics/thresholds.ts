/**
 * The threshold grid of wsolevaluation (Choe et al., CVPR 2020): `τ_i = i·δ` for
 * `i = 0 … ⌈1/δ⌉ − 1`, i.e. `np.arange(0, 1, cam_curve_interval)`, with δ = 0.01 giving the 100
 * thresholds 0, 0.01, …, 0.99. Every sweep (MaxBoxAcc, PxAP, mask IoU) uses this grid.
 *
 * Heatmaps hold float32 values, so every cut-off is rounded to float32 before the comparison
 * ({@link cutoff}): a pixel stored as `0.2` then equals the threshold 0.2 instead of exceeding it by
 * the float32 rounding error (2.98e-9). All metrics of this folder compare this way.
 */

/** The float32 cut-off compared with map values for threshold τ and scale s: `fround(τ·s)`. */
export function cutoff(threshold: number, scale = 1): number {
  return Math.fround(threshold * scale);
}

/** The default spacing of the threshold grid, wsolevaluation's `cam_curve_interval`. */
export const DEFAULT_CAM_CURVE_INTERVAL = 0.01;

/**
 * The thresholds `τ_i = i·interval`, `i = 0 … ⌈1/interval⌉ − 1` (all in [0, 1)).
 *
 * @throws RangeError unless `0 < interval ≤ 0.5` (at least two thresholds).
 */
export function thresholdGrid(interval: number = DEFAULT_CAM_CURVE_INTERVAL): Float64Array {
  if (!(interval > 0 && interval <= 0.5)) {
    throw new RangeError(`cam curve interval must be in (0, 0.5], got ${interval}`);
  }
  const count = Math.ceil(1 / interval);
  const grid = new Float64Array(count);
  for (let i = 0; i < count; i++) grid[i] = i * interval;
  return grid;
}

/** The float32 cut-offs `fround(τ_i·scale)` of a grid, computed once for the per-pixel searches. */
export function gridCutoffs(grid: Float64Array, scale = 1): Float64Array {
  const out = new Float64Array(grid.length);
  for (let i = 0; i < grid.length; i++) out[i] = cutoff(grid[i], scale);
  return out;
}
