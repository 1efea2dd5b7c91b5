/**
 * Guided Grad-CAM (Selvaraju et al., ICCV 2017, section 3.1): the element-wise product of guided
 * backpropagation and the Grad-CAM map upsampled to the image,
 *
 *   G(x, y, c) = ∂y/∂I(x, y, c) |guided · L_Grad-CAM(x, y)
 *
 * computed from one forward pass: the guided backward pass goes to the image, and the plain
 * gradient at the layer re-runs only the head of the network.
 */
import * as tf from '@tensorflow/tfjs';
import { GradientImage } from '../types';
import { guidedAndLayerGradients } from '../model/gradients';
import { modelPlan } from '../model/graph';
import { checkImages } from '../model/forward';
import { assertFeatureLayer, CamOptions, finishMaps, resolveLayer, weightedSum } from './core';
import { gradCamWeights } from './grad-cam';
import { toGradientImages } from './guided-backprop';
import { resolveTargets } from './targets';

/**
 * Guided Grad-CAM: guided backpropagation × Grad-CAM, G = ∂y/∂I|guided ⊙ upsample(L_Grad-CAM)
 * (Selvaraju et al., ICCV 2017). Returns one raw image-sized product per image (channels of the
 * input); the Grad-CAM factor is normalised to [0, 1] and always upsampled (`options.upsample` is
 * ignored).
 *
 * @throws RangeError as `gradCam` and `guidedBackprop`.
 */
export async function guidedGradCam(
  model: tf.LayersModel,
  images: tf.Tensor4D,
  options: CamOptions = {},
): Promise<GradientImage[]> {
  checkImages(model, images, 'guidedGradCam: images');
  const layer = resolveLayer(model, options.layer);
  resolveTargets(options.target, images.shape[0], modelPlan(model).logits.shape[1]);
  assertFeatureLayer(model, layer, 'guidedGradCam');
  const product = tf.tidy(() => {
    const { guided, activations, gradients } = guidedAndLayerGradients(model, images, layer, options.target);
    const weights = gradCamWeights({ activations: activations as tf.Tensor4D, gradients: gradients as tf.Tensor4D });
    const raw = weightedSum(activations as tf.Tensor4D, weights);
    const map = finishMaps(raw, images.shape[1], images.shape[2], { ...options, upsample: true });
    return tf.mul(guided, tf.expandDims(map, 3)) as tf.Tensor4D;
  });
  return toGradientImages(product);
}
