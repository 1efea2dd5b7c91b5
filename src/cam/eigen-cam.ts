/**
 * Eigen-CAM (Muhammad & Yeasin, "Eigen-CAM: Class Activation Map using Principal Components",
 * IJCNN 2020, https://arxiv.org/abs/2008.00299): the projection of the activations on their first
 * principal direction, with no gradient and no class,
 *
 *   A = U Σ Vᵀ  (A as an (h·w) × K matrix),   L = ReLU(A v₁)
 *
 * v₁ is found by power iteration on the smaller Gram matrix (A Aᵀ or Aᵀ A). Its sign is arbitrary;
 * it is fixed so that the map is mostly positive (Σ L ≥ 0), or, with `center`, so that the map
 * grows with the total activation Σ_k A_k (the centred map always sums to 0).
 */
import * as tf from '@tensorflow/tfjs';
import { Heatmap } from '../types';
import { checkImages, layerActivations } from '../model/forward';
import { assertFeatureLayer, CamOptions, finishMaps, resolveLayer, toHeatmaps } from './core';

/** Options of {@link eigenCam}. `target` is ignored: Eigen-CAM does not depend on the class. */
export interface EigenCamOptions extends CamOptions {
  /** Subtract each channel's mean over positions first (PCA proper, as pytorch-grad-cam). @default false */
  readonly center?: boolean;
}

/** The dominant eigenvector of a symmetric positive semi-definite n × n matrix (row-major), by power iteration. */
export function dominantEigenvector(matrix: Float32Array | Float64Array, n: number, maxIterations = 2000): Float64Array {
  if (matrix.length !== n * n) throw new RangeError(`dominantEigenvector: expected ${n}×${n} = ${n * n} values, got ${matrix.length}`);
  let v = new Float64Array(n);
  let seed = 12345;
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    v[i] = 1 + seed / 2147483648;
  }
  const normalize = (x: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < n; i++) s += x[i] * x[i];
    const norm = Math.sqrt(s);
    if (norm > 0) for (let i = 0; i < n; i++) x[i] /= norm;
    return norm;
  };
  normalize(v);
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    const next = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      let s = 0;
      for (let c = 0; c < n; c++) s += matrix[r * n + c] * v[c];
      next[r] = s;
    }
    if (normalize(next) === 0) return next;
    let change = 0;
    for (let i = 0; i < n; i++) change = Math.max(change, Math.abs(next[i] - v[i]));
    v = next;
    if (change < 1e-10) break;
  }
  return v;
}

/** The raw (sign-fixed, not rectified) Eigen-CAM projection of one image, `positions` values. */
function projection(a: Float32Array, positions: number, channels: number, center: boolean): Float64Array {
  const x = new Float64Array(positions * channels);
  for (let i = 0; i < x.length; i++) x[i] = a[i];
  if (center) {
    for (let k = 0; k < channels; k++) {
      let mean = 0;
      for (let p = 0; p < positions; p++) mean += x[p * channels + k];
      mean /= positions;
      for (let p = 0; p < positions; p++) x[p * channels + k] -= mean;
    }
  }
  const out = new Float64Array(positions);
  if (positions <= channels) {
    // Left singular vector: dominant eigenvector of X Xᵀ (positions × positions), ∝ X v₁.
    const gram = new Float64Array(positions * positions);
    for (let p = 0; p < positions; p++) {
      for (let q = p; q < positions; q++) {
        let s = 0;
        for (let k = 0; k < channels; k++) s += x[p * channels + k] * x[q * channels + k];
        gram[p * positions + q] = s;
        gram[q * positions + p] = s;
      }
    }
    out.set(dominantEigenvector(gram, positions));
  } else {
    const gram = new Float64Array(channels * channels);
    for (let p = 0; p < positions; p++) {
      for (let k = 0; k < channels; k++) {
        const xk = x[p * channels + k];
        if (xk === 0) continue;
        for (let l = 0; l < channels; l++) gram[k * channels + l] += xk * x[p * channels + l];
      }
    }
    const v = dominantEigenvector(gram, channels);
    for (let p = 0; p < positions; p++) {
      let s = 0;
      for (let k = 0; k < channels; k++) s += x[p * channels + k] * v[k];
      out[p] = s;
    }
  }
  let orientation = 0;
  for (let p = 0; p < positions; p++) {
    if (center) {
      let total = 0;
      for (let k = 0; k < channels; k++) total += a[p * channels + k];
      orientation += out[p] * total;
    } else {
      orientation += out[p];
    }
  }
  if (orientation < 0) for (let p = 0; p < positions; p++) out[p] = -out[p];
  return out;
}

/**
 * Eigen-CAM: L = ReLU(A v₁), v₁ the first right singular vector of the activations reshaped to
 * (h·w) × K, sign fixed so that the map is mostly positive (Muhammad & Yeasin, IJCNN 2020); then
 * upsampled and normalised to [0, 1]. Class-agnostic: `options.target` is ignored.
 *
 * @throws RangeError for badly shaped images, an unknown layer or one without a 4-D output.
 */
export async function eigenCam(model: tf.LayersModel, images: tf.Tensor4D, options: EigenCamOptions = {}): Promise<Heatmap[]> {
  checkImages(model, images, 'eigenCam: images');
  const layer = resolveLayer(model, options.layer);
  assertFeatureLayer(model, layer, 'eigenCam');
  const activations = layerActivations(model, images, layer) as tf.Tensor4D;
  const [batch, h, w, channels] = activations.shape;
  let data: Float32Array;
  try {
    data = (await activations.data()) as Float32Array;
  } finally {
    activations.dispose();
  }
  const positions = h * w;
  const raw = new Float32Array(batch * positions);
  for (let b = 0; b < batch; b++) {
    const slice = data.subarray(b * positions * channels, (b + 1) * positions * channels);
    raw.set(projection(slice, positions, channels, options.center ?? false), b * positions);
  }
  const maps = tf.tidy(() => finishMaps(tf.tensor3d(raw, [batch, h, w]), images.shape[1], images.shape[2], options));
  return toHeatmaps(maps);
}
