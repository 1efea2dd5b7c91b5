import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { ClassifierFn, probabilitiesOf } from '../../src/metrics/classifier';
import { averageDrop, confidencePairs, increaseInConfidence } from '../../src/metrics/confidenceChange';
import { curveArea, deletionCurve, gaussianBlur, insertionCurve, saliencyRanks } from '../../src/metrics/deletionInsertion';
import { Heatmap } from '../../src/types';
import { seeded } from './helpers';

/** A two-class "model" with a closed form: p(class 0) = mean of all pixel values (images in [0, 1]). */
const meanModel: ClassifierFn = (x) =>
  tf.tidy(() => {
    const m = tf.mean(x, [1, 2, 3]);
    return tf.stack([m, tf.sub(1, m)], 1) as tf.Tensor2D;
  });

function randomImage(rand: () => number, h: number, w: number, c: number): { tensor: tf.Tensor3D; data: Float32Array } {
  const data = Float32Array.from({ length: h * w * c }, () => rand());
  return { tensor: tf.tensor3d(data, [h, w, c]), data };
}

function randomHeatmap(rand: () => number, w: number, h: number): Heatmap {
  // a few repeated values, so ties are exercised
  return { width: w, height: h, data: Float32Array.from({ length: w * h }, () => Math.floor(rand() * 6) / 5) };
}

describe('curveArea', () => {
  it('is the trapezoidal rule over [0, 1]', () => {
    expect(curveArea([1, 0])).toBe(0.5);
    expect(curveArea([0, 0.5, 1])).toBe(0.5);
    expect(curveArea([1, 1, 1, 1])).toBe(1);
    expect(() => curveArea([1])).toThrow(/at least 2 points/);
  });
});

describe('saliencyRanks', () => {
  it('ranks the most salient first, ties in raster order', () => {
    expect(Array.from(saliencyRanks({ width: 4, height: 1, data: Float32Array.from([0.5, 1, 0.5, 0]) }))).toEqual([1, 0, 2, 3]);
  });
});

describe('deletion and insertion curves', () => {
  it('deleting a uniform image at a linear pace gives AUC 1/2, inserting it too', async () => {
    const image = tf.ones([4, 5, 3]) as tf.Tensor3D;
    const heatmap = { width: 5, height: 4, data: Float32Array.from({ length: 20 }, (_, i) => i / 20) };
    const del = await deletionCurve(meanModel, image, heatmap, 0, { steps: 4 });
    expect(Array.from(del.probabilities)).toEqual([1, 0.75, 0.5, 0.25, 0]);
    expect(del.auc).toBe(0.5);
    // steps that do not divide the pixel count: n_k = round(20k/3) = 0, 7, 13, 20
    const uneven = await deletionCurve(meanModel, image, heatmap, 0, { steps: 3, batchSize: 2 });
    [1, 13 / 20, 7 / 20, 0].forEach((p, k) => expect(uneven.probabilities[k]).toBeCloseTo(p, 6));
    const ins = await insertionCurve(meanModel, image, heatmap, 0, { steps: 4, baseline: 'zeros' });
    expect(Array.from(ins.probabilities)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(Array.from(ins.fractions)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    image.dispose();
  });

  it('matches a brute-force replay on a random image (deletion to zeros, insertion from a given baseline)', async () => {
    const rand = seeded(21);
    const [h, w, c] = [6, 7, 2];
    const img = randomImage(rand, h, w, c);
    const base = randomImage(rand, h, w, c);
    const heatmap = randomHeatmap(rand, w, h);
    const steps = 10;
    const ranks = saliencyRanks(heatmap);
    const replay = (start: Float32Array, end: Float32Array): number[] =>
      Array.from({ length: steps + 1 }, (_, k) => {
        const n = Math.round((k * w * h) / steps);
        let sum = 0;
        for (let p = 0; p < w * h; p++) for (let ch = 0; ch < c; ch++) sum += (ranks[p] < n ? end : start)[p * c + ch];
        return sum / (w * h * c);
      });
    const zeros = new Float32Array(h * w * c);
    const del = await deletionCurve(meanModel, img.tensor, heatmap, 0, { steps, batchSize: 4 });
    replay(img.data, zeros).forEach((p, k) => expect(del.probabilities[k]).toBeCloseTo(p, 5));
    const ins = await insertionCurve(meanModel, img.tensor, heatmap, 1, { steps, baseline: base.tensor });
    replay(base.data, img.data).forEach((p, k) => expect(ins.probabilities[k]).toBeCloseTo(1 - p, 5));
    expect(ins.auc).toBeCloseTo(curveArea(Array.from(ins.probabilities)), 12);
    // the caller's tensors are untouched
    expect(Array.from(img.tensor.dataSync())).toEqual(Array.from(img.data));
    tf.dispose([img.tensor, base.tensor]);
  });

  it('ranks correctly: deleting the bright pixels first falls faster than the reverse order', async () => {
    const rand = seeded(4);
    const img = randomImage(rand, 8, 8, 1);
    const bright = { width: 8, height: 8, data: img.data.slice() };
    const dark = { width: 8, height: 8, data: img.data.map((v) => 1 - v) };
    const good = await deletionCurve(meanModel, img.tensor, bright, 0, { steps: 16 });
    const bad = await deletionCurve(meanModel, img.tensor, dark, 0, { steps: 16 });
    expect(good.auc).toBeLessThan(bad.auc);
    img.tensor.dispose();
  });

  it('rejects mismatched sizes, NaN maps, bad classes and options with clear errors, without leaking', async () => {
    const image = tf.ones([4, 5, 3]) as tf.Tensor3D;
    const ok = { width: 5, height: 4, data: new Float32Array(20) };
    const before = tf.memory().numTensors;
    await expect(deletionCurve(meanModel, image, { width: 4, height: 5, data: new Float32Array(20) }, 0)).rejects.toThrow(
      /heatmap is 4×5 but the image is 5×4/,
    );
    await expect(deletionCurve(meanModel, image, { ...ok, data: new Float32Array(20).fill(NaN) }, 0)).rejects.toThrow(/NaN/);
    await expect(deletionCurve(meanModel, image, ok, 2)).rejects.toThrow(/classIndices\[0\] = 2 is not a class of a 2-class model/);
    await expect(deletionCurve(meanModel, image, ok, 0, { steps: 0 })).rejects.toThrow(/steps must be a positive integer/);
    await expect(insertionCurve(meanModel, image, ok, 0, { baseline: tf.zeros([4, 5, 1]) as tf.Tensor3D })).rejects.toThrow(
      /baseline is \[4, 5, 1\]/,
    );
    expect(tf.memory().numTensors).toBe(before + 1); // the baseline made in the line above
    image.dispose();
  });

  it("doesn't leak (deletion, insertion with blur)", async () => {
    const rand = seeded(8);
    const img = randomImage(rand, 12, 12, 3);
    const heatmap = randomHeatmap(rand, 12, 12);
    const before = tf.memory().numTensors;
    await deletionCurve(meanModel, img.tensor, heatmap, 0, { steps: 7, batchSize: 3 });
    await insertionCurve(meanModel, img.tensor, heatmap, 0, { steps: 7 });
    expect(tf.memory().numTensors).toBe(before);
    img.tensor.dispose();
  });
});

describe('gaussianBlur', () => {
  it('spreads a delta into the outer product of normalised Gaussian taps and keeps constants inside', () => {
    const size = 15;
    const delta = new Float32Array(size * size);
    delta[7 * size + 7] = 1;
    const out = tf.tidy(() => gaussianBlur(tf.tensor3d(delta, [size, size, 1]), 2, 5).dataSync());
    const g = [-2, -1, 0, 1, 2].map((j) => Math.exp(-(j * j) / 8));
    const s = g.reduce((a, b) => a + b, 0);
    expect(out[7 * size + 7]).toBeCloseTo((g[2] / s) ** 2, 6);
    expect(out[5 * size + 8]).toBeCloseTo((g[0] / s) * (g[3] / s), 6);
    expect(out[4 * size + 7]).toBe(0);
    const flat = tf.tidy(() => gaussianBlur(tf.fill([20, 20, 2], 0.7) as tf.Tensor3D).dataSync());
    expect(flat[(10 * 20 + 10) * 2]).toBeCloseTo(0.7, 6);
    expect(() => tf.tidy(() => gaussianBlur(tf.zeros([3, 3, 1]) as tf.Tensor3D, 1, 4))).toThrow(/odd positive integer/);
  });

  it("doesn't leak", () => {
    const image = tf.ones([10, 10, 3]) as tf.Tensor3D;
    const before = tf.memory().numTensors;
    gaussianBlur(image).dispose();
    expect(tf.memory().numTensors).toBe(before);
    image.dispose();
  });
});

describe('average drop and increase in confidence', () => {
  it('on a uniform image, O = mean(heatmap) and Y = 1, so the drop is 1 − mean(H)', async () => {
    const images = tf.ones([2, 2, 2, 1]) as tf.Tensor4D;
    const maps = [
      { width: 2, height: 2, data: Float32Array.from([1, 0.5, 0.5, 0]) },
      { width: 2, height: 2, data: Float32Array.from([1, 1, 1, 0.6]) },
    ];
    const pairs = await confidencePairs(meanModel, images, maps, [0, 0]);
    expect(pairs[0].original).toBeCloseTo(1, 6);
    expect(pairs[0].explanation).toBeCloseTo(0.5, 6);
    expect(pairs[1].explanation).toBeCloseTo(0.9, 6);
    expect(averageDrop(pairs)).toBeCloseTo((0.5 + 0.1) / 2, 6);
    expect(increaseInConfidence(pairs)).toBe(0);
    // class 1 (p = 1 − mean): masking raises it from 0 → an original of 0 is rejected
    await expect(confidencePairs(meanModel, images, maps, [1, 1]).then(averageDrop)).rejects.toThrow(/must be in \(0, 1\]/);
    images.dispose();
  });

  it('follows the Grad-CAM++ definitions on hand-made pairs', () => {
    const pairs = [
      { original: 0.8, explanation: 0.2 }, // drop 0.75
      { original: 0.5, explanation: 0.9 }, // drop 0, increase
      { original: 0.4, explanation: 0.4 }, // drop 0, no increase
    ];
    expect(averageDrop(pairs)).toBeCloseTo(0.25, 15);
    expect(increaseInConfidence(pairs)).toBeCloseTo(1 / 3, 15);
    expect(() => averageDrop([])).toThrow(/at least one/);
  });

  it('checks counts and sizes, and doesn\'t leak', async () => {
    const images = tf.ones([1, 3, 3, 3]) as tf.Tensor4D;
    const map = { width: 3, height: 3, data: new Float32Array(9).fill(0.5) };
    const before = tf.memory().numTensors;
    await confidencePairs(meanModel, images, [map], [0]);
    expect(tf.memory().numTensors).toBe(before);
    await expect(confidencePairs(meanModel, images, [map, map], [0, 0])).rejects.toThrow(/expected 1 heatmaps/);
    await expect(confidencePairs(meanModel, images, [{ width: 2, height: 2, data: new Float32Array(4) }], [0])).rejects.toThrow(
      /heatmaps\[0\] is 2×2 but the images are 3×3/,
    );
    expect(tf.memory().numTensors).toBe(before);
    images.dispose();
  });
});

describe('probabilitiesOf', () => {
  it('reads each image\'s class and checks the output shape, without leaking', () => {
    const images = tf.tensor4d([0.2, 0.6], [2, 1, 1, 1]);
    const before = tf.memory().numTensors;
    const p = tf.tidy(() => probabilitiesOf(meanModel, images, [0, 1]));
    expect(Array.from(p.dataSync())).toEqual([Math.fround(0.2), Math.fround(1 - Math.fround(0.6))]);
    p.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const bad: ClassifierFn = (x) => tf.reshape(x, [-1]) as unknown as tf.Tensor2D;
    expect(() => tf.tidy(() => probabilitiesOf(bad, images, [0, 0]))).toThrow(/must return \[2, numClasses\]/);
    expect(tf.memory().numTensors).toBe(before);
    images.dispose();
  });
});
