/**
 * `load()` prepares converted (Caffe-convention) models the same way the converter's own loader
 * does: RGB → BGR, then pixel · scale + offset[c].
 */
import { describe, expect, it } from 'vitest';
import { applyChannelPreprocessing, caffePreprocessing, makePreprocess, tf, WeightsManifest } from '../src/index';

describe('makePreprocess for BGR manifests', () => {
  const preprocessing = caffePreprocessing();
  const manifest = {
    name: 'converted',
    inputSize: [2, 2],
    preprocessing: { colorSpace: 'BGR', layout: 'NHWC', resize: 'bilinear', scale: 1, offset: preprocessing.offset },
  } as unknown as WeightsManifest;

  it('flips channels and subtracts the per-channel mean: (10, 20, 30) → (30 − 103.939, 20 − 116.779, 10 − 123.68)', () => {
    const data = new Uint8Array(2 * 2 * 3);
    for (let p = 0; p < 4; p++) data.set([10, 20, 30], p * 3);
    const x = makePreprocess(manifest)({ width: 2, height: 2, data });
    const values = Array.from(x.dataSync().slice(0, 3));
    x.dispose();
    expect(values[0]).toBeCloseTo(30 - 103.939, 4);
    expect(values[1]).toBeCloseTo(20 - 116.779, 4);
    expect(values[2]).toBeCloseTo(10 - 123.68, 4);
  });

  it('agrees with the converter loader on a random image, without leaking', () => {
    const rgb = tf.randomUniform([5, 7, 3], 0, 255, 'float32', 4) as tf.Tensor3D;
    const before = tf.memory().numTensors;
    const ours = makePreprocess(manifest)(rgb);
    const theirs = applyChannelPreprocessing(preprocessing, rgb, 2);
    const diff = tf.tidy(() => ours.sub(theirs).abs().max().dataSync()[0]);
    ours.dispose();
    theirs.dispose();
    expect(tf.memory().numTensors).toBe(before);
    rgb.dispose();
    expect(diff).toBeLessThan(1e-4);
  });

  it('refuses an unknown colour space', () => {
    const bad = { ...manifest, preprocessing: { ...manifest.preprocessing, colorSpace: 'HSV' } } as unknown as WeightsManifest;
    expect(() => makePreprocess(bad)).toThrow(/unknown colorSpace 'HSV'/);
  });
});
