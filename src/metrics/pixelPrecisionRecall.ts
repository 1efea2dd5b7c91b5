/**
 * Pixel-level precision–recall and PxAP, as wsolevaluation's `MaskEvaluator` (Choe et al.,
 * "Evaluating Weakly Supervised Object Localization Methods Right", CVPR 2020, Sec. 4.2).
 *
 * Each image adds two histograms of its heatmap values over the bins `[τ_0, τ_1), …, [τ_{T−1}, 1),
 * [1, 1]` of the threshold grid: one for object pixels, one for background pixels. Summed over the
 * set (memory stays at 2·(T+1) numbers), they give at each threshold e ∈ {1, τ_{T−1}, …, τ_0}
 * (pixel predicted object when `v ≥ e`):
 *
 *   TP(e) = #object pixels with v ≥ e,  FP(e) = #background pixels with v ≥ e,
 *   P(e) = TP / (TP + FP),  R(e) = TP / #object pixels,
 *   PxAP = Σ_k P(e_k)·(R(e_k) − R(e_{k−1})),  R(e_{−1}) = 0,
 *
 * the right-Riemann sum of wsolevaluation's `(precision[1:] * np.diff(recall)).sum()`. Where no pixel
 * is predicted (TP + FP = 0) precision is taken as 1; such points add nothing since R does not
 * move there (wsolevaluation would give NaN when no pixel reaches 1.0).
 */
import { Heatmap, ObjectMask } from '../types';
import { assertUnitHeatmap } from './heatmapChecks';
import { assertObjectMask, isIgnored } from './objectMask';
import { DEFAULT_CAM_CURVE_INTERVAL, gridCutoffs, thresholdGrid } from './thresholds';

/** Counts of heatmap values per bin `[τ_0, τ_1), …, [τ_{T−1}, 1), [1, 1]` (length T + 1). */
export interface PixelScoreHistograms {
  /** The grid τ_0 … τ_{T−1}. */
  readonly thresholds: Float64Array;
  /** Object pixels per bin. */
  readonly object: Float64Array;
  /** Background pixels per bin. */
  readonly background: Float64Array;
}

/** A pixel precision–recall curve, thresholds from high to low (1, τ_{T−1}, …, τ_0). */
export interface PixelPrecisionRecall {
  readonly thresholds: Float64Array;
  readonly precision: Float64Array;
  readonly recall: Float64Array;
}

/** Empty histograms for the grid of spacing `camCurveInterval`. */
export function emptyPixelHistograms(camCurveInterval: number = DEFAULT_CAM_CURVE_INTERVAL): PixelScoreHistograms {
  const thresholds = thresholdGrid(camCurveInterval);
  return { thresholds, object: new Float64Array(thresholds.length + 1), background: new Float64Array(thresholds.length + 1) };
}

/**
 * The object/background histograms of one image; pixels of the mask's ignore region count in
 * neither (wsolevaluation's `gt_mask == 255`).
 *
 * @throws RangeError for a map with NaN or values outside [0, 1], or a mask of another size or with
 * values other than 0/1.
 */
export function pixelScoreHistograms(
  heatmap: Heatmap,
  mask: ObjectMask,
  camCurveInterval: number = DEFAULT_CAM_CURVE_INTERVAL,
): PixelScoreHistograms {
  assertUnitHeatmap(heatmap);
  assertObjectMask(mask, heatmap.width, heatmap.height);
  const hist = emptyPixelHistograms(camCurveInterval);
  const { data } = heatmap;
  const cutoffs = gridCutoffs(hist.thresholds);
  const step = hist.thresholds[1];
  const top = cutoffs.length;
  for (let i = 0; i < data.length; i++) {
    if (isIgnored(mask, i)) continue;
    const v = data[i];
    // bin of v, as np.histogram with edges τ_0 … τ_{T−1}, 1: max{i : cutoff(τ_i) ≤ v}, and T for v ≥ 1
    let bin = v >= 1 ? top : Math.floor(v / step);
    if (bin < top) {
      if (bin > top - 1) bin = top - 1;
      while (bin < top - 1 && cutoffs[bin + 1] <= v) bin++;
      while (bin > 0 && !(cutoffs[bin] <= v)) bin--;
    }
    if (mask.data[i] === 1) hist.object[bin]++;
    else hist.background[bin]++;
  }
  return hist;
}

/**
 * Adds `from` into `into` (in place: `into` is the caller's accumulator).
 *
 * @throws RangeError when the two use different grids.
 */
export function addPixelHistograms(into: PixelScoreHistograms, from: PixelScoreHistograms): void {
  if (into.object.length !== from.object.length || into.thresholds[1] !== from.thresholds[1]) {
    throw new RangeError(`histograms on different threshold grids (${into.thresholds.length} vs ${from.thresholds.length} thresholds)`);
  }
  for (let b = 0; b < into.object.length; b++) {
    into.object[b] += from.object[b];
    into.background[b] += from.background[b];
  }
}

/** TP(e_k) and FP(e_k) for e_k = 1, τ_{T−1}, …, τ_0: reverse cumulative sums of the histograms. */
export function cumulativeCounts(hist: PixelScoreHistograms): { tp: Float64Array; fp: Float64Array } {
  const bins = hist.object.length;
  const tp = new Float64Array(bins);
  const fp = new Float64Array(bins);
  let t = 0;
  let f = 0;
  for (let k = 0; k < bins; k++) {
    t += hist.object[bins - 1 - k];
    f += hist.background[bins - 1 - k];
    tp[k] = t;
    fp[k] = f;
  }
  return { tp, fp };
}

/**
 * The pixel precision–recall curve of accumulated histograms (see the module notes).
 *
 * @throws Error when the histograms hold no object pixel (recall is undefined).
 */
export function pixelPrecisionRecall(hist: PixelScoreHistograms): PixelPrecisionRecall {
  const { tp, fp } = cumulativeCounts(hist);
  const bins = tp.length;
  const positives = tp[bins - 1];
  if (!(positives > 0)) throw new Error('PxAP needs at least one object pixel in the ground-truth masks; the set has none');
  const thresholds = new Float64Array(bins);
  const precision = new Float64Array(bins);
  const recall = new Float64Array(bins);
  const grid = hist.thresholds;
  for (let k = 0; k < bins; k++) {
    thresholds[k] = k === 0 ? 1 : grid[bins - 1 - k];
    precision[k] = tp[k] + fp[k] > 0 ? tp[k] / (tp[k] + fp[k]) : 1;
    recall[k] = tp[k] / positives;
  }
  return { thresholds, precision, recall };
}

/**
 * PxAP, the area under the pixel precision–recall curve, in [0, 1] (wsolevaluation reports ×100):
 * `Σ_k P(e_k)·(R(e_k) − R(e_{k−1}))`.
 *
 * @throws Error when the histograms hold no object pixel.
 */
export function pixelAveragePrecision(hist: PixelScoreHistograms): number {
  const { precision, recall } = pixelPrecisionRecall(hist);
  let area = 0;
  let previousRecall = 0;
  for (let k = 0; k < recall.length; k++) {
    area += precision[k] * (recall[k] - previousRecall);
    previousRecall = recall[k];
  }
  return area;
}
