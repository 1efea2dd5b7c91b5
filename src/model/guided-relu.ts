/**
 * The guided ReLU of guided backpropagation (Springenberg et al., "Striving for Simplicity: The
 * All Convolutional Net", ICLR 2015 workshop, https://arxiv.org/abs/1412.6806).
 *
 * Forward it is the ReLU, y = max(x, 0). Backward it passes the incoming gradient only where both
 * the input and the incoming gradient are positive:
 *
 *   ∂L/∂x = [x > 0] · [∂L/∂y > 0] · ∂L/∂y
 *
 * (plain backpropagation keeps only [x > 0]; the "deconvnet" rule only [∂L/∂y > 0]).
 */
import * as tf from '@tensorflow/tfjs';

const guidedReluOp = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
  save([x]);
  return {
    value: tf.relu(x),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.mul(tf.relu(dy), tf.step(saved[0])),
  };
});

const guidedRelu6Op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
  save([x]);
  return {
    value: tf.clipByValue(x, 0, 6),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.tidy(() => {
        const inside = tf.logicalAnd(tf.greater(saved[0], 0), tf.less(saved[0], 6));
        return tf.mul(tf.relu(dy), tf.cast(inside, 'float32'));
      }),
  };
});

/**
 * The guided ReLU: y = max(x, 0) forward; backward ∂L/∂x = [x > 0]·[∂L/∂y > 0]·∂L/∂y.
 * Springenberg et al., ICLR 2015 workshop.
 */
export function guidedRelu<T extends tf.Tensor>(x: T): T {
  return guidedReluOp(x) as T;
}

/** The guided ReLU6: y = min(max(x, 0), 6) forward; backward [0 < x < 6]·[∂L/∂y > 0]·∂L/∂y. */
export function guidedRelu6<T extends tf.Tensor>(x: T): T {
  return guidedRelu6Op(x) as T;
}

/**
 * An activation object (as tfjs-layers layers hold in `layer.activation`) applying the guided
 * version of `relu` or `relu6`. Its class name is not one tfjs fuses into conv/matmul kernels, so
 * layers call its `apply` after adding the bias.
 */
export function guidedActivation(kind: 'relu' | 'relu6'): { getClassName(): string; apply(x: tf.Tensor): tf.Tensor } {
  const apply = kind === 'relu' ? guidedRelu : guidedRelu6;
  return { getClassName: () => `guided_${kind}`, apply: (x) => apply(x) };
}
