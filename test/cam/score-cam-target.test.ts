/**
 * Score-CAM's default target (issue 14, item 1): the class predicted on the unmasked image scores
 * every masked image (Wang et al., eq. 4–7), not whichever class wins on each masked image.
 */
import { describe, expect, it } from 'vitest';
import { classScores, layerActivations, normalizeMaps, scoreCam, tf, topClassTarget, upsampleMaps } from '../../src';
import { gapModel, maxAbsDiff, seededImages, setSeededWeights } from './fixtures';

describe('Score-CAM default target', () => {
  it('equals the explicit predicted-class call, and differs from re-picking the top class per masked image', async () => {
    const model = gapModel(8, 3, 6, 5, 141);
    const images = seededImages(3, 8, 8, 3, 142);
    const predicted = tf.tidy(() => Array.from(tf.argMax(classScores(model, images), 1).dataSync()));
    const byDefault = await scoreCam(model, images);
    const explicit = await scoreCam(model, images, { target: predicted });
    const perMask = await scoreCam(model, images, { target: topClassTarget() });
    let differs = 0;
    for (let b = 0; b < 3; b++) {
      expect(maxAbsDiff(byDefault[b].data, explicit[b].data)).toBeLessThan(1e-6);
      differs = Math.max(differs, maxAbsDiff(explicit[b].data, perMask[b].data));
    }
    // The fixture is one where some masked image is won by another class: the two readings differ.
    expect(differs).toBeGreaterThan(0.05);
    tf.dispose(images);
    model.dispose();
  });

  it("doesn't leak", async () => {
    const model = gapModel(6, 2, 4, 3, 143);
    const images = seededImages(2, 6, 6, 2, 144);
    const before = tf.memory().numTensors;
    await scoreCam(model, images);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(images);
    model.dispose();
  });
});

describe('Score-CAM alignCorners (pytorch-grad-cam masks)', () => {
  it('scores masks upsampled with aligned corners, as computed one mask at a time', async () => {
    // A stride-2 feature layer: 4×4 maps under an 8×8 image, so the masks are upsampled.
    const model = tf.sequential();
    model.add(tf.layers.conv2d({ name: 'feat', inputShape: [8, 8, 2], filters: 3, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }));
    model.add(tf.layers.globalAveragePooling2d({}));
    model.add(tf.layers.dense({ units: 4, activation: 'softmax' }));
    setSeededWeights(model, 146);
    const images = seededImages(1, 8, 8, 2, 145);
    const c = 1;
    const expected = tf.tidy(() => {
      const a = layerActivations(model, images, 'feat') as tf.Tensor4D; // [1, 4, 4, 3]
      const scores = [0, 1, 2].map((k) => {
        const ak = tf.slice(a, [0, 0, 0, k], [1, 4, 4, 1]);
        const up = tf.image.resizeBilinear(ak as tf.Tensor4D, [8, 8], true);
        const mask = up.sub(up.min()).div(up.max().sub(up.min()));
        return classScores(model, tf.mul(images, mask) as tf.Tensor4D).dataSync()[c];
      });
      const w = tf.softmax(tf.tensor1d(scores)).reshape([1, 1, 1, 3]);
      const raw = tf.relu(tf.sum(tf.mul(a, w), 3)) as tf.Tensor3D;
      return normalizeMaps(upsampleMaps(raw, 8, 8)).dataSync();
    });
    const [aligned] = await scoreCam(model, images, { target: c, alignCorners: true });
    const [halfPixel] = await scoreCam(model, images, { target: c });
    expect(maxAbsDiff(aligned.data, expected)).toBeLessThan(2e-5);
    expect(maxAbsDiff(halfPixel.data, expected)).toBeGreaterThan(1e-4);
    tf.dispose(images);
    model.dispose();
  });
});
