/**
 * LayerCAM (Jiang et al., "LayerCAM: Exploring Hierarchical Class Activation Maps for
 * Localization", IEEE TIP 2021), eq. 5–6: a weight per position instead of per channel,
 *
 *   L = ReLU(Σ_k ReLU(∂y/∂A_kij) · A_kij)
 *
 * which keeps fine detail when used on shallow layers.
 */
import * as tf from '@tensorflow/tfjs';
import { Heatmap } from '../types';
import { CamOptions, gradientHeatmaps, WeightInputs } from './core';

/** LayerCAM position weights ReLU(∂y/∂A), `[batch, h, w, K]`. */
export function layerCamWeights({ gradients }: WeightInputs): tf.Tensor4D {
  return tf.relu(gradients);
}

/**
 * LayerCAM: L = ReLU(Σ_k ReLU(∂y/∂A_kij) A_kij) (Jiang et al., IEEE TIP 2021), upsampled and
 * normalised to [0, 1].
 *
 * @throws RangeError as `gradCam`.
 */
export async function layerCam(model: tf.LayersModel, images: tf.Tensor4D, options: CamOptions = {}): Promise<Heatmap[]> {
  return gradientHeatmaps(model, images, options, layerCamWeights, 'layerCam');
}
