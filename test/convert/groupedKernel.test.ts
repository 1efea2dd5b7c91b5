import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { expandGroupedKernel } from '../../src/convert/groupedKernel';
import { maxAbsDiff } from './tinyVgg';

function values(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

describe('expandGroupedKernel', () => {
  it('makes one dense conv2d equal to the grouped convolution (each group convolved apart, outputs concatenated)', () => {
    const [h, w, inC, out, groups, k] = [5, 4, 6, 8, 2, 3];
    const inG = inC / groups;
    const outG = out / groups;
    const x = values(h * w * inC, 1);
    const grouped = values(k * k * inG * out, 2); // (k, k, in/G, out)
    const expected = tf.tidy(() => {
      const input = tf.tensor4d(x, [1, h, w, inC]);
      const kernel = tf.tensor4d(grouped, [k, k, inG, out]);
      const parts = [];
      for (let g = 0; g < groups; g++) {
        const xg = input.slice([0, 0, 0, g * inG], [1, h, w, inG]);
        const kg = kernel.slice([0, 0, 0, g * outG], [k, k, inG, outG]);
        parts.push(tf.conv2d(xg, kg, 1, 'same'));
      }
      return tf.concat(parts, 3).dataSync();
    });
    const dense = expandGroupedKernel(grouped, k, k, inG, out, groups);
    const actual = tf.tidy(() => tf.conv2d(tf.tensor4d(x, [1, h, w, inC]), tf.tensor4d(dense, [k, k, inC, out]), 1, 'same').dataSync());
    expect(maxAbsDiff(actual, expected)).toBeLessThan(1e-5);
  });

  it('is zero outside each output’s group and the identity for one group', () => {
    const dense = expandGroupedKernel(Float32Array.from([1, 2, 3, 4]), 1, 1, 1, 4, 2); // in/G = 1, out = 4
    // input channel 0 feeds outputs 0, 1; input channel 1 feeds outputs 2, 3
    expect(Array.from(dense)).toEqual([1, 2, 0, 0, 0, 0, 3, 4]);
    const kernel = values(18, 3);
    expect(expandGroupedKernel(kernel, 3, 3, 1, 2, 1)).toEqual(kernel);
  });

  it('refuses groups that do not divide the outputs, and a wrong data length', () => {
    expect(() => expandGroupedKernel(new Float32Array(9 * 3), 3, 3, 1, 3, 2)).toThrow(/3 outputs cannot be split into 2 groups/);
    expect(() => expandGroupedKernel(new Float32Array(5), 3, 3, 1, 2, 2)).toThrow(/expected 18 values, got 5/);
  });
});
