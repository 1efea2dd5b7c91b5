/**
 * Connected components of a binary image, **8-connectivity**, by the classic two-pass labelling with
 * a union-find over typed arrays (Rosenfeld & Pfaltz 1966; Wu, Otoo & Suzuki 2009 for the
 * union-find variant).
 *
 * 8-connectivity is what OpenCV's `findContours` (Suzuki & Abe 1985) — used by wsolevaluation's and
 * the CAM paper's box code — treats as one object: pixels that touch only at a corner belong to the
 * same component.
 */
import { Box, assertSize } from '../types';

/** One connected component: its pixel count, tight inclusive bounding box and first pixel. */
export interface Component {
  /** Number of pixels. */
  readonly size: number;
  /** Tight bounding box, both corners inclusive (the {@link Box} convention). */
  readonly box: Box;
  /** Row-major index `y·width + x` of its first pixel in raster order (used to break ties). */
  readonly firstIndex: number;
}

/** Result of {@link labelComponents}. */
export interface ComponentLabels {
  /** `labels[y·width + x]` is 0 for background, else the component number 1…K (raster order of first pixels). */
  readonly labels: Int32Array;
  /** `components[k − 1]` describes label k. */
  readonly components: readonly Component[];
}

function find(parent: Int32Array, i: number): number {
  let root = i;
  while (parent[root] !== root) root = parent[root];
  while (parent[i] !== root) {
    const next = parent[i];
    parent[i] = root;
    i = next;
  }
  return root;
}

/** Joins the sets of provisional labels a and b; the smaller label becomes the root. */
function union(parent: Int32Array, a: number, b: number): number {
  const ra = find(parent, a);
  const rb = find(parent, b);
  if (ra === rb) return ra;
  if (ra < rb) {
    parent[rb] = ra;
    return ra;
  }
  parent[ra] = rb;
  return rb;
}

/**
 * First pass: provisional labels from the already-visited neighbours, with the decision tree of
 * Wu et al.: if N is set, W, NW and NE are already joined to it; otherwise only NE and W/NW can
 * belong to different provisional labels.
 */
function firstPass(mask: ArrayLike<number>, width: number, height: number, labels: Int32Array, parent: Int32Array): number {
  let next = 1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const i = row + x;
      if (!mask[i]) continue;
      const w = x > 0 ? labels[i - 1] : 0;
      let label = 0;
      if (y > 0) {
        const up = i - width;
        const n = labels[up];
        const nw = x > 0 ? labels[up - 1] : 0;
        const ne = x + 1 < width ? labels[up + 1] : 0;
        if (n !== 0) label = n;
        else if (ne !== 0) {
          label = ne;
          if (w !== 0) label = union(parent, ne, w);
          else if (nw !== 0) label = union(parent, ne, nw);
        } else if (w !== 0) label = w;
        else label = nw;
      } else label = w;
      if (label === 0) {
        label = next++;
        parent[label] = label;
      }
      labels[i] = label;
    }
  }
  return next;
}

/**
 * Labels the 8-connected components of the non-zero pixels of `mask` (`width × height`, row-major).
 *
 * Runs in O(N·α(N)) with two raster passes. Components are numbered in the raster order of their
 * first pixel.
 *
 * @throws RangeError when `mask` does not hold `width·height` values.
 */
export function labelComponents(mask: ArrayLike<number>, width: number, height: number): ComponentLabels {
  assertSize(width, height, 'mask');
  const n = width * height;
  if (mask.length !== n) throw new RangeError(`mask ${width}×${height}: expected ${n} values, got ${mask.length}`);
  const labels = new Int32Array(n);
  // At most ⌈w/2⌉·⌈h/2⌉ provisional labels can start in 8-connectivity; n + 1 is a safe bound.
  const parent = new Int32Array(n + 1);
  const provisional = firstPass(mask, width, height, labels, parent);

  const finalOf = new Int32Array(provisional);
  const sizes: number[] = [];
  const boxes: number[][] = [];
  const firsts: number[] = [];
  for (let i = 0; i < n; i++) {
    const l = labels[i];
    if (l === 0) continue;
    const root = find(parent, l);
    let k = finalOf[root];
    const x = i % width;
    const y = (i - x) / width;
    if (k === 0) {
      k = sizes.length + 1;
      finalOf[root] = k;
      sizes.push(0);
      boxes.push([x, y, x, y]);
      firsts.push(i);
    }
    labels[i] = k;
    sizes[k - 1]++;
    const b = boxes[k - 1];
    if (x < b[0]) b[0] = x;
    if (x > b[2]) b[2] = x;
    b[3] = y;
  }
  const components = sizes.map((size, k) => ({
    size,
    box: { x0: boxes[k][0], y0: boxes[k][1], x1: boxes[k][2], y1: boxes[k][3] },
    firstIndex: firsts[k],
  }));
  return { labels, components };
}

/**
 * The largest component by pixel count; ties go to the one whose first pixel comes first in raster
 * order. Undefined for an empty list.
 */
export function largestComponent(components: readonly Component[]): Component | undefined {
  let best: Component | undefined;
  for (const c of components) {
    if (best === undefined || c.size > best.size || (c.size === best.size && c.firstIndex < best.firstIndex)) best = c;
  }
  return best;
}
