/**
 * Appearance augmentation of the benchmark's objects: random affine colour maps ({@link ColorMap})
 * that keep an icon's shape and break the link between its class and its art style's palette —
 * greyscale, hue rotation, channel swap, inversion and flat fill (a silhouette in one colour).
 *
 * Used for training images (`looks: 'varied'` in {@link BenchmarkOptions}); evaluation images keep
 * the artists' colours. The shares below follow the "colour, outline-only, flat fills, greyscale"
 * list of issue 17: half the objects keep their colours, so the palette stays a usable cue.
 */
import { Random } from './random';
import { ColorMap } from './raster';

/** How an object is recoloured, and how often (shares sum to 1). */
export const LOOK_SHARES: Readonly<Record<LookKind, number>> = {
  natural: 0.5,
  greyscale: 0.12,
  hue: 0.14,
  swap: 0.1,
  invert: 0.06,
  flat: 0.08,
};

/** The kinds of {@link LOOK_SHARES}. */
export type LookKind = 'natural' | 'greyscale' | 'hue' | 'swap' | 'invert' | 'flat';

/** Rec. 601 luma weights: grey `y = 0.299 r + 0.587 g + 0.114 b`. */
const LUMA = [0.299, 0.587, 0.114] as const;

/** `y` in all three channels. */
export function greyscaleMap(): ColorMap {
  return { matrix: [...LUMA, ...LUMA, ...LUMA], offset: [0, 0, 0] };
}

/**
 * Rotation by `theta` about the grey axis `(1, 1, 1)/√3` (Rodrigues' formula): keeps grey grey and
 * the luminance roughly, turns hues by `theta`.
 */
export function hueRotationMap(theta: number): ColorMap {
  const c = Math.cos(theta);
  const s = Math.sin(theta) / Math.sqrt(3);
  const k = (1 - c) / 3;
  return { matrix: [c + k, k - s, k + s, k + s, c + k, k - s, k - s, k + s, c + k], offset: [0, 0, 0] };
}

/** Output channel `i` takes input channel `order[i]`. */
export function channelSwapMap(order: readonly [number, number, number]): ColorMap {
  const matrix = new Array<number>(9).fill(0);
  order.forEach((from, to) => (matrix[to * 3 + from] = 1));
  return { matrix, offset: [0, 0, 0] };
}

/** `c' = 1 − c`. */
export function invertMap(): ColorMap {
  return { matrix: [-1, 0, 0, 0, -1, 0, 0, 0, -1], offset: [1, 1, 1] };
}

/** Every pixel of the object in `color`. */
export function flatFillMap(color: readonly [number, number, number]): ColorMap {
  return { matrix: new Array<number>(9).fill(0), offset: [color[0], color[1], color[2]] };
}

const SWAPS: ReadonlyArray<readonly [number, number, number]> = [
  [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0],
];

/** Draws a look from {@link LOOK_SHARES}; `undefined` for the natural look. */
export function randomColorMap(rng: Random): ColorMap | undefined {
  let u = rng.next();
  let kind: LookKind = 'natural';
  for (const [k, share] of Object.entries(LOOK_SHARES) as Array<[LookKind, number]>) {
    kind = k;
    if (u < share) break;
    u -= share;
  }
  switch (kind) {
    case 'natural':
      return undefined;
    case 'greyscale':
      return greyscaleMap();
    case 'hue':
      return hueRotationMap(rng.uniform(Math.PI / 6, (11 * Math.PI) / 6));
    case 'swap':
      return channelSwapMap(rng.pick(SWAPS));
    case 'invert':
      return invertMap();
    case 'flat':
      return flatFillMap([rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(0, 1)]);
  }
}
