/**
 * The CAM paper's localization protocol (Zhou et al., "Learning Deep Features for Discriminative
 * Localization", CVPR 2016, Sec. 3; used since by most WSOL papers):
 *
 * - the box is the one around the largest 8-connected component of `{v > 0.2·max(v)}` of the
 *   ground-truth class's map ({@link boxesFromHeatmap});
 * - **GT-known localization**: the box has IoU ≥ 0.5 with some ground-truth box, whatever the
 *   classifier says;
 * - **top-k localization**: additionally the true class is among the classifier's k best classes.
 *   (The paper boxes each of the k predicted classes' maps; only the true class's box can count, so
 *   this is the same rule.)
 */
import { Box, Heatmap } from '../types';
import { CAM_PROTOCOL_THRESHOLD, boxesFromHeatmap } from './boxesFromHeatmap';
import { bestBoxIoU } from './iou';

/** Options of {@link localizeSample}. */
export interface LocalizationOptions {
  /** Fraction of the map's maximum for the box. @default 0.2 (CAM) */
  readonly camThreshold?: number;
  /** IoU from which a box is correct. @default 0.5 */
  readonly iouThreshold?: number;
}

/** Outcome of the CAM protocol on one image. */
export interface LocalizationOutcome {
  /** The predicted box, undefined when no pixel exceeds the threshold. */
  readonly box: Box | undefined;
  /** Best IoU of the box with a ground-truth box (0 without a box). */
  readonly iou: number;
  /** GT-known localization: `iou ≥ iouThreshold`. */
  readonly gtKnown: boolean;
  /** Top-1 localization, undefined without a ranking. */
  readonly top1: boolean | undefined;
  /** Top-5 localization, undefined without a ranking. */
  readonly top5: boolean | undefined;
}

/**
 * Whether `classIndex` is among the first `k` entries of `ranking` (classes best first).
 *
 * @throws RangeError when k is not a positive integer.
 */
export function inTopK(ranking: readonly number[], classIndex: number, k: number): boolean {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
  const n = Math.min(k, ranking.length);
  for (let j = 0; j < n; j++) if (ranking[j] === classIndex) return true;
  return false;
}

/**
 * The CAM-protocol box of `heatmap` (the true class's map) and its GT-known / top-1 / top-5 verdicts.
 *
 * @param truth ground-truth boxes in the heatmap's frame.
 * @param classIndex the true class; with `ranking` (predicted classes, best first) gives top-k.
 * @throws RangeError for a NaN map, an empty `truth`, or thresholds outside [0, 1].
 */
export function localizeSample(
  heatmap: Heatmap,
  truth: readonly Box[],
  classIndex?: number,
  ranking?: readonly number[],
  options: LocalizationOptions = {},
): LocalizationOutcome {
  if (truth.length === 0) throw new RangeError('localization needs at least one ground-truth box');
  const iouThreshold = options.iouThreshold ?? 0.5;
  if (!(iouThreshold >= 0 && iouThreshold <= 1)) throw new RangeError(`iouThreshold must be in [0, 1], got ${iouThreshold}`);
  const [box] = boxesFromHeatmap(heatmap, options.camThreshold ?? CAM_PROTOCOL_THRESHOLD);
  const iou = box === undefined ? 0 : bestBoxIoU([box], truth);
  const gtKnown = iou >= iouThreshold;
  const ranked = ranking !== undefined && classIndex !== undefined;
  return {
    box,
    iou,
    gtKnown,
    top1: ranked ? gtKnown && inTopK(ranking, classIndex, 1) : undefined,
    top5: ranked ? gtKnown && inTopK(ranking, classIndex, 5) : undefined,
  };
}
