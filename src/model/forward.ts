/**
 * One eager forward pass through a model's graph that yields, together, the activations of a
 * target layer and the pre-softmax class scores (logits).
 */
import * as tf from '@tensorflow/tfjs';
import { Memo, modelPlan, ModelPlan, RunMode, runSteps } from './graph';

/**
 * Checks that `images` is a float32 `[batch, height, width, channels]` tensor that fits the model's
 * input shape (dimensions the model leaves open are free).
 *
 * @throws RangeError naming the expected shape.
 */
export function checkImages(model: tf.LayersModel, images: tf.Tensor, what = 'images'): void {
  const expected = model.inputs[0]?.shape ?? [];
  const show = (shape: ReadonlyArray<number | null>): string => `[${shape.map((d) => (d == null ? '?' : d)).join(', ')}]`;
  if (images.isDisposed) {
    throw new TypeError(`${what}: this tensor was disposed (${images.dtype} ${show(images.shape)}); make it again, e.g. with preprocess(image), or dispose it only after its last use`);
  }
  if (images.rank !== 4 || images.dtype !== 'float32') {
    throw new RangeError(`${what}: expected a float32 tensor of shape [batch, height, width, channels], got ${images.dtype} ${show(images.shape)}`);
  }
  if (images.shape[0] === 0) throw new RangeError(`${what}: the batch is empty`);
  if (expected.length !== 4 || expected.slice(1).some((d, i) => d != null && d !== images.shape[i + 1])) {
    throw new RangeError(`${what}: model '${model.name}' expects input ${show(expected)}, got ${show(images.shape)}`);
  }
}

/** A memo holding the images as the value of the model's input. */
export function seedMemo(plan: ModelPlan, images: tf.Tensor): Memo {
  const memo: Memo = new Map();
  memo.set(plan.input.id, images);
  return memo;
}

/** Reads the logits out of a memo after a full run, as `[batch, classes]`. */
export function logitsOf(plan: ModelPlan, memo: Memo): tf.Tensor2D {
  const logits = memo.get(plan.logits.id);
  if (logits === undefined) throw new Error('internal: logits were not computed');
  if (logits.rank !== 2) {
    throw new RangeError(
      `model '${plan.model.name}': expected class scores of shape [batch, classes] from ${plan.logitsNote}, got [${logits.shape}]`,
    );
  }
  return logits as tf.Tensor2D;
}

/** Activations and logits from one forward pass. */
export interface ForwardResult {
  /** Activations of the requested layer, or undefined when no layer was asked for. */
  readonly activations?: tf.Tensor;
  /** Pre-softmax class scores, `[batch, classes]`. */
  readonly logits: tf.Tensor2D;
}

/**
 * Runs the model once on `images` and returns the activations of `layerName` (if given) and the
 * pre-softmax scores, from the same pass. Synchronous; the caller owns (and disposes) the results.
 */
export function forwardPass(
  model: tf.LayersModel,
  images: tf.Tensor4D,
  layerName?: string,
  mode: RunMode = 'plain',
): ForwardResult {
  checkImages(model, images);
  const plan = modelPlan(model);
  const info = layerName === undefined ? undefined : plan.layerInfo(layerName);
  return tf.tidy(() => {
    const memo = seedMemo(plan, images);
    const keep = new Set([plan.logits.id, ...(info === undefined ? [] : [info.output.id])]);
    runSteps(plan.steps, memo, plan.calls(mode), { plan, keep });
    const logits = logitsOf(plan, memo);
    const activations = info === undefined ? undefined : (memo.get(info.output.id) as tf.Tensor);
    return activations === undefined ? { logits } : { activations, logits };
  });
}

/**
 * The pre-softmax class scores z of `model` on `images`, `[batch, classes]`: when the model ends
 * with a Dense layer with a softmax activation, z = x·W + b of that layer (its weights shared, the
 * layer untouched); when it ends with a softmax layer, that layer's input. The caller disposes z.
 */
export function classScores(model: tf.LayersModel, images: tf.Tensor4D): tf.Tensor2D {
  return forwardPass(model, images).logits;
}

/**
 * The activations of layer `layerName` on `images` (e.g. `[batch, h, w, channels]` for a conv
 * layer). The caller disposes them.
 *
 * @throws RangeError for an unknown layer name, listing the model's layers.
 */
export function layerActivations(model: tf.LayersModel, images: tf.Tensor4D, layerName: string): tf.Tensor {
  checkImages(model, images);
  const plan = modelPlan(model);
  const info = plan.layerInfo(layerName);
  return tf.tidy(() => {
    const memo = seedMemo(plan, images);
    runSteps(info.stepsTo, memo, plan.calls('plain'), { plan, keep: new Set([info.output.id]) });
    return memo.get(info.output.id) as tf.Tensor;
  });
}
