/**
 * Score-CAM and Eigen-CAM against brute force, batches against single calls, topK, the core's
 * normalisation and upsampling, and clear errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cam,
  classScores,
  classSumTarget,
  classTarget,
  eigenCam,
  gradCam,
  gradCamPlusPlus,
  guidedBackprop,
  guidedGradCam,
  hiResCam,
  layerActivations,
  layerCam,
  normalizeMaps,
  scoreCam,
  softmaxTarget,
  tf,
  topClassTarget,
  topK,
  upsampleMaps,
  xGradCam,
} from '../../src';
import { dominantEigenvector } from '../../src/cam/eigen-cam';
import { flattenModel, gapModel, maxAbsDiff, reluNormalize, seededImages, seededValues, skipModel } from './fixtures';

describe('Score-CAM', () => {
  it('equals softmax_k(z_c(X ⊙ H_k)) weighting, computed one masked image at a time', async () => {
    const model = gapModel(6, 2, 4, 3, 81);
    // Channel 1 constant (zero kernel, bias 0.3) and channel 2 dead (bias −10): both get blank masks.
    const [kernel, bias] = model.getLayer('feat').getWeights().map((w) => w.arraySync()) as [number[][][][], number[]];
    kernel.forEach((row) => row.forEach((col) => col.forEach((inputs) => (inputs[1] = 0))));
    bias[1] = 0.3;
    bias[2] = -10;
    const newWeights = [tf.tensor4d(kernel), tf.tensor1d(bias)];
    model.getLayer('feat').setWeights(newWeights);
    tf.dispose(newWeights);
    const images = seededImages(1, 6, 6, 2, 82);
    const c = 2;
    const A = layerActivations(model, images, 'feat');
    const a = A.dataSync();
    const K = 4;
    const P = 36;
    const scores: number[] = [];
    for (let k = 0; k < K; k++) {
      const mask = reluNormalize(Array.from({ length: P }, (_, p) => a[p * K + k]), false, 0);
      const masked = tf.tidy(() => tf.mul(images, tf.tensor4d(Float32Array.from(mask), [1, 6, 6, 1])) as tf.Tensor4D);
      const z = classScores(model, masked);
      scores.push(z.dataSync()[c]);
      tf.dispose([masked, z]);
    }
    expect(scores[1]).toBeCloseTo(scores[2], 6); // both are the score of the blank image
    const m = Math.max(...scores);
    const e = scores.map((s) => Math.exp(s - m));
    const w = e.map((v) => v / e.reduce((x, y) => x + y));
    const expected = reluNormalize(Array.from({ length: P }, (_, p) => w.reduce((s, wk, k) => s + wk * a[p * K + k], 0)));
    for (const batchSize of [1, 3, 32]) {
      const [map] = await scoreCam(model, images, { target: c, batchSize });
      expect(maxAbsDiff(map.data, expected)).toBeLessThan(2e-5);
    }
    tf.dispose([A, images]);
    model.dispose();
  });
});

describe('Eigen-CAM', () => {
  it('power iteration finds the dominant eigenvector of a known matrix', () => {
    // [[2,1],[1,2]]: λ = 3 with v = (1,1)/√2.
    const v = dominantEigenvector(new Float64Array([2, 1, 1, 2]), 2);
    expect(Math.abs(v[0])).toBeCloseTo(Math.SQRT1_2, 8);
    expect(v[0]).toBeCloseTo(v[1], 8);
  });

  it('projects on the first right singular vector (closed form for K = 2), sign mostly positive', async () => {
    const model = flattenModel(4, 1, 2, 3, 91);
    const images = seededImages(1, 4, 4, 1, 92);
    const a = layerActivations(model, images, 'feat').dataSync();
    // AᵀA = [[p, q], [q, r]]; v₁ = (q, λ₁ − p) normalised.
    let p = 0;
    let q = 0;
    let r = 0;
    for (let i = 0; i < 16; i++) {
      p += a[2 * i] * a[2 * i];
      q += a[2 * i] * a[2 * i + 1];
      r += a[2 * i + 1] * a[2 * i + 1];
    }
    const lambda = (p + r) / 2 + Math.sqrt(((p - r) / 2) ** 2 + q * q);
    const v = [q, lambda - p];
    let projection = Array.from({ length: 16 }, (_, i) => a[2 * i] * v[0] + a[2 * i + 1] * v[1]);
    if (projection.reduce((s, x) => s + x) < 0) projection = projection.map((x) => -x);
    const [map] = await eigenCam(model, images, { upsample: false });
    expect(maxAbsDiff(map.data, reluNormalize(projection))).toBeLessThan(1e-5);
    images.dispose();
    model.dispose();
  });

  it('the pixel-side Gram matrix (h·w ≤ K) gives the same map as the channel side', async () => {
    const model = gapModel(2, 2, 6, 3, 93); // 4 positions, 6 channels
    const images = seededImages(2, 2, 2, 2, 94);
    const a = layerActivations(model, images, 'feat').dataSync();
    const maps = await eigenCam(model, images, { upsample: false });
    for (let b = 0; b < 2; b++) {
      const x = a.subarray(b * 24, (b + 1) * 24);
      const gram = new Float64Array(36);
      for (let i = 0; i < 4; i++) for (let k = 0; k < 6; k++) for (let l = 0; l < 6; l++) gram[k * 6 + l] += x[i * 6 + k] * x[i * 6 + l];
      const v = dominantEigenvector(gram, 6);
      let projection = Array.from({ length: 4 }, (_, i) => v.reduce((s, vk, k) => s + vk * x[i * 6 + k], 0));
      if (projection.reduce((s, y) => s + y) < 0) projection = projection.map((y) => -y);
      expect(maxAbsDiff(maps[b].data, reluNormalize(projection))).toBeLessThan(1e-5);
    }
    images.dispose();
    model.dispose();
  });
});

describe('a batch with a different target per image equals the single-image calls', () => {
  let model: tf.LayersModel;
  let images: tf.Tensor4D;
  beforeAll(() => {
    model = skipModel(6, 101);
    images = seededImages(3, 6, 6, 2, 102);
  });
  afterAll(() => {
    images.dispose();
    model.dispose();
  });
  const targets = [0, classTarget(2), softmaxTarget(1)];
  const heatmapMethods = { cam, gradCam, gradCamPlusPlus, xGradCam, layerCam, hiResCam, scoreCam, eigenCam };
  for (const [name, method] of Object.entries(heatmapMethods)) {
    it(name, async () => {
      const batch = await method(model, images, { target: targets });
      expect(batch).toHaveLength(3);
      for (let b = 0; b < 3; b++) {
        const one = tf.slice(images, [b, 0, 0, 0], [1, -1, -1, -1]);
        const [single] = await method(model, one, { target: targets[b] });
        expect(maxAbsDiff(batch[b].data, single.data)).toBeLessThan(1e-5);
        one.dispose();
      }
    });
  }
  for (const [name, method] of Object.entries({ guidedBackprop, guidedGradCam })) {
    it(name, async () => {
      const batch = await method(model, images, { target: targets });
      for (let b = 0; b < 3; b++) {
        const one = tf.slice(images, [b, 0, 0, 0], [1, -1, -1, -1]);
        const [single] = await method(model, one, { target: targets[b] });
        expect(maxAbsDiff(batch[b].data, single.data)).toBeLessThan(1e-6);
        one.dispose();
      }
    });
  }
  it('targets differ per image (the test discriminates)', async () => {
    const a = await gradCam(model, images, { target: 0 });
    const b = await gradCam(model, images, { target: 2 });
    expect(maxAbsDiff(a[0].data, b[0].data)).toBeGreaterThan(0.01);
  });
});

describe('targets', () => {
  it('pick the logit, the top logit, the softmax probability and sums', () => {
    const z = tf.tensor1d([0.5, 2, -1]);
    expect(classTarget(2)(z).dataSync()[0]).toBe(-1);
    expect(topClassTarget()(z).dataSync()[0]).toBe(2);
    expect(classSumTarget([0, 1])(z).dataSync()[0]).toBeCloseTo(2.5, 6);
    const e = [0.5, 2, -1].map(Math.exp);
    expect(softmaxTarget(0)(z).dataSync()[0]).toBeCloseTo(e[0] / (e[0] + e[1] + e[2]), 6);
    z.dispose();
  });
});

describe('topK', () => {
  it('returns the k best classes with softmax probabilities and logits, like sorting by hand', async () => {
    const model = gapModel(6, 2, 3, 5, 111);
    const images = seededImages(2, 6, 6, 2, 112);
    const probabilities = (model.predict(images) as tf.Tensor).arraySync() as number[][];
    const logits = classScores(model, images);
    const z = logits.arraySync();
    const result = await topK(model, images, 3);
    for (let b = 0; b < 2; b++) {
      const order = probabilities[b].map((p, i) => [p, i]).sort((x, y) => y[0] - x[0]).slice(0, 3).map(([, i]) => i);
      expect(result[b].classes).toEqual(order);
      result[b].scores.forEach((s, j) => expect(s).toBeCloseTo(probabilities[b][order[j]], 6));
      result[b].logits.forEach((s, j) => expect(s).toBeCloseTo(z[b][order[j]], 6));
    }
    await expect(topK(model, images, 6)).rejects.toThrow(/k must be an integer in 1…5/);
    tf.dispose([logits, images]);
    model.dispose();
  });
});

describe('core: normalisation and upsampling', () => {
  it('a constant map gives zeros, never NaN; others span [0, 1]', () => {
    const maps = tf.tensor3d([3, 3, 3, 3, 0, 0, 0, 0, 1, 2, 3, 5], [3, 2, 2]);
    const out = normalizeMaps(maps).arraySync();
    expect(out).toEqual([
      [[0, 0], [0, 0]],
      [[0, 0], [0, 0]],
      [[0, 0.25], [0.5, 1]],
    ]);
    maps.dispose();
  });

  it('upsampling is bilinear with half-pixel centres (brute force)', () => {
    const values = Array.from(seededValues(12, 5));
    const maps = tf.tensor3d(values, [1, 3, 4]);
    const up = upsampleMaps(maps, 7, 9).dataSync();
    const at = (y: number, x: number): number => values[Math.min(Math.max(y, 0), 2) * 4 + Math.min(Math.max(x, 0), 3)];
    for (let i = 0; i < 7; i++) {
      for (let j = 0; j < 9; j++) {
        const sy = Math.max((i + 0.5) * (3 / 7) - 0.5, 0);
        const sx = Math.max((j + 0.5) * (4 / 9) - 0.5, 0);
        const y0 = Math.floor(sy);
        const x0 = Math.floor(sx);
        const fy = sy - y0;
        const fx = sx - x0;
        const expected =
          (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1)) + fy * ((1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1));
        expect(Math.abs(up[i * 9 + j] - expected)).toBeLessThan(1e-5);
      }
    }
    maps.dispose();
  });

  it('heatmaps of a model with a strided conv are upsampled to the input size', async () => {
    const model = tf.sequential();
    model.add(tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 2, kernelSize: 2, strides: 2, activation: 'relu', name: 'down' }));
    model.add(tf.layers.globalAveragePooling2d({}));
    model.add(tf.layers.dense({ units: 2, activation: 'softmax' }));
    const images = seededImages(1, 8, 8, 1, 3);
    const [map] = await gradCam(model, images, { target: 0 });
    expect([map.width, map.height]).toEqual([8, 8]);
    const [small] = await gradCam(model, images, { target: 0, upsample: false });
    expect([small.width, small.height]).toEqual([4, 4]);
    const expected = tf.tidy(() =>
      normalizeMaps(upsampleMaps(tf.tensor3d(small.data, [1, 4, 4]), 8, 8)).dataSync(),
    );
    expect(maxAbsDiff(map.data, expected)).toBeLessThan(1e-6);
    images.dispose();
    model.dispose();
  });
});

describe('clear errors', () => {
  let model: tf.LayersModel;
  let flat: tf.LayersModel;
  let images: tf.Tensor4D;
  beforeAll(() => {
    model = gapModel(6, 2, 3, 4, 121);
    flat = flattenModel(4, 1, 2, 3, 122);
    images = seededImages(2, 6, 6, 2, 123);
  });
  afterAll(() => {
    images.dispose();
    model.dispose();
    flat.dispose();
  });

  it('unknown layer name, listing the layers', async () => {
    await expect(gradCam(model, images, { layer: 'conv9' })).rejects.toThrow(/no layer named 'conv9'.*layers: feat, gap, fc/);
    expect(() => layerActivations(model, images, 'nope')).toThrow(RangeError);
  });

  it('class index out of range, naming the valid range', async () => {
    await expect(gradCam(model, images, { target: 4 })).rejects.toThrow(/class index 4 is out of range: the model has 4 classes \(valid 0…3\)/);
    await expect(cam(model, images, { target: [0, 7] })).rejects.toThrow(/out of range/);
    expect(() => classTarget(-1)).toThrow(/non-negative integer/);
  });

  it('a model without global average pooling passed to cam', async () => {
    const flatImages = seededImages(1, 4, 4, 1, 1);
    await expect(cam(flat, flatImages)).rejects.toThrow(/cam needs a model ending in conv → GlobalAveragePooling2D → Dense.*Flatten/);
    flatImages.dispose();
  });

  it('cam with another layer than the pooled one', async () => {
    await expect(cam(model, images, { layer: 'fc' })).rejects.toThrow(/options.layer must be 'feat'/);
  });

  it('a layer without a feature map', async () => {
    await expect(gradCam(model, images, { layer: 'gap' })).rejects.toThrow(/layer 'gap' must give a feature map/);
  });

  it('wrong target count, wrong image shape, bad batch size', async () => {
    await expect(gradCam(model, images, { target: [1, 2, 3] })).rejects.toThrow(/one target per image, 2, got 3/);
    const wrong = tf.zeros([1, 5, 6, 2]) as tf.Tensor4D;
    await expect(gradCam(model, wrong)).rejects.toThrow(/expects input \[\?, 6, 6, 2\], got \[1, 5, 6, 2\]/);
    wrong.dispose();
    await expect(scoreCam(model, images, { batchSize: 0 })).rejects.toThrow(/batchSize must be a positive integer/);
  });
});
