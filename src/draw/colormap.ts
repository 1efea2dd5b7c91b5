/**
 * Colour maps: a heatmap in [0, 1] → RGB pixels.
 */
import type { Heatmap } from '../types';
import type { RgbImage } from '../types';

/** Names of the colour maps {@link applyColormap} knows. */
export type ColormapName = 'jet' | 'viridis' | 'gray';

/** Anchor colours of viridis (matplotlib's, sampled at 9 even steps), interpolated linearly. */
const VIRIDIS: readonly (readonly [number, number, number])[] = [
  [68, 1, 84], [71, 44, 122], [59, 81, 139], [44, 113, 142], [33, 144, 141],
  [39, 173, 129], [92, 200, 99], [170, 220, 50], [253, 231, 37],
];

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : Number.isNaN(v) ? 0 : v;
}

/**
 * The classic MATLAB "jet" map as OpenCV's COLORMAP_JET draws it: blue → cyan → yellow → red,
 * each channel a clipped piecewise-linear ramp `clip(1.5 − |4v − k|)` with k = 3, 2, 1 for R, G, B.
 */
export function jet(v: number): [number, number, number] {
  const x = clamp01(v) * 4;
  const ramp = (k: number) => Math.round(255 * clamp01(1.5 - Math.abs(x - k)));
  return [ramp(3), ramp(2), ramp(1)];
}

/** Perceptually uniform viridis (Smith & van der Walt, matplotlib 2.0), linearly interpolated. */
export function viridis(v: number): [number, number, number] {
  const t = clamp01(v) * (VIRIDIS.length - 1);
  const i = Math.min(Math.floor(t), VIRIDIS.length - 2);
  const f = t - i;
  const a = VIRIDIS[i];
  const b = VIRIDIS[i + 1];
  return [0, 1, 2].map((c) => Math.round(a[c] + f * (b[c] - a[c]))) as [number, number, number];
}

/** Grey ramp: 0 → black, 1 → white. */
export function gray(v: number): [number, number, number] {
  const g = Math.round(255 * clamp01(v));
  return [g, g, g];
}

const MAPS: Record<ColormapName, (v: number) => [number, number, number]> = { jet, viridis, gray };

/** Colours a heatmap (values clipped to [0, 1]) with a colour map; NaN is drawn as 0. */
export function applyColormap(heatmap: Heatmap, name: ColormapName = 'jet'): RgbImage {
  const map = MAPS[name];
  if (!map) throw new RangeError(`unknown colour map '${name}': expected one of ${Object.keys(MAPS).join(', ')}`);
  const { width, height, data } = heatmap;
  const out = new Uint8Array(width * height * 3);
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) lut.set(map(i / 255), i * 3);
  for (let p = 0; p < data.length; p++) {
    const k = Math.round(clamp01(data[p]) * 255) * 3;
    out[p * 3] = lut[k];
    out[p * 3 + 1] = lut[k + 1];
    out[p * 3 + 2] = lut[k + 2];
  }
  return { width, height, channels: 3, data: out };
}
