/**
 * Best box IoU at every threshold of the grid in one pass — the per-image work of MaxBoxAcc and
 * MaxBoxAccV2 (Choe et al., "Evaluating Weakly Supervised Object Localization Methods Right",
 * CVPR 2020).
 *
 * For each threshold τ_i of {@link thresholdGrid}, with the conventions of {@link boxesFromHeatmap}
 * (foreground `v > τ_i·scale`, 8-connected components, tight inclusive boxes):
 * - `largest[i]` = max over ground-truth boxes of IoU(box of the largest component, g) (MaxBoxAcc);
 * - `best[i]`    = max over all components c and ground-truth boxes g of IoU(box(c), g) (MaxBoxAccV2).
 *
 * Instead of labelling 100 binary images, pixels are added from the highest threshold down (a
 * counting sort by their last passing threshold) into a union-find that keeps each component's
 * size, box and first pixel, so the whole sweep costs one labelling plus a scan of the live
 * components per threshold. The tests check it against {@link boxesFromHeatmap} at every threshold.
 */
import { Box, Heatmap, assertBoxInside } from '../types';
import { ThresholdMode } from './boxesFromHeatmap';
import { assertFiniteHeatmap, assertUnitHeatmap, heatmapMax } from './heatmapChecks';
import { iouOfValidBoxes } from './iou';
import { DEFAULT_CAM_CURVE_INTERVAL, lastThresholdBelow, thresholdGrid } from './thresholds';

/** Options of {@link sweepBoxIoU}. */
export interface BoxSweepOptions {
  /** Spacing δ of the threshold grid τ_i = i·δ. @default 0.01 (wsolevaluation's cam_curve_interval) */
  readonly camCurveInterval?: number;
  /**
   * 'absolute': foreground is `v > τ_i`, the map must lie in [0, 1];
   * 'relative': foreground is `v > τ_i·max(v)` (wsolevaluation's form; equal for maps with max 1).
   * @default 'absolute'
   */
  readonly thresholdMode?: ThresholdMode;
}

/** Result of {@link sweepBoxIoU}; index i refers to `thresholds[i]`. */
export interface BoxSweep {
  readonly thresholds: Float64Array;
  /** Best IoU of the largest component's box with any ground-truth box (0 when nothing is foreground). */
  readonly largest: Float64Array;
  /** Best IoU of any component's box with any ground-truth box (0 when nothing is foreground). */
  readonly best: Float64Array;
}

/** Pixels grouped by the last threshold index they pass, highest first; raster order inside a group. */
function pixelsByLastThreshold(data: Float32Array, grid: Float64Array, scale: number): { order: Int32Array; starts: Int32Array } {
  const count = grid.length;
  const last = new Int16Array(data.length);
  const starts = new Int32Array(count + 1);
  for (let p = 0; p < data.length; p++) {
    const i = scale > 0 ? lastThresholdBelow(data[p], grid, scale) : -1;
    last[p] = i;
    if (i >= 0) starts[count - 1 - i + 1]++;
  }
  for (let g = 1; g <= count; g++) starts[g] += starts[g - 1];
  const order = new Int32Array(starts[count]);
  const fill = starts.slice(0, count);
  for (let p = 0; p < data.length; p++) {
    const i = last[p];
    if (i >= 0) order[fill[count - 1 - i]++] = p;
  }
  return { order, starts };
}

/** The union-find of the sweep: per-root size, box and first pixel, -1 parent = not yet added. */
class GrowingComponents {
  readonly parent: Int32Array;
  readonly size: Int32Array;
  readonly x0: Int32Array;
  readonly y0: Int32Array;
  readonly x1: Int32Array;
  readonly y1: Int32Array;
  readonly first: Int32Array;
  roots: Int32Array;
  rootCount = 0;

  constructor(n: number, private readonly width: number, private readonly height: number) {
    this.parent = new Int32Array(n).fill(-1);
    this.size = new Int32Array(n);
    this.x0 = new Int32Array(n);
    this.y0 = new Int32Array(n);
    this.x1 = new Int32Array(n);
    this.y1 = new Int32Array(n);
    this.first = new Int32Array(n);
    this.roots = new Int32Array(n);
  }

  find(i: number): number {
    const parent = this.parent;
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  }

  private union(a: number, b: number): void {
    let ra = this.find(a);
    let rb = this.find(b);
    if (ra === rb) return;
    if (this.size[ra] < this.size[rb]) {
      const t = ra;
      ra = rb;
      rb = t;
    }
    this.parent[rb] = ra;
    this.size[ra] += this.size[rb];
    if (this.x0[rb] < this.x0[ra]) this.x0[ra] = this.x0[rb];
    if (this.y0[rb] < this.y0[ra]) this.y0[ra] = this.y0[rb];
    if (this.x1[rb] > this.x1[ra]) this.x1[ra] = this.x1[rb];
    if (this.y1[rb] > this.y1[ra]) this.y1[ra] = this.y1[rb];
    if (this.first[rb] < this.first[ra]) this.first[ra] = this.first[rb];
  }

  add(p: number): void {
    const { width, height } = this;
    const x = p % width;
    const y = (p - x) / width;
    this.parent[p] = p;
    this.size[p] = 1;
    this.x0[p] = x;
    this.x1[p] = x;
    this.y0[p] = y;
    this.y1[p] = y;
    this.first[p] = p;
    this.roots[this.rootCount++] = p;
    for (let dy = -1; dy <= 1; dy++) {
      const ny = y + dy;
      if (ny < 0 || ny >= height) continue;
      for (let dx = -1; dx <= 1; dx++) {
        const nx = x + dx;
        if ((dx === 0 && dy === 0) || nx < 0 || nx >= width) continue;
        const q = ny * width + nx;
        if (this.parent[q] >= 0) this.union(p, q);
      }
    }
  }

  /** Drops merged components from the root list. */
  compactRoots(): void {
    let kept = 0;
    for (let k = 0; k < this.rootCount; k++) {
      const r = this.roots[k];
      if (this.parent[r] === r) this.roots[kept++] = r;
    }
    this.rootCount = kept;
  }
}

function bestIoUWithTruth(c: GrowingComponents, r: number, truth: readonly Box[]): number {
  let best = 0;
  for (const g of truth) {
    const v = iouOfValidBoxes(c.x0[r], c.y0[r], c.x1[r], c.y1[r], g.x0, g.y0, g.x1, g.y1);
    if (v > best) best = v;
  }
  return best;
}

/**
 * Best IoU with the ground truth at every threshold of the grid, for the largest component's box
 * (MaxBoxAcc) and for the best of all components' boxes (MaxBoxAccV2). See the module notes.
 *
 * @param truth ground-truth boxes in the heatmap's pixel frame (use {@link scaleBox} if needed).
 * @throws RangeError for a NaN map, a map outside [0, 1] in 'absolute' mode, or a box outside the map.
 */
export function sweepBoxIoU(heatmap: Heatmap, truth: readonly Box[], options: BoxSweepOptions = {}): BoxSweep {
  const mode = options.thresholdMode ?? 'absolute';
  if (mode === 'absolute') assertUnitHeatmap(heatmap);
  else assertFiniteHeatmap(heatmap);
  const { width, height, data } = heatmap;
  truth.forEach((g) => assertBoxInside(g, width, height));
  const grid = thresholdGrid(options.camCurveInterval ?? DEFAULT_CAM_CURVE_INTERVAL);
  const count = grid.length;
  const largest = new Float64Array(count);
  const best = new Float64Array(count);
  const scale = mode === 'absolute' ? 1 : heatmapMax(heatmap);
  const { order, starts } = pixelsByLastThreshold(data, grid, scale);
  const comps = new GrowingComponents(data.length, width, height);

  for (let g = 0; g < count; g++) {
    const i = count - 1 - g;
    for (let k = starts[g]; k < starts[g + 1]; k++) comps.add(order[k]);
    if (comps.rootCount === 0) continue;
    if (starts[g] === starts[g + 1] && g > 0) {
      largest[i] = largest[i + 1];
      best[i] = best[i + 1];
      continue;
    }
    comps.compactRoots();
    let bestAll = 0;
    let bigRoot = -1;
    for (let k = 0; k < comps.rootCount; k++) {
      const r = comps.roots[k];
      const iou = bestIoUWithTruth(comps, r, truth);
      if (iou > bestAll) bestAll = iou;
      if (
        bigRoot < 0 ||
        comps.size[r] > comps.size[bigRoot] ||
        (comps.size[r] === comps.size[bigRoot] && comps.first[r] < comps.first[bigRoot])
      ) {
        bigRoot = r;
      }
    }
    best[i] = bestAll;
    largest[i] = bestIoUWithTruth(comps, bigRoot, truth);
  }
  return { thresholds: grid, largest, best };
}
