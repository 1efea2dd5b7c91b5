/**
 * Average drop and increase in confidence (Chattopadhyay et al., "Grad-CAM++: Generalized
 * Gradient-based Visual Explanations for Deep Convolutional Networks", WACV 2018, Sec. 6.1.1).
 *
 * The explanation map of image I for class c is `E = I ⊙ H` (the image multiplied pixel-wise by
 * the heatmap H ∈ [0, 1], all channels alike). With `Y_c` the model's probability for c on I and
 * `O_c` on E, over N images:
 *
 *   Average Drop  = (1/N)·Σ_i max(0, Y_c^i − O_c^i) / Y_c^i            (lower is better)
 *   Increase in Confidence = (1/N)·Σ_i 1[Y_c^i < O_c^i]               (higher is better)
 *
 * Both are returned as fractions in [0, 1] (the paper prints them ×100). Pass images in a space
 * where 0 means "no signal" (e.g. [0, 1] pixels, with the model callable doing its own
 * preprocessing), or the product `I ⊙ H` is not a masked image.
 */
import * as tf from '@tensorflow/tfjs';
import { Heatmap } from '../types';
import { ClassifierFn, probabilitiesOf } from './classifier';
import { assertUnitHeatmap } from './heatmapChecks';

/** The model's probability for the explained class on the image (`original`) and on `I ⊙ H` (`explanation`). */
export interface ConfidencePair {
  readonly original: number;
  readonly explanation: number;
}

function heatmapBatch(heatmaps: readonly Heatmap[], height: number, width: number): tf.Tensor4D {
  const data = new Float32Array(heatmaps.length * height * width);
  heatmaps.forEach((h, b) => {
    assertUnitHeatmap(h, `heatmaps[${b}]`);
    if (h.width !== width || h.height !== height) {
      throw new RangeError(`heatmaps[${b}] is ${h.width}×${h.height} but the images are ${width}×${height}; resize the map to the image`);
    }
    data.set(h.data, b * height * width);
  });
  return tf.tensor4d(data, [heatmaps.length, height, width, 1]);
}

/**
 * The class probabilities `Y_c` on `images` and `O_c` on `images ⊙ heatmaps`, one pair per image.
 *
 * @param model callable from a `[N, H, W, C]` batch to `[N, K]` class probabilities.
 * @param images `[N, H, W, C]`, not modified.
 * @param heatmaps N maps of size W×H with values in [0, 1].
 * @param classIndices N classes to read (usually the true or the predicted class).
 * @throws RangeError when the counts, sizes or class indices do not match.
 */
export async function confidencePairs(
  model: ClassifierFn,
  images: tf.Tensor4D,
  heatmaps: readonly Heatmap[],
  classIndices: readonly number[],
): Promise<ConfidencePair[]> {
  const [n, height, width] = images.shape;
  if (heatmaps.length !== n || classIndices.length !== n) {
    throw new RangeError(`expected ${n} heatmaps and ${n} class indices for ${n} images, got ${heatmaps.length} and ${classIndices.length}`);
  }
  const both = tf.tidy(() => {
    const masks = heatmapBatch(heatmaps, height, width);
    const explained = tf.mul(images, masks) as tf.Tensor4D;
    const original = probabilitiesOf(model, images, classIndices);
    const onExplanation = probabilitiesOf(model, explained, classIndices);
    return tf.stack([original, onExplanation]);
  });
  const values = (await both.data()) as Float32Array;
  both.dispose();
  return Array.from({ length: n }, (_, i) => ({ original: values[i], explanation: values[n + i] }));
}

function assertPairs(pairs: readonly ConfidencePair[]): void {
  if (pairs.length === 0) throw new RangeError('need at least one confidence pair');
  pairs.forEach((p, i) => {
    if (!(p.original > 0 && p.original <= 1) || !(p.explanation >= 0 && p.explanation <= 1)) {
      throw new RangeError(`pairs[${i}] = (${p.original}, ${p.explanation}): probabilities must be in (0, 1] and [0, 1]`);
    }
  });
}

/**
 * Average Drop, `(1/N)·Σ max(0, Y − O)/Y`, as a fraction.
 *
 * @throws RangeError for an empty list or probabilities out of range (Y must be > 0).
 */
export function averageDrop(pairs: readonly ConfidencePair[]): number {
  assertPairs(pairs);
  let sum = 0;
  for (const p of pairs) sum += Math.max(0, p.original - p.explanation) / p.original;
  return sum / pairs.length;
}

/**
 * Increase in Confidence, `(1/N)·Σ 1[Y < O]`, as a fraction.
 *
 * @throws RangeError for an empty list or probabilities out of range.
 */
export function increaseInConfidence(pairs: readonly ConfidencePair[]): number {
  assertPairs(pairs);
  let count = 0;
  for (const p of pairs) if (p.original < p.explanation) count++;
  return count / pairs.length;
}
