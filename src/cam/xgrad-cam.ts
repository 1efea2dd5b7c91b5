/**
 * XGrad-CAM (Fu et al., "Axiom-based Grad-CAM: Towards Accurate Visualization and Explanation of
 * CNNs", BMVC 2020, https://arxiv.org/abs/2008.02312), eq. 13:
 *
 *   w_k = Σ_ij (A_kij / Σ_ab A_kab) · ∂y/∂A_kij   (0 for a channel whose activations sum to 0)
 *   L = ReLU(Σ_k w_k A_k)
 */
import * as tf from '@tensorflow/tfjs';
import { Heatmap } from '../types';
import { CamOptions, gradientHeatmaps, WeightInputs } from './core';

/** XGrad-CAM channel weights: the activation-weighted mean of the gradient, `[batch, 1, 1, K]`. */
export function xGradCamWeights({ activations, gradients }: WeightInputs): tf.Tensor4D {
  return tf.tidy(() => {
    const sumA = tf.sum(activations, [1, 2], true);
    const nonZero = tf.notEqual(sumA, 0);
    const safe = tf.where(nonZero, sumA, tf.onesLike(sumA));
    const weighted = tf.sum(tf.mul(activations, gradients), [1, 2], true);
    return tf.where(nonZero, tf.div(weighted, safe), tf.zerosLike(safe)) as tf.Tensor4D;
  });
}

/**
 * XGrad-CAM: w_k = Σ_ij (A_kij / Σ_ab A_kab) ∂y/∂A_kij (Fu et al., BMVC 2020),
 * L = ReLU(Σ_k w_k A_k), upsampled and normalised to [0, 1].
 *
 * @throws RangeError as `gradCam`.
 */
export async function xGradCam(model: tf.LayersModel, images: tf.Tensor4D, options: CamOptions = {}): Promise<Heatmap[]> {
  return gradientHeatmaps(model, images, options, xGradCamWeights, 'xGradCam');
}
