/**
 * Guided backpropagation (Springenberg et al., "Striving for Simplicity: The All Convolutional
 * Net", ICLR 2015 workshop, https://arxiv.org/abs/1412.6806): the gradient of the target with
 * respect to the input image, where every ReLU backpropagates by the guided rule
 *
 *   ∂L/∂x = [x > 0] · [∂L/∂y > 0] · ∂L/∂y
 *
 * The model is re-executed with its ReLUs (ReLU layers, with `max_value` too, and the relu/relu6
 * activations of any layer: Conv2D, DepthwiseConv2D, SeparableConv2D, Dense, Activation), nested
 * models included, replaced by `tf.customGrad` look-alikes that share its weights; its layers are
 * untouched. Other activations (swish, gelu, elu, tanh, sigmoid) are backpropagated as they are: the
 * guided rule is defined for the ReLU, so on a network without ReLUs (EfficientNet's swish) the result
 * is the plain input gradient.
 */
import * as tf from '@tensorflow/tfjs';
import { GradientImage, makeGradientImage, TargetSpec } from '../types';
import { inputGradients } from '../model/gradients';

/** Options of {@link guidedBackprop}. */
export interface GuidedBackpropOptions {
  /**
   * What to explain: a `Target`, a class index, or one of those per image.
   * @default the predicted class of each image (`topClassTarget()`)
   */
  readonly target?: TargetSpec;
}

/** Downloads `[batch, h, w, c]` gradients into one {@link GradientImage} per image and disposes them. */
export async function toGradientImages(gradients: tf.Tensor4D): Promise<GradientImage[]> {
  try {
    const [batch, height, width, channels] = gradients.shape;
    const data = (await gradients.data()) as Float32Array;
    const size = height * width * channels;
    return Array.from({ length: batch }, (_, b) =>
      makeGradientImage(width, height, channels, data.slice(b * size, (b + 1) * size)),
    );
  } finally {
    gradients.dispose();
  }
}

/**
 * Guided backpropagation: ∂y/∂x through guided ReLUs, [x > 0]·[∂L/∂y > 0]·∂L/∂y
 * (Springenberg et al., 2015). Returns one raw, image-sized gradient per image (not normalised).
 *
 * @throws RangeError for badly shaped images, an out-of-range class or a target list of the wrong
 *   length; Error when a nested model is used more than once (its ReLUs cannot be replaced).
 */
export async function guidedBackprop(
  model: tf.LayersModel,
  images: tf.Tensor4D,
  options: GuidedBackpropOptions = {},
): Promise<GradientImage[]> {
  return toGradientImages(inputGradients(model, images, options.target, true));
}
