/**
 * IoU between a thresholded heatmap and a ground-truth mask:
 * `IoU(τ) = |{v ≥ τ} ∩ M| / |{v ≥ τ} ∪ M| = TP / (TP + FP + FN)`, taken as 1 when both sets are
 * empty. Pixels are predicted object when `v ≥ fround(τ)` ({@link cutoff}), the rule of the PxAP histograms
 * ({@link pixelScoreHistograms}), so both metrics binarise alike.
 *
 * The dataset-level "mask IoU at the best threshold" is the best, over the grid, of the mean
 * per-image IoU — the mask counterpart of MaxBoxAcc's best threshold (Choe et al., CVPR 2020).
 */
import { Heatmap, ObjectMask } from '../types';
import { assertFiniteHeatmap } from './heatmapChecks';
import { assertObjectMask, isIgnored } from './objectMask';
import { PixelScoreHistograms, cumulativeCounts } from './pixelPrecisionRecall';
import { cutoff } from './thresholds';

function iouFromCounts(tp: number, fp: number, objectPixels: number): number {
  const union = fp + objectPixels;
  return union > 0 ? tp / union : 1;
}

/**
 * Mask IoU of `{v ≥ threshold}` against `mask` for one image (pixels of its ignore region left out).
 *
 * @throws RangeError for a NaN map, a non-finite threshold, or a mask of another size / not 0/1.
 */
export function maskIoU(heatmap: Heatmap, mask: ObjectMask, threshold: number): number {
  assertFiniteHeatmap(heatmap);
  assertObjectMask(mask, heatmap.width, heatmap.height);
  if (!Number.isFinite(threshold)) throw new RangeError(`threshold must be a finite number, got ${threshold}`);
  const t = cutoff(threshold);
  let tp = 0;
  let fp = 0;
  let positives = 0;
  const { data } = heatmap;
  for (let i = 0; i < data.length; i++) {
    if (isIgnored(mask, i)) continue;
    const object = mask.data[i] === 1;
    if (object) positives++;
    if (data[i] >= t) {
      if (object) tp++;
      else fp++;
    }
  }
  return iouFromCounts(tp, fp, positives);
}

/**
 * Mask IoU at every threshold τ_i of the grid, from one image's histograms
 * ({@link pixelScoreHistograms}): element i is `IoU(τ_i)`.
 */
export function maskIoUSweep(hist: PixelScoreHistograms): Float64Array {
  const { tp, fp } = cumulativeCounts(hist);
  const bins = tp.length;
  const positives = tp[bins - 1];
  const count = hist.thresholds.length;
  const out = new Float64Array(count);
  // Threshold τ_i corresponds to the reverse-cumulative index bins − 1 − i.
  for (let i = 0; i < count; i++) out[i] = iouFromCounts(tp[bins - 1 - i], fp[bins - 1 - i], positives);
  return out;
}
