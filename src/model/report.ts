/**
 * What the plumbing chose for a model, in words: the default target layer and where the class
 * scores are read, so a notebook can show it before computing maps.
 */
import * as tf from '@tensorflow/tfjs';
import { CONV_CLASSES, cutPositions, defaultLayerName, modelPlan } from './graph';

/** The plumbing's choices for one model. */
export interface PlumbingReport {
  /** The default target layer (the last convolutional layer), or undefined when there is none. */
  readonly defaultLayer: string | undefined;
  /** Its output shape, e.g. `[null, 14, 14, 512]`. */
  readonly defaultLayerShape: ReadonlyArray<number | null> | undefined;
  /** Where the pre-softmax scores come from, e.g. "the logits of 'fc8' (its softmax skipped)". */
  readonly scores: string;
  /** The layers on the path from the input to the scores, in graph order. */
  readonly layers: readonly string[];
}

/**
 * Reports the default target layer and the source of the class scores that the localization
 * methods will use on `model`.
 *
 * @example
 * ```ts
 * plumbingReport(vgg16());
 * // { defaultLayer: 'conv5_3', defaultLayerShape: [null, 14, 14, 512],
 * //   scores: "the logits of 'fc8' (its softmax skipped)", layers: ['conv1_1', …, 'fc8'] }
 * ```
 */
export function plumbingReport(model: tf.LayersModel): PlumbingReport {
  const plan = modelPlan(model);
  let defaultLayer: string | undefined;
  try {
    defaultLayer = defaultLayerName(model);
  } catch {
    defaultLayer = undefined;
  }
  return {
    defaultLayer,
    defaultLayerShape: defaultLayer === undefined ? undefined : plan.layerInfo(defaultLayer).output.shape,
    scores: plan.logitsNote,
    layers: plan.layerNames,
  };
}

/** A layer whose feature map the CAM methods can weigh (`options.layer`). */
export interface FeatureLayer {
  readonly name: string;
  /** tfjs class, e.g. `Conv2D`, `Add`, `Concatenate`. */
  readonly className: string;
  /** Output `[height, width, channels]`. */
  readonly outputSize: readonly [number, number, number];
  /** A convolution (Conv2D, SeparableConv2D, DepthwiseConv2D, Conv2DTranspose). */
  readonly convolution: boolean;
  /** Every path from the input to the scores goes through this layer's output (no branch bypasses it). */
  readonly cut: boolean;
  /** The default target layer ({@link defaultLayerName}). */
  readonly isDefault: boolean;
}

/**
 * The layers on the path to the scores that give a feature map `[batch, h, w, c]` and are either a
 * convolution or a layer every path goes through (ResNet's `add`/`out`, Inception's `mixed`,
 * DenseNet's `concat`, batch norms and activations of a chain), in graph order: the candidates for
 * `options.layer`, with their output sizes.
 */
export function featureLayers(model: tf.LayersModel): FeatureLayer[] {
  const plan = modelPlan(model);
  const cuts = cutPositions(plan);
  let defaultLayer: string | undefined;
  try {
    defaultLayer = defaultLayerName(model);
  } catch {
    defaultLayer = undefined;
  }
  const layers: FeatureLayer[] = [];
  plan.steps.forEach((step, k) => {
    const shape = step.outputs[0]?.shape;
    if (step.layer === undefined || shape === undefined || shape.length !== 4) return;
    const convolution = CONV_CLASSES.has(step.layer.getClassName());
    if (!convolution && !cuts.has(k)) return;
    const [, h, w, c] = shape;
    layers.push({
      name: step.layer.name,
      className: step.layer.getClassName(),
      outputSize: [h ?? 0, w ?? 0, c ?? 0],
      convolution,
      cut: cuts.has(k),
      isDefault: step.layer.name === defaultLayer,
    });
  });
  return layers;
}
