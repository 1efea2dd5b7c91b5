/**
 * What the plumbing chose for a model, in words: the default target layer and where the class
 * scores are read, so a notebook can show it before computing maps.
 */
import * as tf from '@tensorflow/tfjs';
import { defaultLayerName, modelPlan } from './graph';

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
