/**
 * The pipeline shared by every class-activation-map method: a method supplies only the weights w
 * of the target layer's activations A (per channel, `[batch, 1, 1, K]`, or per position,
 * `[batch, h, w, K]`), and the core computes
 *
 *   L = normalise(upsample(ReLU(Σ_k w_k ⊙ A_k)))
 *
 * with bilinear upsampling to the input size (half-pixel centres, as OpenCV and PIL resize) and
 * min-max normalisation to [0, 1] per image, where a constant map gives zeros, never NaN.
 */
import * as tf from '@tensorflow/tfjs';
import { Heatmap, makeHeatmap, TargetSpec } from '../types';
import { defaultLayerName, modelPlan } from '../model/graph';
import { checkImages } from '../model/forward';
import { layerGradients } from '../model/gradients';
import { resolveTargets } from './targets';

/** Options shared by the localization methods. */
export interface CamOptions {
  /**
   * What to explain: a `Target`, a class index, or one of those per image.
   * @default the predicted class of each image (`topClassTarget()`)
   */
  readonly target?: TargetSpec;
  /**
   * Name of the layer whose activations are weighted.
   * @default `defaultLayerName(model)`: the last convolutional layer on the path to the scores, or the
   *   first layer after it that every path goes through when a skip connection or branch bypasses it
   */
  readonly layer?: string;
  /** Apply a ReLU to the weighted sum (keep only evidence for the target). @default true */
  readonly relu?: boolean;
  /** Upsample the map bilinearly to the input image size; false keeps the layer's h × w. @default true */
  readonly upsample?: boolean;
  /**
   * A map whose range (max − min) is at most `epsilon` × its largest magnitude counts as constant
   * and becomes all zeros, so that round-off is never blown up to [0, 1] and 0/0 never happens.
   * @default 1e-6
   */
  readonly epsilon?: number;
}

/** The inputs a method's weight function sees. */
export interface WeightInputs {
  /** A: activations of the target layer, `[batch, h, w, K]`. */
  readonly activations: tf.Tensor4D;
  /** ∂y/∂A for each image's target, `[batch, h, w, K]`. */
  readonly gradients: tf.Tensor4D;
}

/** A method's weights: `[batch, 1, 1, K]` per channel or `[batch, h, w, K]` per position. */
export type WeightFunction = (inputs: WeightInputs) => tf.Tensor4D;

/** Resolves `options.layer`, defaulting to the last convolutional layer. */
export function resolveLayer(model: tf.LayersModel, layer: string | undefined): string {
  return layer ?? defaultLayerName(model);
}

/** Checks that a layer's activations are a 4-D feature map, naming the method and the layer. */
export function assertFeatureMap(activations: tf.Tensor, layer: string, method: string): asserts activations is tf.Tensor4D {
  if (activations.rank !== 4) {
    throw new RangeError(
      `${method}: layer '${layer}' must give a feature map [batch, h, w, channels], got shape [${activations.shape}]; pass a convolutional layer as options.layer`,
    );
  }
}

/** Checks, before any computation, that layer `layer` of `model` outputs a 4-D feature map. */
export function assertFeatureLayer(model: tf.LayersModel, layer: string, method: string): void {
  const shape = modelPlan(model).layerInfo(layer).output.shape;
  if (shape.length !== 4) {
    throw new RangeError(
      `${method}: layer '${layer}' must give a feature map [batch, h, w, channels], got shape [${shape.map((d) => d ?? '?')}]; pass a convolutional layer as options.layer`,
    );
  }
}

function checkEpsilon(epsilon: number): void {
  if (!(epsilon >= 0) || !Number.isFinite(epsilon)) {
    throw new RangeError(`epsilon must be a finite number ≥ 0, got ${epsilon}`);
  }
}

/** Σ_k w_k ⊙ A_k over the channel axis: `[batch, h, w, K]` × weights → `[batch, h, w]`. */
export function weightedSum(activations: tf.Tensor4D, weights: tf.Tensor4D): tf.Tensor3D {
  return tf.tidy(() => tf.sum(tf.mul(activations, weights), 3) as tf.Tensor3D);
}

/**
 * Min-max normalisation per image: (L − min L) / (max L − min L), and zeros where
 * max L − min L ≤ `epsilon` · max |L| (a constant map).
 */
export function normalizeMaps(maps: tf.Tensor3D, epsilon = 1e-6): tf.Tensor3D {
  checkEpsilon(epsilon);
  return tf.tidy(() => {
    const min = tf.min(maps, [1, 2], true);
    const max = tf.max(maps, [1, 2], true);
    const range = tf.sub(max, min);
    const magnitude = tf.maximum(tf.abs(max), tf.abs(min));
    const varies = tf.greater(range, tf.mul(magnitude, epsilon));
    const safeRange = tf.where(varies, range, tf.onesLike(range));
    const scaled = tf.div(tf.sub(maps, min), safeRange);
    return tf.mul(scaled, tf.cast(varies, 'float32')) as tf.Tensor3D;
  });
}

/** Bilinear upsampling of `[batch, h, w]` maps to `height × width`: half-pixel centres, or aligned corners (pytorch `align_corners=True`) when `alignCorners`. */
export function upsampleMaps(maps: tf.Tensor3D, height: number, width: number, alignCorners = false): tf.Tensor3D {
  return tf.tidy(() => {
    if (maps.shape[1] === height && maps.shape[2] === width) return maps.clone();
    const resized = tf.image.resizeBilinear(tf.expandDims(maps, 3) as tf.Tensor4D, [height, width], alignCorners, !alignCorners);
    return tf.squeeze(resized, [3]) as tf.Tensor3D;
  });
}

/** ReLU (optional), upsampling to `height × width` (optional) and normalisation of raw maps. */
export function finishMaps(raw: tf.Tensor3D, height: number, width: number, options: CamOptions): tf.Tensor3D {
  const epsilon = options.epsilon ?? 1e-6;
  checkEpsilon(epsilon);
  return tf.tidy(() => {
    const rectified = options.relu ?? true ? tf.relu(raw) : raw;
    const sized = options.upsample ?? true ? upsampleMaps(rectified, height, width) : rectified;
    return normalizeMaps(sized, epsilon);
  });
}

/** Downloads `[batch, h, w]` maps into one {@link Heatmap} per image and disposes them. */
export async function toHeatmaps(maps: tf.Tensor3D): Promise<Heatmap[]> {
  try {
    const [batch, height, width] = maps.shape;
    const data = (await maps.data()) as Float32Array;
    const size = height * width;
    return Array.from({ length: batch }, (_, b) => makeHeatmap(width, height, data.slice(b * size, (b + 1) * size)));
  } finally {
    maps.dispose();
  }
}

/**
 * The gradient-weighted pipeline: one forward pass, one backward pass from the scores to the layer,
 * the method's weights w(A, ∂y/∂A), then Σ_k w_k ⊙ A_k, ReLU, upsampling and normalisation.
 */
export function gradientMaps(
  model: tf.LayersModel,
  images: tf.Tensor4D,
  options: CamOptions,
  weights: WeightFunction,
  method: string,
): tf.Tensor3D {
  checkImages(model, images, `${method}: images`);
  const layer = resolveLayer(model, options.layer);
  resolveTargets(options.target, images.shape[0], modelPlan(model).logits.shape[1]);
  assertFeatureLayer(model, layer, method);
  return tf.tidy(() => {
    const { activations, gradients } = layerGradients(model, images, layer, options.target);
    assertFeatureMap(activations, layer, method);
    const raw = weightedSum(activations, weights({ activations, gradients: gradients as tf.Tensor4D }));
    return finishMaps(raw, images.shape[1], images.shape[2], options);
  });
}

/** {@link gradientMaps} downloaded into heatmaps. */
export async function gradientHeatmaps(
  model: tf.LayersModel,
  images: tf.Tensor4D,
  options: CamOptions,
  weights: WeightFunction,
  method: string,
): Promise<Heatmap[]> {
  return toHeatmaps(gradientMaps(model, images, options, weights, method));
}
