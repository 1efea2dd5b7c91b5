/** Test helpers for the metrics: seeded random numbers, random maps and brute-force references. */
import { Box, Heatmap, ObjectMask } from '../../src/types';

export { seeded } from '../helpers/random';

/** A map from rows of numbers. */
export function mapOf(rows: number[][]): Heatmap {
  return { width: rows[0].length, height: rows.length, data: Float32Array.from(rows.flat()) };
}

/** A mask from rows of 0/1. */
export function maskOf(rows: number[][]): ObjectMask {
  return { width: rows[0].length, height: rows.length, data: Uint8Array.from(rows.flat()) };
}

/**
 * A random [0, 1] map: a few Gaussian blobs plus noise, max-normalised, with a share of values
 * snapped to the 0.01 grid (to hit threshold edges exactly) and some exact 0s and 1s.
 */
export function randomMap(rand: () => number, width: number, height: number): Heatmap {
  const data = new Float32Array(width * height);
  const blobs = 1 + Math.floor(rand() * 4);
  const centres = Array.from({ length: blobs }, () => [rand() * width, rand() * height, 1 + rand() * width * 0.3, 0.3 + rand()]);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let v = 0.15 * rand();
      for (const [cx, cy, s, a] of centres) v += a * Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * s * s));
      data[y * width + x] = v;
    }
  }
  let max = 0;
  for (const v of data) max = Math.max(max, v);
  for (let i = 0; i < data.length; i++) {
    let v = data[i] / max;
    const r = rand();
    if (r < 0.2) v = Math.round(v * 100) / 100;
    else if (r < 0.23) v = 0;
    data[i] = v;
  }
  return { width, height, data };
}

/** A random inclusive box inside a width × height image. */
export function randomBox(rand: () => number, width: number, height: number): Box {
  const xa = Math.floor(rand() * width);
  const xb = Math.floor(rand() * width);
  const ya = Math.floor(rand() * height);
  const yb = Math.floor(rand() * height);
  return { x0: Math.min(xa, xb), y0: Math.min(ya, yb), x1: Math.max(xa, xb), y1: Math.max(ya, yb) };
}

/** IoU by counting pixels on a grid: the definition of the inclusive convention, no formula. */
export function pixelCountIoU(a: Box, b: Box): number {
  let inter = 0;
  let union = 0;
  const xs = [Math.min(a.x0, b.x0), Math.max(a.x1, b.x1)];
  const ys = [Math.min(a.y0, b.y0), Math.max(a.y1, b.y1)];
  for (let y = ys[0]; y <= ys[1]; y++) {
    for (let x = xs[0]; x <= xs[1]; x++) {
      const inA = x >= a.x0 && x <= a.x1 && y >= a.y0 && y <= a.y1;
      const inB = x >= b.x0 && x <= b.x1 && y >= b.y0 && y <= b.y1;
      if (inA && inB) inter++;
      if (inA || inB) union++;
    }
  }
  return inter / union;
}

/** Components by breadth-first flood fill (8-neighbours): sets of pixel indices, in raster order of first pixel. */
export function floodFillComponents(mask: ArrayLike<number>, width: number, height: number): number[][] {
  const seen = new Uint8Array(width * height);
  const out: number[][] = [];
  for (let start = 0; start < width * height; start++) {
    if (!mask[start] || seen[start]) continue;
    const comp: number[] = [];
    const queue = [start];
    seen[start] = 1;
    while (queue.length > 0) {
      const p = queue.pop() as number;
      comp.push(p);
      const x = p % width;
      const y = Math.floor(p / width);
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          const ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
          const q = ny * width + nx;
          if (mask[q] && !seen[q]) {
            seen[q] = 1;
            queue.push(q);
          }
        }
      }
    }
    out.push(comp.sort((a, b) => a - b));
  }
  return out;
}
