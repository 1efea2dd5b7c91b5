/**
 * Intersection over union of boxes in the inclusive-corner convention of {@link Box}.
 *
 * A box covers the pixels `x0 ≤ x ≤ x1`, `y0 ≤ y ≤ y1`, so its area is
 * `(x1 − x0 + 1)·(y1 − y0 + 1)` and two boxes that share one column overlap by one pixel width.
 * This is the convention of the CAM evaluation code and of wsolevaluation's
 * `calculate_multiple_iou` (Choe et al., "Evaluating Weakly Supervised Object Localization Methods
 * Right", CVPR 2020), so values are comparable with theirs.
 */
import { Box } from '../types';

/** Checks that a box has integer, ordered corners (no image bounds), naming the offending value. */
export function assertBoxShape(box: Box, what = 'box'): void {
  const { x0, y0, x1, y1 } = box;
  for (const [name, v] of Object.entries({ x0, y0, x1, y1 })) {
    if (!Number.isInteger(v)) throw new RangeError(`${what}.${name} must be an integer pixel index, got ${v}`);
  }
  if (x0 > x1 || y0 > y1) {
    throw new RangeError(`${what} corners out of order: (${x0},${y0})–(${x1},${y1}); expected x0 ≤ x1 and y0 ≤ y1`);
  }
}

/** Number of pixels of an inclusive box: `(x1 − x0 + 1)·(y1 − y0 + 1)`. */
export function boxArea(box: Box): number {
  assertBoxShape(box);
  return (box.x1 - box.x0 + 1) * (box.y1 - box.y0 + 1);
}

/**
 * IoU of two inclusive boxes:
 * `|A ∩ B| / (|A| + |B| − |A ∩ B|)` with `|A ∩ B| = max(0, min(x1) − max(x0) + 1)·max(0, min(y1) − max(y0) + 1)`.
 *
 * @example boxIoU({x0:0,y0:0,x1:2,y1:2}, {x0:1,y0:1,x1:3,y1:3}) // 4 / (9 + 9 − 4) = 2/7
 * @throws RangeError when a corner is not an integer or the corners are out of order.
 */
export function boxIoU(a: Box, b: Box): number {
  assertBoxShape(a, 'first box');
  assertBoxShape(b, 'second box');
  return iouOfValidBoxes(a.x0, a.y0, a.x1, a.y1, b.x0, b.y0, b.x1, b.y1);
}

/** IoU of two boxes already known to be valid, given as corners (the hot path of the sweeps). */
export function iouOfValidBoxes(
  ax0: number, ay0: number, ax1: number, ay1: number,
  bx0: number, by0: number, bx1: number, by1: number,
): number {
  const iw = Math.min(ax1, bx1) - Math.max(ax0, bx0) + 1;
  const ih = Math.min(ay1, by1) - Math.max(ay0, by0) + 1;
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const areaA = (ax1 - ax0 + 1) * (ay1 - ay0 + 1);
  const areaB = (bx1 - bx0 + 1) * (by1 - by0 + 1);
  return inter / (areaA + areaB - inter);
}

/**
 * The best IoU between any predicted box and any ground-truth box,
 * `max_{p ∈ predicted, g ∈ truth} IoU(p, g)` — wsolevaluation's rule for images with several
 * ground-truth boxes and, in MaxBoxAccV2, several predicted boxes. 0 when either list is empty.
 */
export function bestBoxIoU(predicted: readonly Box[], truth: readonly Box[]): number {
  let best = 0;
  for (const p of predicted) {
    for (const g of truth) best = Math.max(best, boxIoU(p, g));
  }
  return best;
}

/**
 * Rescales an inclusive box from a `fromWidth × fromHeight` image to a `toWidth × toHeight` one,
 * mapping pixel footprints: `x0' = ⌊x0·s⌋`, `x1' = ⌈(x1 + 1)·s⌉ − 1` with `s = to / from`, clamped to
 * the target image. Use it to bring ground-truth boxes to the heatmap's size.
 */
export function scaleBox(box: Box, fromWidth: number, fromHeight: number, toWidth: number, toHeight: number): Box {
  assertBoxShape(box);
  const sx = toWidth / fromWidth;
  const sy = toHeight / fromHeight;
  const clamp = (v: number, hi: number): number => Math.min(hi, Math.max(0, v));
  const x0 = clamp(Math.floor(box.x0 * sx + 1e-9), toWidth - 1);
  const y0 = clamp(Math.floor(box.y0 * sy + 1e-9), toHeight - 1);
  const x1 = clamp(Math.ceil((box.x1 + 1) * sx - 1e-9) - 1, toWidth - 1);
  const y1 = clamp(Math.ceil((box.y1 + 1) * sy - 1e-9) - 1, toHeight - 1);
  return { x0, y0, x1: Math.max(x0, x1), y1: Math.max(y0, y1) };
}
