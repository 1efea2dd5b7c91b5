/**
 * The model interface of the faithfulness metrics: a plain callable from an image batch to class
 * probabilities, so any tfjs model (or a tiny test model with known weights) can be plugged in.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * A classifier: `[N, H, W, C]` images → `[N, K]` class probabilities (softmax outputs). It must be
 * synchronous and must not dispose its input. Wrap a `tf.LayersModel` as
 * `(x) => model.predict(x) as tf.Tensor2D`, with the preprocessing inside if the images are raw.
 */
export type ClassifierFn = (images: tf.Tensor4D) => tf.Tensor2D;

/**
 * `model(images)[i, classIndices[i]]` for each image i, as a 1-D tensor (call inside `tf.tidy`).
 *
 * @throws RangeError when the model's output is not `[N, K]` or a class index is outside `0 … K−1`.
 */
export function probabilitiesOf(model: ClassifierFn, images: tf.Tensor4D, classIndices: readonly number[]): tf.Tensor1D {
  const n = images.shape[0];
  const out = model(images);
  if (out.rank !== 2 || out.shape[0] !== n) {
    throw new RangeError(`the model must return [${n}, numClasses] probabilities, got [${out.shape.join(', ')}]`);
  }
  const k = out.shape[1];
  classIndices.forEach((c, i) => {
    if (!Number.isInteger(c) || c < 0 || c >= k) {
      throw new RangeError(`classIndices[${i}] = ${c} is not a class of a ${k}-class model (expected 0 … ${k - 1})`);
    }
  });
  const flat = tf.reshape(out, [-1]);
  const index = tf.tensor1d(classIndices.map((c, i) => i * k + c), 'int32');
  return tf.gather(flat, index) as tf.Tensor1D;
}
