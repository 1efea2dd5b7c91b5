/**
 * The k best classes of each image, from the pre-softmax scores.
 */
import * as tf from '@tensorflow/tfjs';
import { classScores } from '../model/forward';

/** The k best classes of one image, best first. */
export interface TopK {
  /** Class indices. */
  readonly classes: number[];
  /** Softmax probabilities p_c = exp(z_c) / Σ_j exp(z_j) of those classes. */
  readonly scores: number[];
  /** Pre-softmax scores z_c of those classes. */
  readonly logits: number[];
}

/**
 * The `k` most likely classes of each image with their softmax probabilities and logits (ties
 * broken by the lower index).
 *
 * @throws RangeError when `k` is not an integer in 1…numClasses.
 */
export async function topK(model: tf.LayersModel, images: tf.Tensor4D, k = 5): Promise<TopK[]> {
  const logits = classScores(model, images);
  try {
    const classes = logits.shape[1];
    if (!Number.isInteger(k) || k < 1 || k > classes) {
      throw new RangeError(`topK: k must be an integer in 1…${classes} (the number of classes), got ${k}`);
    }
    const [values, indices, probabilities] = tf.tidy(() => {
      const best = tf.topk(logits, k, true);
      return [best.values, best.indices, tf.softmax(logits)];
    });
    const [z, c, p] = await Promise.all([values.array(), indices.array(), probabilities.array()]);
    tf.dispose([values, indices, probabilities]);
    return (c as number[][]).map((row, b) => ({
      classes: row,
      scores: row.map((index) => (p as number[][])[b][index]),
      logits: (z as number[][])[b],
    }));
  } finally {
    logits.dispose();
  }
}
