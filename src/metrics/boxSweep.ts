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
import { DEFAULT_CAM_CURVE_INTERVAL, gridCutoffs, thresholdGrid } from './thresholds';

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
  const cutoffs = gridCutoffs(grid, scale);
  const step = grid.length > 1 ? grid[1] * scale : scale;
  const top = count - 1;
  for (let p = 0; p < data.length; p++) {
    // lastCutoffBelow, inlined (hot loop): max{i : cutoffs[i] < v}
    const v = data[p];
    let i = -1;
    if (scale > 0) {
      i = Math.ceil(v / step) - 1;
      if (!(i >= -1)) i = -1;
      if (i > top) i = top;
      while (i < top && cutoffs[i + 1] < v) i++;
      while (i >= 0 && !(cutoffs[i] < v)) i--;
    }
    last[p] = i;
    if (i >= 0) starts[count - i]++;
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

/** The union-find of the sweep: per-root size, box and first pixel; parent −1 = not yet added. */
class GrowingComponents {
  readonly parent: Int32Array;
  readonly size: Int32Array;
  readonly x0: Int32Array;
  readonly y0: Int32Array;
  readonly x1: Int32Array;
  readonly y1: Int32Array;
  readonly first: Int32Array;
  readonly roots: Int32Array;
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
      const grand = parent[parent[i]];
      parent[i] = grand;
      i = grand;
    }
    return i;
  }

  /** Joins the component of the present pixel q to the root r; returns the new root. */
  private join(r: number, q: number): number {
    let rq = this.find(q);
    if (rq === r) return r;
    const { parent, size, x0, y0, x1, y1, first } = this;
    let big = r;
    if (size[rq] > size[r]) {
      big = rq;
      rq = r;
    }
    parent[rq] = big;
    size[big] += size[rq];
    if (x0[rq] < x0[big]) x0[big] = x0[rq];
    if (y0[rq] < y0[big]) y0[big] = y0[rq];
    if (x1[rq] > x1[big]) x1[big] = x1[rq];
    if (y1[rq] > y1[big]) y1[big] = y1[rq];
    if (first[rq] < first[big]) first[big] = first[rq];
    return big;
  }

  /** Adds pixel p as a new component and joins it with its present 8-neighbours. */
  add(p: number): void {
    const { width, height, parent } = this;
    const x = p % width;
    const y = (p - x) / width;
    parent[p] = p;
    this.size[p] = 1;
    this.x0[p] = x;
    this.x1[p] = x;
    this.y0[p] = y;
    this.y1[p] = y;
    this.first[p] = p;
    this.roots[this.rootCount++] = p;
    const left = x > 0;
    const right = x + 1 < width;
    let r = p;
    if (y > 0) {
      const up = p - width;
      if (left && parent[up - 1] >= 0) r = this.join(r, up - 1);
      if (parent[up] >= 0) r = this.join(r, up);
      if (right && parent[up + 1] >= 0) r = this.join(r, up + 1);
    }
    if (left && parent[p - 1] >= 0) r = this.join(r, p - 1);
    if (right && parent[p + 1] >= 0) r = this.join(r, p + 1);
    if (y + 1 < height) {
      const down = p + width;
      if (left && parent[down - 1] >= 0) r = this.join(r, down - 1);
      if (parent[down] >= 0) r = this.join(r, down);
      if (right && parent[down + 1] >= 0) this.join(r, down + 1);
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
