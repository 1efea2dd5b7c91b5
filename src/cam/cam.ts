/**
 * CAM, class activation mapping (Zhou et al., "Learning Deep Features for Discriminative
 * Localization", CVPR 2016, https://arxiv.org/abs/1512.04150), eq. 2: for a network ending in
 * conv → global average pooling → Dense, with W the Dense kernel,
 *
 *   M_c(x, y) = Σ_k w_k^c A_k(x, y)
 *
 * For a general target y(z) of the scores the weights are w_k = Σ_c (∂y/∂z_c) W_kc, which is w_k^c
 * for `classTarget(c)`. The feature map and the scores come from one forward pass; no backward
 * pass through the network is needed.
 */
import * as tf from '@tensorflow/tfjs';
import { Heatmap } from '../types';
import { Layer, modelPlan, runSteps } from '../model/graph';
import { checkImages, logitsOf, seedMemo } from '../model/forward';
import { withTapeCleanup } from '../model/tape';
import { CamOptions, finishMaps, toHeatmaps, weightedSum } from './core';
import { resolveTargets, sumOfTargets } from './targets';

/** Layers that are the identity at inference, allowed between the pooling and the Dense layer. */
const IDENTITY_AT_INFERENCE = new Set([
  'Dropout',
  'SpatialDropout1D',
  'SpatialDropout2D',
  'GaussianNoise',
  'GaussianDropout',
  'AlphaDropout',
  'Flatten',
]);

/** The parts of a conv → GAP → Dense network that CAM uses. */
export interface CamStructure {
  /** Name of the layer whose output is pooled (CAM_conv in VGG16-GAP). */
  readonly featureLayer: string;
  /** The global average pooling layer. */
  readonly pooling: Layer;
  /** The Dense layer giving the class scores. */
  readonly dense: Layer;
}

function producerLayer(st: tf.SymbolicTensor): Layer {
  return st.sourceLayer;
}

/**
 * Finds conv → GlobalAveragePooling2D → (dropout/flatten)* → Dense at the end of `model`.
 *
 * @throws Error explaining what was found instead when the model does not end that way.
 */
export function camStructure(model: tf.LayersModel): CamStructure {
  const plan = modelPlan(model);
  const dense = producerLayer(plan.logits);
  const need = `cam needs a model ending in conv → GlobalAveragePooling2D → Dense (model '${model.name}'`;
  if (dense.getClassName() !== 'Dense') {
    throw new Error(`${need}: its scores come from '${dense.name}', a ${dense.getClassName()}); use gradCam for other models`);
  }
  let st = dense.inboundNodes[plan.logits.nodeIndex].inputTensors[0];
  while (IDENTITY_AT_INFERENCE.has(producerLayer(st).getClassName())) {
    const input = producerLayer(st).inboundNodes[st.nodeIndex].inputTensors[0];
    if (input.shape.length !== 2) break; // e.g. Flatten of a feature map: not an identity
    st = input;
  }
  const pooling = producerLayer(st);
  if (pooling.getClassName() !== 'GlobalAveragePooling2D') {
    throw new Error(
      `${need}: '${dense.name}' is fed by '${pooling.name}', a ${pooling.getClassName()}, not global average pooling); use gradCam for other models`,
    );
  }
  if ((pooling.getConfig() as { dataFormat?: string }).dataFormat === 'channelsFirst') {
    throw new Error(`${need}: '${pooling.name}' pools channels-first data, only channels-last is supported)`);
  }
  const features = pooling.inboundNodes[st.nodeIndex].inputTensors[0];
  return { featureLayer: features.sourceLayer.name, pooling, dense };
}

/**
 * CAM: M = Σ_k w_k A_k with w_k = Σ_c (∂y/∂z_c) W_kc, i.e. w^c of the Dense layer for a class
 * target (Zhou et al., CVPR 2016), then ReLU, bilinear upsampling and normalisation to [0, 1].
 * The activations A are the input of the global average pooling; `options.layer`, if given, must
 * name that layer. One forward pass per call.
 *
 * @example
 * ```ts
 * const [map] = await cam(vgg16GapModel, images, { target: 281 });
 * ```
 * @throws Error when the model does not end in conv → GAP → Dense; RangeError for a class out of
 *   range, a target list of the wrong length, or `options.layer` naming another layer.
 */
export async function cam(model: tf.LayersModel, images: tf.Tensor4D, options: CamOptions = {}): Promise<Heatmap[]> {
  checkImages(model, images, 'cam: images');
  const { featureLayer, dense } = camStructure(model);
  if (options.layer !== undefined && options.layer !== featureLayer) {
    throw new RangeError(`cam: options.layer must be '${featureLayer}' (the layer pooled by global average pooling), got '${options.layer}'`);
  }
  const targets = resolveTargets(options.target, images.shape[0], modelPlan(model).logits.shape[1]);
  const plan = modelPlan(model);
  const info = plan.layerInfo(featureLayer);
  const maps = tf.tidy(() => {
    const memo = seedMemo(plan, images);
    runSteps(plan.steps, memo, plan.calls('plain'), { plan, keep: new Set([info.output.id, plan.logits.id]) });
    const activations = memo.get(info.output.id) as tf.Tensor4D;
    const logits = logitsOf(plan, memo);
    const dScores = withTapeCleanup(() => tf.grad((z: tf.Tensor) => sumOfTargets(z as tf.Tensor2D, targets))(logits));
    const kernel = dense.getWeights()[0];
    const weights = tf.matMul(dScores, kernel, false, true);
    const channels = activations.shape[3];
    const raw = weightedSum(activations, tf.reshape(weights, [-1, 1, 1, channels]) as tf.Tensor4D);
    return finishMaps(raw, images.shape[1], images.shape[2], options);
  });
  return toHeatmaps(maps);
}
