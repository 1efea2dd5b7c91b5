import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { VGG_MEAN_BGR, applyChannelPreprocessing, caffePreprocessing, kerasVgg16Preprocessing } from '../../src/convert/preprocessing';

describe('caffePreprocessing / kerasVgg16Preprocessing', () => {
  it('record BGR, scale 1 and minus the VGG mean pixel', () => {
    for (const p of [caffePreprocessing(), kerasVgg16Preprocessing()]) {
      expect(p.colorSpace).toBe('BGR');
      expect(p.scale).toBe(1);
      expect(p.offset).toEqual(VGG_MEAN_BGR.map((m) => -m));
    }
    expect(caffePreprocessing([104, 117, 123]).offset).toEqual([-104, -117, -123]);
    expect(() => caffePreprocessing([1, 2])).toThrow(/mean: expected 3 finite numbers/);
  });
});

describe('applyChannelPreprocessing', () => {
  it('reorders RGB to BGR and subtracts the mean: x = (B − 103.939, G − 116.779, R − 123.68)', () => {
    const rgb = tf.tensor3d([10, 20, 30, 200, 100, 50], [1, 2, 3]);
    const x = applyChannelPreprocessing(caffePreprocessing(), rgb, 2);
    // 1×2 → 2×2 bilinear, then per pixel; check the values at the left column (pixel 0 stays pixel 0)
    const v = x.arraySync()[0][0][0];
    expect(x.shape).toEqual([1, 2, 2, 3]);
    expect(v[0]).toBeCloseTo(30 - 103.939, 4);
    expect(v[1]).toBeCloseTo(20 - 116.779, 4);
    expect(v[2]).toBeCloseTo(10 - 123.68, 4);
    expect(rgb.arraySync()).toEqual([[[10, 20, 30], [200, 100, 50]]]); // the input is unchanged
    x.dispose();
    rgb.dispose();
  });

  it('refuses other shapes', () => {
    const gray = tf.zeros([4, 4, 1]) as tf.Tensor3D;
    expect(() => applyChannelPreprocessing(caffePreprocessing(), gray, 4)).toThrow(/expected an RGB tensor \[h, w, 3\] or \[n, h, w, 3\], got shape \[4, 4, 1\]/);
    gray.dispose();
  });

  it("doesn't leak", () => {
    const rgb = tf.ones([2, 5, 5, 3]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const x = applyChannelPreprocessing(caffePreprocessing(), rgb, 4);
    expect(tf.memory().numTensors).toBe(before + 1);
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
    rgb.dispose();
  });
});
