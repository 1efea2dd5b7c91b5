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
    // the last threshold v passes: max{i : cutoffs[i] < v}, −1 if none; an estimate ⌈v/step⌉ − 1
    // corrected against the exact float32 cut-offs
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

/**
 * The union-find of the sweep, in flat typed arrays: `parent[p]` (−1 = not yet added) and, for a
 * root r, `size[r]`, its box `box[4r … 4r+3]` = x0, y0, x1, y1 and its first pixel `first[r]`.
 */
interface GrowingComponents {
  readonly width: number;
  readonly height: number;
  readonly parent: Int32Array;
  readonly size: Int32Array;
  readonly box: Int32Array;
  readonly first: Int32Array;
  /** Components created so far (merged ones are dropped by {@link compactRoots}). */
  readonly roots: Int32Array;
  rootCount: number;
}

function growingComponents(width: number, height: number): GrowingComponents {
  const n = width * height;
  return {
    width,
    height,
    parent: new Int32Array(n).fill(-1),
    size: new Int32Array(n),
    box: new Int32Array(4 * n),
    first: new Int32Array(n),
    roots: new Int32Array(n),
    rootCount: 0,
  };
}

function findRoot(parent: Int32Array, i: number): number {
  while (parent[i] !== i) {
    const grand = parent[parent[i]];
    parent[i] = grand;
    i = grand;
  }
  return i;
}

/** Joins the component of the present pixel q to root r (union by size); returns the new root. */
function join(c: GrowingComponents, r: number, q: number): number {
  const { parent, size, box, first } = c;
  let small = findRoot(parent, q);
  if (small === r) return r;
  let big = r;
  if (size[small] > size[big]) {
    big = small;
    small = r;
  }
  parent[small] = big;
  size[big] += size[small];
  const b = 4 * big;
  const s = 4 * small;
  if (box[s] < box[b]) box[b] = box[s];
  if (box[s + 1] < box[b + 1]) box[b + 1] = box[s + 1];
  if (box[s + 2] > box[b + 2]) box[b + 2] = box[s + 2];
  if (box[s + 3] > box[b + 3]) box[b + 3] = box[s + 3];
  if (first[small] < first[big]) first[big] = first[small];
  return big;
}

/** Adds pixel p as a new component and joins it with its present 8-neighbours. */
function addPixel(c: GrowingComponents, p: number): void {
  const { width, height, parent } = c;
  const y = (p / width) | 0;
  const x = p - y * width;
  parent[p] = p;
  c.size[p] = 1;
  const b = 4 * p;
  c.box[b] = x;
  c.box[b + 1] = y;
  c.box[b + 2] = x;
  c.box[b + 3] = y;
  c.first[p] = p;
  c.roots[c.rootCount++] = p;
  const left = x > 0;
  const right = x + 1 < width;
  let r = p;
  // a neighbour q joins when present (parent ≥ 0) and not already a direct child of r
  if (y > 0) {
    const up = p - width;
    let q = up - 1;
    if (left && parent[q] >= 0 && parent[q] !== r) r = join(c, r, q);
    q = up;
    if (parent[q] >= 0 && parent[q] !== r) r = join(c, r, q);
    q = up + 1;
    if (right && parent[q] >= 0 && parent[q] !== r) r = join(c, r, q);
  }
  let q = p - 1;
  if (left && parent[q] >= 0 && parent[q] !== r) r = join(c, r, q);
  q = p + 1;
  if (right && parent[q] >= 0 && parent[q] !== r) r = join(c, r, q);
  if (y + 1 < height) {
    const down = p + width;
    q = down - 1;
    if (left && parent[q] >= 0 && parent[q] !== r) r = join(c, r, q);
    q = down;
    if (parent[q] >= 0 && parent[q] !== r) r = join(c, r, q);
    q = down + 1;
    if (right && parent[q] >= 0 && parent[q] !== r) join(c, r, q);
  }
}

/** Drops merged components from the root list. */
function compactRoots(c: GrowingComponents): void {
  let kept = 0;
  for (let k = 0; k < c.rootCount; k++) {
    const r = c.roots[k];
    if (c.parent[r] === r) c.roots[kept++] = r;
  }
  c.rootCount = kept;
}

function bestIoUWithTruth(c: GrowingComponents, r: number, truth: readonly Box[]): number {
  let best = 0;
  const b = 4 * r;
  for (const g of truth) {
    const v = iouOfValidBoxes(c.box[b], c.box[b + 1], c.box[b + 2], c.box[b + 3], g.x0, g.y0, g.x1, g.y1);
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
  const comps = growingComponents(width, height);

  for (let g = 0; g < count; g++) {
    const i = count - 1 - g;
    for (let k = starts[g]; k < starts[g + 1]; k++) addPixel(comps, order[k]);
    if (comps.rootCount === 0) continue;
    if (starts[g] === starts[g + 1] && g > 0) {
      largest[i] = largest[i + 1];
      best[i] = best[i + 1];
      continue;
    }
    compactRoots(comps);
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
