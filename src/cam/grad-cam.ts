/**
 * Grad-CAM (Selvaraju et al., "Grad-CAM: Visual Explanations from Deep Networks via Gradient-based
 * Localization", ICCV 2017, https://arxiv.org/abs/1610.02391), eq. 1–2:
 *
 *   α_k = (1/Z) Σ_ij ∂y/∂A_kij,   L = ReLU(Σ_k α_k A_k)
 *
 * with y the target's pre-softmax score and Z = h·w.
 */
import * as tf from '@tensorflow/tfjs';
import { Heatmap } from '../types';
import { CamOptions, gradientHeatmaps, WeightInputs } from './core';

/** Grad-CAM channel weights α_k = mean_ij ∂y/∂A_kij, `[batch, 1, 1, K]`. */
export function gradCamWeights({ gradients }: WeightInputs): tf.Tensor4D {
  return tf.mean(gradients, [1, 2], true) as tf.Tensor4D;
}

/**
 * Grad-CAM: L = ReLU(Σ_k α_k A_k), α_k = (1/Z) Σ_ij ∂y/∂A_kij (Selvaraju et al., ICCV 2017), one
 * heatmap per image, upsampled to the input size and normalised to [0, 1]. One forward pass and a
 * backward pass from the scores to the layer only; works on any graph (skips, shared inputs).
 *
 * @example
 * ```ts
 * const [map] = await gradCam(model, images, { target: 281, layer: 'conv5_3' });
 * ```
 * @throws RangeError for an unknown layer, a layer without a 4-D output, an out-of-range class or
 *   a target list whose length is not the batch size.
 */
export async function gradCam(model: tf.LayersModel, images: tf.Tensor4D, options: CamOptions = {}): Promise<Heatmap[]> {
  return gradientHeatmaps(model, images, options, gradCamWeights, 'gradCam');
}
