/**
 * The CAM box threshold calibrated on a held-out split. The CAM paper (Zhou et al., CVPR 2016)
 * boxes the largest connected component above 20 % of the map's max; Choe et al. ("Evaluating
 * Weakly Supervised Object Localization Methods Right", CVPR 2020) showed that this threshold must
 * be tuned per method and model on held-out data with full supervision, and MaxBoxAcc reports the
 * best one:
 *
 *     MaxBoxAcc = max_τ  (1/N) Σ_i [ IoU(box(M_i ≥ τ·max M_i), B_i) ≥ 0.5 ]
 *
 * Here the arg-max τ on val is the calibrated threshold, to be used on test.
 */
import { CAM_PROTOCOL_THRESHOLD } from '../metrics/boxesFromHeatmap';
import { WsolEvaluator } from '../metrics/evaluator';
import { BoxThresholdCalibration } from '../types';
import { CalibrationCase } from './cases';

/**
 * The threshold of the grid (0, 0.01, …, 0.99) that maximises MaxBoxAcc on `cases`, with the
 * accuracy there and at the CAM paper's 20 %.
 *
 * @example
 * ```ts
 * const { threshold } = calibrateBoxThreshold(cases, 'val');
 * const boxes = boxesFromHeatmap(testMap, threshold);
 * ```
 * @throws RangeError when there are no cases or none has boxes.
 */
export function calibrateBoxThreshold(cases: readonly CalibrationCase[], split: string): BoxThresholdCalibration {
  if (cases.length === 0) throw new RangeError('calibrateBoxThreshold: no calibration cases');
  const evaluator = new WsolEvaluator({ camThreshold: CAM_PROTOCOL_THRESHOLD });
  for (const c of cases) evaluator.accumulate({ heatmap: c.heatmap, boxes: c.boxes, classIndex: c.classIndex });
  const r = evaluator.compute();
  if (r.maxBoxAcc === null || r.gtKnownLoc === null) throw new RangeError('calibrateBoxThreshold: the cases have no boxes');
  return {
    threshold: r.maxBoxAcc.threshold,
    maxBoxAcc: r.maxBoxAcc.accuracy,
    paperThreshold: CAM_PROTOCOL_THRESHOLD,
    accuracyAtPaperThreshold: r.gtKnownLoc,
    split,
    images: cases.length,
  };
}
