/**
 * Grad-CAM++ (Chattopadhay et al., "Grad-CAM++: Generalized Gradient-based Visual Explanations for
 * Deep Convolutional Networks", WACV 2018, https://arxiv.org/abs/1710.11063), eq. 19 with
 * Y = exp(S) so that only first-order gradients g = ∂S/∂A are needed:
 *
 *   α_kij = g_kij² / (2 g_kij² + Σ_ab A_kab · g_kij³)   (0 where the denominator is 0)
 *   w_k   = Σ_ij α_kij · ReLU(g_kij),   L = ReLU(Σ_k w_k A_k)
 *
 * A legitimate variant: pytorch-grad-cam adds ε = 1e-6 to the denominator (and sets α = 0 where
 * g = 0); this library guards the exact zero instead, so α is the paper's wherever it is defined.
 * ε matters where g² is not ≫ 1e-6, i.e. for small gradients: on the shipped models (20 test images
 * each, maps normalised to [0, 1] at 128×128, `scripts/measure-variants.ts`) the two maps differ by
 * max |Δ| 1.5e-2 (median over images; worst 4.4e-2, mean |Δ| 1.7e-3) on cam-default and 1.1e-3
 * (worst 1.6e-3, mean 2.2e-4) on gradcam-default.
 */
import * as tf from '@tensorflow/tfjs';
import { Heatmap } from '../types';
import { CamOptions, gradientHeatmaps, WeightInputs } from './core';

/** Grad-CAM++ channel weights w_k = Σ_ij α_kij ReLU(g_kij), `[batch, 1, 1, K]`. */
export function gradCamPlusPlusWeights({ activations, gradients }: WeightInputs): tf.Tensor4D {
  return tf.tidy(() => {
    const g2 = tf.square(gradients);
    const g3 = tf.mul(g2, gradients);
    const sumA = tf.sum(activations, [1, 2], true);
    const denominator = tf.add(tf.mul(g2, 2), tf.mul(sumA, g3));
    const nonZero = tf.notEqual(denominator, 0);
    const alpha = tf.where(nonZero, tf.div(g2, tf.where(nonZero, denominator, tf.onesLike(denominator))), tf.zerosLike(g2));
    return tf.sum(tf.mul(alpha, tf.relu(gradients)), [1, 2], true) as tf.Tensor4D;
  });
}

/**
 * Grad-CAM++: w_k = Σ_ij α_kij ReLU(∂S/∂A_kij), α_kij = g²/(2g² + Σ_ab A_kab g³) (Chattopadhay et
 * al., WACV 2018), L = ReLU(Σ_k w_k A_k), upsampled and normalised to [0, 1].
 *
 * @throws RangeError as `gradCam`.
 */
export async function gradCamPlusPlus(model: tf.LayersModel, images: tf.Tensor4D, options: CamOptions = {}): Promise<Heatmap[]> {
  return gradientHeatmaps(model, images, options, gradCamPlusPlusWeights, 'gradCamPlusPlus');
}
