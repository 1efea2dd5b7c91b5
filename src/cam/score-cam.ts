/**
 * Score-CAM (Wang et al., "Score-CAM: Score-Weighted Visual Explanations for Convolutional Neural
 * Networks", CVPR 2020 workshops, https://arxiv.org/abs/1910.01279), eq. 4–7: each activation map,
 * upsampled and min-max normalised to a mask H_k ∈ [0, 1], masks the image, and the target's score
 * on the masked image weighs the map,
 *
 *   s_k = y(X ⊙ H_k),   w = softmax_k(s),   L = ReLU(Σ_k w_k A_k)
 *
 * The paper's baseline term y(X_b) is the same for every k, and the softmax over k cancels it. No
 * gradients; K masked forward passes, run in batches.
 */
import * as tf from '@tensorflow/tfjs';
import { Heatmap, Target } from '../types';
import { modelPlan, runSteps } from '../model/graph';
import { checkImages, forwardPass, logitsOf, seedMemo } from '../model/forward';
import { assertFeatureLayer, CamOptions, finishMaps, normalizeMaps, resolveLayer, toHeatmaps, upsampleMaps, weightedSum } from './core';
import { classTarget, resolveTargets, scoreRows } from './targets';

/** Options of {@link scoreCam}. */
export interface ScoreCamOptions extends CamOptions {
  /** Masked images per forward pass. @default 32 */
  readonly batchSize?: number;
  /**
   * Upsample the masks H_k with aligned corners (pytorch-grad-cam's `UpsamplingBilinear2d`) instead
   * of half-pixel centres (this library's maps, OpenCV, PIL). Only the masks: the final map is
   * upsampled as every other method's. @default false
   */
  readonly alignCorners?: boolean;
}

/** Scores y(X ⊙ H_k) of one image for masks `[n, H, W]`, as `[n]`. */
function maskedScores(model: tf.LayersModel, image: tf.Tensor4D, masks: tf.Tensor3D, target: Target): tf.Tensor1D {
  return tf.tidy(() => {
    const plan = modelPlan(model);
    const masked = tf.mul(image, tf.expandDims(masks, 3));
    const memo = seedMemo(plan, masked);
    runSteps(plan.steps, memo, plan.calls('plain'), { plan, keep: new Set([plan.logits.id]) });
    const rows = scoreRows(logitsOf(plan, memo));
    return tf.stack(rows.map((row) => target(row))) as tf.Tensor1D;
  });
}

/**
 * The channel weights softmax_k(y(X ⊙ H_k)) of one image, `[K]`. Channels whose map is constant
 * have the all-zero mask, so they share one forward pass of the blank image.
 */
function scoreWeights(
  model: tf.LayersModel,
  image: tf.Tensor4D,
  activations: tf.Tensor3D,
  target: Target,
  batchSize: number,
  alignCorners: boolean,
): tf.Tensor1D {
  const [height, width] = [image.shape[1], image.shape[2]];
  const channels = activations.shape[2];
  const masks = tf.tidy(() => {
    const perChannel = tf.transpose(activations, [2, 0, 1]) as tf.Tensor3D;
    return normalizeMaps(upsampleMaps(perChannel, height, width, alignCorners), 0);
  });
  try {
    const peaks = tf.tidy(() => tf.max(masks, [1, 2]).dataSync());
    const varying: number[] = [];
    for (let k = 0; k < channels; k++) if (peaks[k] > 0) varying.push(k);
    const scores = new Float32Array(channels);
    if (varying.length < channels) {
      const blank = tf.tidy(() => maskedScores(model, image, tf.zeros([1, height, width]) as tf.Tensor3D, target).dataSync()[0]);
      scores.fill(blank);
    }
    for (let start = 0; start < varying.length; start += batchSize) {
      const chunk = varying.slice(start, start + batchSize);
      const values = tf.tidy(() => maskedScores(model, image, tf.gather(masks, chunk) as tf.Tensor3D, target).dataSync());
      chunk.forEach((k, i) => (scores[k] = values[i]));
    }
    return tf.tidy(() => tf.softmax(tf.tensor1d(scores)) as tf.Tensor1D);
  } finally {
    masks.dispose();
  }
}

/**
 * The default target of Score-CAM: the class the model predicts on each *unmasked* image,
 * c_b = argmax_c z_c(X_b), as `classTarget(c_b)`. Score-CAM (Wang et al., eq. 4–7) scores every
 * masked image X ⊙ H_k by that one class; `topClassTarget()` would instead pick whichever class wins
 * on each masked image (issue 14 found a different class in 45–73 % of the masked passes of the
 * shipped models).
 */
function predictedClassTargets(logits: tf.Tensor2D): Target[] {
  const classes = tf.tidy(() => tf.argMax(logits, 1).dataSync());
  return Array.from(classes, (c) => classTarget(c));
}

/**
 * Score-CAM: L = ReLU(Σ_k softmax_k(y(X ⊙ H_k)) A_k), H_k the k-th activation map upsampled and
 * normalised to [0, 1] (Wang et al., CVPR-W 2020). Needs K extra forward passes per image
 * (K = channels of the layer), `batchSize` at a time.
 *
 * Which score y is: with no `target`, the pre-softmax score of the class predicted on the unmasked
 * image, the same class for all K masked images (the paper's definition; equal to passing that class
 * index). A `target` you pass is a function of the class scores and is evaluated on the scores of
 * each *masked* image: `topClassTarget()` therefore scores each mask by whichever class wins on that
 * masked image, which is not Score-CAM; `classTarget(c)` / a class index fixes the class.
 *
 * Masks are upsampled like every map of this library, bilinear with half-pixel centres (tfjs
 * `resizeBilinear`, `alignCorners: false`). A legitimate variant: pytorch-grad-cam upsamples
 * Score-CAM's masks with aligned corners (`UpsamplingBilinear2d`), which `alignCorners: true`
 * reproduces. The masks shift by up to half a feature cell, so the scores and the map change: on the
 * shipped models (20 test images each, maps normalised to [0, 1] at 128×128,
 * `scripts/measure-variants.ts`) by max |Δ| 3.9e-2 (median over images; worst 0.13, mean |Δ| 3.1e-3)
 * on cam-default (16×16 masks) and 0.10 (worst 0.35, mean |Δ| 1.6e-2) on gradcam-default (8×8).
 *
 * @throws RangeError as `gradCam`, and for a `batchSize` that is not a positive integer.
 */
export async function scoreCam(model: tf.LayersModel, images: tf.Tensor4D, options: ScoreCamOptions = {}): Promise<Heatmap[]> {
  checkImages(model, images, 'scoreCam: images');
  const batchSize = options.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`scoreCam: batchSize must be a positive integer, got ${batchSize}`);
  }
  const layer = resolveLayer(model, options.layer);
  const classes = modelPlan(model).logits.shape[1];
  const explicit = options.target === undefined ? undefined : resolveTargets(options.target, images.shape[0], classes);
  assertFeatureLayer(model, layer, 'scoreCam');
  const maps = tf.tidy(() => {
    const { activations, logits } = forwardPass(model, images, layer);
    const targets = explicit ?? predictedClassTargets(logits);
    const perImage = targets.map((target, b) => {
      const image = tf.slice(images, [b, 0, 0, 0], [1, -1, -1, -1]);
      const a = tf.squeeze(tf.slice(activations as tf.Tensor4D, [b, 0, 0, 0], [1, -1, -1, -1]), [0]) as tf.Tensor3D;
      return scoreWeights(model, image, a, target, batchSize, options.alignCorners ?? false);
    });
    const weights = tf.reshape(tf.stack(perImage), [images.shape[0], 1, 1, -1]) as tf.Tensor4D;
    return finishMaps(weightedSum(activations as tf.Tensor4D, weights), images.shape[1], images.shape[2], options);
  });
  return toHeatmaps(maps);
}
