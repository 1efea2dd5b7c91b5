/**
 * Tiny models with known weights and brute-force references for the localization tests.
 */
import { tf } from '../../src';

/** Deterministic pseudo-random numbers in [-1, 1) (a 32-bit LCG), for weights and images. */
export function seededValues(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** Sets every weight of `model` from {@link seededValues}, scaled by `scale`, plus a bias offset. */
export function setSeededWeights(model: tf.LayersModel, seed: number, scale = 0.5, biasOffset = 0.05): void {
  const weights = model.getWeights().map((w, i) => {
    const values = seededValues(w.size, seed + 7919 * i).map((v) => v * scale + (w.rank === 1 ? biasOffset : 0));
    return tf.tensor(values, w.shape);
  });
  model.setWeights(weights);
  tf.dispose(weights);
}

/** A seeded image batch `[batch, h, w, c]` with values in [0, 1). */
export function seededImages(batch: number, h: number, w: number, c: number, seed: number): tf.Tensor4D {
  const values = seededValues(batch * h * w * c, seed).map((v) => (v + 1) / 2);
  return tf.tensor4d(values, [batch, h, w, c]);
}

/**
 * conv 'feat' (3×3 same, relu) → GlobalAveragePooling2D 'gap' → Dense 'fc' (softmax): the CAM
 * network in miniature.
 */
export function gapModel(size = 6, channels = 2, filters = 3, classes = 4, seed = 1): tf.Sequential {
  const model = tf.sequential({ name: 'tiny_gap' });
  model.add(tf.layers.conv2d({ name: 'feat', inputShape: [size, size, channels], filters, kernelSize: 3, padding: 'same', activation: 'relu' }));
  model.add(tf.layers.globalAveragePooling2d({ name: 'gap' }));
  model.add(tf.layers.dense({ name: 'fc', units: classes, activation: 'softmax' }));
  setSeededWeights(model, seed);
  return model;
}

/**
 * conv 'feat' (3×3 same, relu) → Flatten → Dense 'fc' (softmax): here ∂z_c/∂A_ijk is the Dense
 * kernel entry W[(i·w + j)·K + k, c], so every gradient method has a closed form.
 */
export function flattenModel(size = 4, channels = 1, filters = 2, classes = 3, seed = 2): tf.Sequential {
  const model = tf.sequential({ name: 'tiny_flatten' });
  model.add(tf.layers.conv2d({ name: 'feat', inputShape: [size, size, channels], filters, kernelSize: 3, padding: 'same', activation: 'relu' }));
  model.add(tf.layers.flatten({ name: 'flat' }));
  model.add(tf.layers.dense({ name: 'fc', units: classes, activation: 'softmax' }));
  setSeededWeights(model, seed);
  return model;
}

/**
 * A functional graph with a skip connection around the target layer 'c2':
 * x → c1 (relu) → c2 (tanh) → add(c2, c1) → c3 (tanh) → GAP → Dense (softmax).
 */
export function skipModel(size = 6, seed = 3): tf.LayersModel {
  const input = tf.input({ shape: [size, size, 2], name: 'image' });
  const c1 = tf.layers.conv2d({ name: 'c1', filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(input) as tf.SymbolicTensor;
  const c2 = tf.layers.conv2d({ name: 'c2', filters: 3, kernelSize: 3, padding: 'same', activation: 'tanh' }).apply(c1) as tf.SymbolicTensor;
  const sum = tf.layers.add({ name: 'skip' }).apply([c2, c1]) as tf.SymbolicTensor;
  const c3 = tf.layers.conv2d({ name: 'c3', filters: 4, kernelSize: 3, padding: 'same', activation: 'tanh' }).apply(sum) as tf.SymbolicTensor;
  const gap = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(c3) as tf.SymbolicTensor;
  const out = tf.layers.dense({ name: 'fc', units: 3, activation: 'softmax' }).apply(gap) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out, name: 'tiny_skip' });
  setSeededWeights(model, seed, 0.6, 0.02);
  return model;
}

/** Reads a model's weights as plain arrays (for "unchanged" checks). */
export function weightSnapshot(model: tf.LayersModel): number[][] {
  return model.getWeights().map((w) => Array.from(w.dataSync()));
}

/** Each layer's name, class and activation name (for "unchanged" checks). */
export function layerSnapshot(model: tf.LayersModel): string[] {
  return model.layers.map((layer) => {
    const activation = (layer as unknown as { activation?: { getClassName(): string } }).activation;
    return `${layer.name}:${layer.getClassName()}:${activation ? activation.getClassName() : '-'}:${layer.inboundNodes.length}`;
  });
}

/** Brute-force 3×3 'same' convolution of one NHWC image (flat), bias and activation, in float64. */
export function conv3x3Same(
  image: ArrayLike<number>,
  h: number,
  w: number,
  cin: number,
  kernel: ArrayLike<number>,
  bias: ArrayLike<number>,
  cout: number,
  activation: (v: number) => number,
): Float64Array {
  const out = new Float64Array(h * w * cout);
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      for (let k = 0; k < cout; k++) {
        let s = bias[k];
        for (let di = 0; di < 3; di++) {
          for (let dj = 0; dj < 3; dj++) {
            const y = i + di - 1;
            const x = j + dj - 1;
            if (y < 0 || y >= h || x < 0 || x >= w) continue;
            for (let c = 0; c < cin; c++) s += image[(y * w + x) * cin + c] * kernel[((di * 3 + dj) * cin + c) * cout + k];
          }
        }
        out[(i * w + j) * cout + k] = activation(s);
      }
    }
  }
  return out;
}

export const relu = (v: number): number => Math.max(v, 0);

/** ReLU (optional) then min-max normalisation of a flat map, zeros for a constant one (the core's rule). */
export function reluNormalize(map: ArrayLike<number>, useRelu = true, epsilon = 1e-6): Float64Array {
  const r = Float64Array.from(map, (v) => (useRelu ? Math.max(v, 0) : v));
  let min = Infinity;
  let max = -Infinity;
  for (const v of r) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const range = max - min;
  const magnitude = Math.max(Math.abs(max), Math.abs(min));
  if (!(range > epsilon * magnitude)) return new Float64Array(r.length);
  return r.map((v) => (v - min) / range);
}

/** Largest absolute difference between two arrays of the same length. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}
