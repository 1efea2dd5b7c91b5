/**
 * Localization targets: small callables that pick the scalar to explain from one image's
 * pre-softmax class scores (the idea of pytorch-grad-cam's `ClassifierOutputTarget`).
 */
import * as tf from '@tensorflow/tfjs';
import { Target, TargetSpec } from '../types';

function assertClassIndex(index: number, what: string): void {
  if (!Number.isInteger(index) || index < 0) {
    throw new RangeError(`${what}: class index must be a non-negative integer, got ${index}`);
  }
}

function checkInRange(index: number, scores: tf.Tensor1D, what: string): void {
  const classes = scores.shape[0];
  if (index >= classes) {
    throw new RangeError(
      `${what}: class index ${index} is out of range: the model has ${classes} classes (valid 0…${classes - 1})`,
    );
  }
}

/**
 * The pre-softmax score (logit) of class `index`: y = z_index.
 *
 * @throws RangeError at once for a negative or non-integer index, and when applied to scores with
 *   `index ≥ numClasses`, naming the valid range.
 */
export function classTarget(index: number): Target {
  assertClassIndex(index, 'classTarget');
  return (scores) => {
    checkInRange(index, scores, 'classTarget');
    return tf.tidy(() => scores.slice([index], [1]).reshape([]) as tf.Scalar);
  };
}

/**
 * The largest pre-softmax score, i.e. the predicted class: y = max_c z_c (the gradient flows to
 * the arg-max class only). The default target of every method.
 */
export function topClassTarget(): Target {
  return (scores) => tf.max(scores) as tf.Scalar;
}

/**
 * The softmax probability of class `index`: y = exp(z_index) / Σ_c exp(z_c). Unlike the logit, it
 * also decreases with the evidence for the other classes.
 *
 * @throws RangeError as {@link classTarget}.
 */
export function softmaxTarget(index: number): Target {
  assertClassIndex(index, 'softmaxTarget');
  return (scores) => {
    checkInRange(index, scores, 'softmaxTarget');
    return tf.tidy(() => tf.softmax(scores).slice([index], [1]).reshape([]) as tf.Scalar);
  };
}

/**
 * The sum of the logits of several classes: y = Σ_{c ∈ indices} z_c (e.g. all dog breeds).
 *
 * @throws RangeError for an empty list or an invalid index, naming it.
 */
export function classSumTarget(indices: readonly number[]): Target {
  if (indices.length === 0) throw new RangeError('classSumTarget: expected at least one class index, got none');
  for (const index of indices) assertClassIndex(index, 'classSumTarget');
  const list = [...indices];
  return (scores) => {
    for (const index of list) checkInRange(index, scores, 'classSumTarget');
    return tf.tidy(() => tf.sum(tf.gather(scores, tf.tensor1d(list, 'int32'))) as tf.Scalar);
  };
}

/**
 * Resolves a {@link TargetSpec} into one {@link Target} per image: undefined → {@link topClassTarget},
 * a number → {@link classTarget}, an array → one entry per image.
 *
 * @throws RangeError when an array does not have one entry per image.
 */
export function resolveTargets(spec: TargetSpec | undefined, batch: number, numClasses?: number | null): Target[] {
  const one = (t: Target | number): Target => (typeof t === 'number' ? classTarget(t) : t);
  let targets: Target[];
  if (spec === undefined) {
    const top = topClassTarget();
    targets = Array.from({ length: batch }, () => top);
  } else if (typeof spec === 'number' || typeof spec === 'function') {
    const target = one(spec as Target | number);
    targets = Array.from({ length: batch }, () => target);
  } else {
    const list = spec as ReadonlyArray<Target | number>;
    if (list.length !== batch) {
      throw new RangeError(`target: expected one target per image, ${batch}, got ${list.length}`);
    }
    targets = list.map(one);
  }
  if (numClasses != null) checkTargets(targets, numClasses);
  return targets;
}

/**
 * Runs each distinct target once on zero scores of length `numClasses`, outside any gradient tape,
 * so that a bad target (class out of range, non-scalar result) fails before the model runs: an
 * exception inside `tf.grad` would strand the tensors tfjs saved for the backward pass.
 */
export function checkTargets(targets: readonly Target[], numClasses: number): void {
  tf.tidy(() => {
    const probe = tf.zeros([numClasses]) as tf.Tensor1D;
    [...new Set(targets)].forEach((target) => {
      const y = target(probe);
      if (y.rank !== 0) throw new RangeError(`target must return a scalar, got shape [${y.shape}]`);
    });
  });
}

/** The rows of `[batch, classes]` scores as 1-D tensors (slices, whose gradients tfjs handles per row). */
export function scoreRows(scores: tf.Tensor2D): tf.Tensor1D[] {
  const [batch, classes] = scores.shape;
  return tf.tidy(() => Array.from({ length: batch }, (_, b) => tf.reshape(tf.slice(scores, [b, 0], [1, classes]), [classes]) as tf.Tensor1D));
}

/** Σ_b target_b(scores[b]): the scalar whose gradient gives each image the gradient of its own target. */
export function sumOfTargets(scores: tf.Tensor2D, targets: readonly Target[]): tf.Scalar {
  return tf.tidy(() => {
    const rows = scoreRows(scores);
    if (rows.length !== targets.length) {
      throw new RangeError(`target: expected one target per image, ${rows.length}, got ${targets.length}`);
    }
    const values = rows.map((row, b) => {
      const y = targets[b](row);
      if (y.rank !== 0) throw new RangeError(`target ${b} must return a scalar, got shape [${y.shape}]`);
      return y;
    });
    return tf.addN(values) as tf.Scalar;
  });
}
