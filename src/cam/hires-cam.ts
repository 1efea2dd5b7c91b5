/**
 * HiResCAM (Draelos & Carin, "Use HiResCAM instead of Grad-CAM for faithful explanations of
 * convolutional neural networks", 2020, https://arxiv.org/abs/2011.08891): the gradient itself is
 * the weight at each position (no averaging),
 *
 *   L = ReLU(Σ_k ∂y/∂A_kij · A_kij)
 *
 * which for a network ending in GAP → Dense is exactly the CAM of that class.
 */
import * as tf from '@tensorflow/tfjs';
import { Heatmap } from '../types';
import { CamOptions, gradientHeatmaps, WeightInputs } from './core';

/** HiResCAM position weights ∂y/∂A, `[batch, h, w, K]`. */
export function hiResCamWeights({ gradients }: WeightInputs): tf.Tensor4D {
  return gradients.clone();
}

/**
 * HiResCAM: L = ReLU(Σ_k ∂y/∂A_kij ⊙ A_kij) (Draelos & Carin, 2020), upsampled and normalised to
 * [0, 1].
 *
 * @throws RangeError as `gradCam`.
 */
export async function hiResCam(model: tf.LayersModel, images: tf.Tensor4D, options: CamOptions = {}): Promise<Heatmap[]> {
  return gradientHeatmaps(model, images, options, hiResCamWeights, 'hiResCam');
}
