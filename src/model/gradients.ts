/**
 * Gradients of a target through a model's graph: with respect to a layer's activations (for the
 * Grad-CAM family) and with respect to the input image (plain or guided backpropagation).
 */
import * as tf from '@tensorflow/tfjs';
import { Target, TargetSpec } from '../types';
import { resolveTargets, sumOfTargets } from '../cam/targets';
import { LayerInfo, Memo, modelPlan, ModelPlan, RunMode, runSteps } from './graph';
import { checkImages, logitsOf, seedMemo } from './forward';
import { withTapeCleanup } from './tape';

/** Activations of a layer, the gradient of the target with respect to them, and the logits. */
export interface LayerGradients {
  /** A: the layer's activations. */
  readonly activations: tf.Tensor;
  /** ∂y/∂A, same shape as A, for each image's own target y. */
  readonly gradients: tf.Tensor;
  /** The pre-softmax scores z, `[batch, classes]`. */
  readonly logits: tf.Tensor2D;
}

/**
 * The head gradient: given a memo that already holds every value the head needs that does not
 * depend on the layer (computed once, outside the tape), re-runs only the part of the graph
 * downstream of the layer inside `tf.grad`, so backpropagation stops at the layer.
 */
function headGradient(
  plan: ModelPlan,
  info: LayerInfo,
  memo: Memo,
  targets: readonly Target[],
  mode: RunMode,
): { gradients: tf.Tensor; logits: tf.Tensor2D } {
  const activations = memo.get(info.output.id) as tf.Tensor;
  let logits: tf.Tensor2D | undefined;
  const { value, grad } = withTapeCleanup(() =>
    tf.valueAndGrad((a: tf.Tensor) => {
      const head = new Map(memo);
      for (const id of info.downstream) head.delete(id);
      head.set(info.output.id, a);
      runSteps(info.headSteps, head, plan.calls(mode));
      const scores = logitsOf(plan, head);
      const y = sumOfTargets(scores, targets);
      logits = tf.keep(scores);
      return y;
    })(activations),
  );
  value.dispose();
  // A kept tensor is tracked by no scope: hand a tracked copy to the caller's tidy.
  const kept = logits as tf.Tensor2D;
  const tracked = kept.clone();
  kept.dispose();
  return { gradients: grad, logits: tracked };
}

/**
 * One forward pass to `layerName` and the scores, and a backward pass from the scores to the layer
 * only: A, ∂y/∂A and z. Each image gets the gradient of its own target (one per image, or one for
 * all; default: the predicted class). Synchronous; the caller disposes the results.
 *
 * @throws RangeError for an unknown layer, a target list of the wrong length or an out-of-range class.
 */
export function layerGradients(
  model: tf.LayersModel,
  images: tf.Tensor4D,
  layerName: string,
  target?: TargetSpec,
): LayerGradients {
  checkImages(model, images);
  const plan = modelPlan(model);
  const info = plan.layerInfo(layerName);
  const targets = resolveTargets(target, images.shape[0], plan.logits.shape[1]);
  return tf.tidy(() => {
    const memo = seedMemo(plan, images);
    // Values that the head still reads stay (their readers have not run); the others go early.
    runSteps(info.stepsTo, memo, plan.calls('plain'), { plan, keep: new Set([info.output.id]) });
    const activations = memo.get(info.output.id) as tf.Tensor;
    const { gradients, logits } = headGradient(plan, info, memo, targets, 'taped');
    return { activations, gradients, logits };
  });
}

/**
 * ∂y/∂x, the gradient of each image's target with respect to the input images, `[batch, h, w, c]`.
 * With `guided`, every ReLU of the graph (ReLU layers and any layer with a relu or relu6
 * activation) backpropagates by the guided rule [x > 0]·[∂L/∂y > 0]·∂L/∂y (Springenberg et al.,
 * 2015); other activations (swish, gelu, …) by their own gradient; the model's own layers are not
 * changed. The caller disposes the result.
 */
export function inputGradients(
  model: tf.LayersModel,
  images: tf.Tensor4D,
  target?: TargetSpec,
  guided = false,
): tf.Tensor4D {
  checkImages(model, images);
  const plan = modelPlan(model);
  const targets = resolveTargets(target, images.shape[0], plan.logits.shape[1]);
  const calls = plan.calls(guided ? 'guided' : 'taped');
  return withTapeCleanup(() =>
    tf.tidy(() =>
      tf.grad((x: tf.Tensor) => {
        const memo = seedMemo(plan, x);
        runSteps(plan.steps, memo, calls);
        return sumOfTargets(logitsOf(plan, memo), targets);
      })(images) as tf.Tensor4D,
    ),
  );
}

/** Guided input gradients and plain layer gradients from one forward pass. */
export interface GuidedAndLayerGradients extends LayerGradients {
  /** The guided-backpropagation gradient with respect to the images. */
  readonly guided: tf.Tensor4D;
}

/**
 * For guided Grad-CAM: one forward pass of the whole graph (with guided ReLUs, whose forward is the
 * plain ReLU) and one guided backward pass to the image; the values that do not depend on the layer
 * are kept, so the plain-ReLU gradient at the layer costs only a re-run of the head. The caller
 * disposes the results.
 */
export function guidedAndLayerGradients(
  model: tf.LayersModel,
  images: tf.Tensor4D,
  layerName: string,
  target?: TargetSpec,
): GuidedAndLayerGradients {
  checkImages(model, images);
  const plan = modelPlan(model);
  const info = plan.layerInfo(layerName);
  const targets = resolveTargets(target, images.shape[0], plan.logits.shape[1]);
  const guidedCalls = plan.calls('guided');
  const kept: Memo = new Map();
  try {
    return withTapeCleanup(() => tf.tidy(() => {
      const guided = tf.grad((x: tf.Tensor) => {
        const memo = seedMemo(plan, x);
        runSteps(plan.steps, memo, guidedCalls);
        const y = sumOfTargets(logitsOf(plan, memo), targets);
        for (const [id, value] of memo) {
          const needed = !info.downstream.has(id) || id === info.output.id;
          if (needed && value !== x) kept.set(id, tf.keep(value));
        }
        return y;
      })(images) as tf.Tensor4D;
      const memo = new Map(kept);
      memo.set(plan.input.id, images);
      const activations = (kept.get(info.output.id) as tf.Tensor).clone();
      const { gradients, logits } = headGradient(plan, info, memo, targets, 'taped');
      return { guided, activations, gradients, logits };
    }));
  } finally {
    tf.dispose([...new Set(kept.values())].filter((t) => t !== images));
  }
}
