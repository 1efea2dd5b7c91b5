/**
 * Whole-image augmentation of training batches (inputs in [0, 1], NHWC), seeded per step, so a
 * resumed run sees the same images. The ground truth is unchanged (training uses labels only).
 *
 * - `photometric` (Howard, "Some improvements on deep convolutional neural network based image
 *   classification", 2013, colour and contrast jitter): per-channel gains in [0.9, 1.1], contrast
 *   `c ∈ [0.8, 1.2]` about the image mean, brightness shift in [−0.08, 0.08], clipped to [0, 1].
 * - `strong`: photometric, then per image with its own probability greyscale (0.15,
 *   `y = 0.299 r + 0.587 g + 0.114 b`), blur (0.2: `x' = (1 − w) x + w · box3(x)`, `w ∈ [0.5, 1]`),
 *   Gaussian noise (0.3, σ ∈ [0.01, 0.06]) and cutout (0.3: one rectangle of 15–35 % of the side
 *   filled with a random colour; DeVries & Taylor, "Improved Regularization of Convolutional
 *   Neural Networks with Cutout", 2017), clipped to [0, 1]. Together with the recoloured objects
 *   of `looks: 'varied'` (looks.ts) they make colour, sharpness and completeness unreliable cues.
 */
import * as tf from '@tensorflow/tfjs';
import { hashSeed, Random, splitmix32 } from './random';

/** The augmentation levels of {@link augmentBatch}. */
export type AugmentLevel = 'none' | 'photometric' | 'strong';

/** Checks an augmentation level, naming the valid ones otherwise. */
export function assertAugmentLevel(level: string): asserts level is AugmentLevel {
  if (level !== 'none' && level !== 'photometric' && level !== 'strong') {
    throw new RangeError(`unknown augmentation '${level}': expected none, photometric or strong`);
  }
}

function photometric(x: tf.Tensor4D, rng: Random): tf.Tensor4D {
  const n = x.shape[0];
  const gains: number[] = [];
  const contrast: number[] = [];
  const shift: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) gains.push(rng.uniform(0.9, 1.1));
    contrast.push(rng.uniform(0.8, 1.2));
    shift.push(rng.uniform(-0.08, 0.08));
  }
  return tf.tidy(() => {
    const gained = x.mul(tf.tensor4d(gains, [n, 1, 1, 3]));
    const mean = gained.mean([1, 2, 3], true);
    const c = tf.tensor4d(contrast, [n, 1, 1, 1]);
    return gained.sub(mean).mul(c).add(mean).add(tf.tensor4d(shift, [n, 1, 1, 1])).clipByValue(0, 1) as tf.Tensor4D;
  });
}

/** Per-image weights `[n,1,1,1]`: `draw()` with probability `p`, else 0. */
function sometimes(rng: Random, n: number, p: number, draw: () => number): tf.Tensor4D {
  const w: number[] = [];
  for (let i = 0; i < n; i++) w.push(rng.chance(p) ? draw() : 0);
  return tf.tensor4d(w, [n, 1, 1, 1]);
}

/** A `[n,h,w,1]` mask, 1 inside each image's cutout rectangle (if any), and its `[n,1,1,3]` fill. */
function cutout(rng: Random, n: number, h: number, w: number, p: number): { mask: tf.Tensor4D; fill: tf.Tensor4D } {
  const mask = new Float32Array(n * h * w);
  const fill: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) fill.push(rng.next());
    if (!rng.chance(p)) continue;
    const side = rng.uniform(0.15, 0.35);
    const rh = Math.round(side * h);
    const rw = Math.round(rng.uniform(0.6, 1.4) * side * w);
    const y0 = rng.int(0, h - rh);
    const x0 = rng.int(0, Math.max(0, w - rw));
    for (let y = y0; y < y0 + rh; y++) for (let x = x0; x < Math.min(w, x0 + rw); x++) mask[(i * h + y) * w + x] = 1;
  }
  return { mask: tf.tensor4d(mask, [n, h, w, 1]), fill: tf.tensor4d(fill, [n, 1, 1, 3]) };
}

function strong(x: tf.Tensor4D, rng: Random): tf.Tensor4D {
  const [n, h, w] = x.shape;
  const grey = sometimes(rng, n, 0.15, () => 1);
  const blur = sometimes(rng, n, 0.2, () => rng.uniform(0.5, 1));
  const sigma = sometimes(rng, n, 0.3, () => rng.uniform(0.01, 0.06));
  const cut = cutout(rng, n, h, w, 0.3);
  const noise = tf.randomNormal([n, h, w, 3], 0, 1, 'float32', hashSeed(rng.uint32()) % 2147483647);
  const out = tf.tidy(() => {
    const y = x.mul(tf.tensor1d([0.299, 0.587, 0.114])).sum(3, true);
    let z = x.add(y.sub(x).mul(grey)) as tf.Tensor4D;
    const boxed = tf.avgPool(z, 3, 1, 'same');
    z = z.add(boxed.sub(z).mul(blur)) as tf.Tensor4D;
    z = z.add(noise.mul(sigma)) as tf.Tensor4D;
    z = z.add(cut.fill.sub(z).mul(cut.mask)) as tf.Tensor4D;
    return z.clipByValue(0, 1) as tf.Tensor4D;
  });
  tf.dispose([grey, blur, sigma, cut.mask, cut.fill, noise]);
  return out;
}

/**
 * Augments a training batch `x` (values in [0, 1]) at `level`, with the random numbers of
 * `(seed, step)`; returns a new tensor (the caller disposes `x`), or `x` itself for `'none'`.
 *
 * @example
 * ```ts
 * const y = augmentBatch(x, 'strong', 0, step);
 * ```
 */
export function augmentBatch(x: tf.Tensor4D, level: AugmentLevel, seed: number, step: number): tf.Tensor4D {
  if (level === 'none') return x;
  const rng = splitmix32(hashSeed(seed, 'augment', step));
  const p = photometric(x, rng);
  if (level === 'photometric') return p;
  const s = strong(p, rng);
  p.dispose();
  return s;
}
