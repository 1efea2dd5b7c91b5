import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  caffeConvKernelToTfjs,
  caffeFlattenedInnerProductToTfjs,
  caffeInnerProductRowChunks,
  caffeInnerProductToTfjs,
} from '../../src/convert/caffeLayout';
import { maxAbsDiff } from './tinyVgg';

/** Deterministic values in [-1, 1) (a small LCG), so the tests need no fixtures. */
function values(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** Caffe's convolution, brute force: NCHW input, (out, in, k, k) kernel, pad (k−1)/2, stride 1, cross-correlation. */
function caffeConvReference(x: Float32Array, c: number, h: number, w: number, k: Float32Array, out: number, ks: number): Float32Array {
  const pad = (ks - 1) / 2;
  const y = new Float32Array(out * h * w);
  for (let o = 0; o < out; o++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++) {
        let sum = 0;
        for (let ci = 0; ci < c; ci++)
          for (let u = 0; u < ks; u++)
            for (let v = 0; v < ks; v++) {
              const yy = i + u - pad;
              const xx = j + v - pad;
              if (yy >= 0 && yy < h && xx >= 0 && xx < w) sum += k[((o * c + ci) * ks + u) * ks + v] * x[(ci * h + yy) * w + xx];
            }
        y[(o * h + i) * w + j] = sum;
      }
  return y;
}

/** NCHW (one image) → NHWC values. */
function chwToHwc(x: Float32Array, c: number, h: number, w: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let ci = 0; ci < c; ci++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) out[(i * w + j) * c + ci] = x[(ci * h + i) * w + j];
  return out;
}

describe('caffeConvKernelToTfjs', () => {
  it('makes tf.conv2d (same padding) equal to Caffe’s brute-force cross-correlation', () => {
    const [c, h, w, out, ks] = [3, 5, 6, 4, 3];
    const x = values(c * h * w, 1);
    const kernel = values(out * c * ks * ks, 2);
    const expected = chwToHwc(caffeConvReference(x, c, h, w, kernel, out, ks), out, h, w);
    const actual = tf.tidy(() =>
      tf
        .conv2d(tf.tensor4d(chwToHwc(x, c, h, w), [1, h, w, c]), tf.tensor4d(caffeConvKernelToTfjs(kernel, out, c, ks, ks), [ks, ks, c, out]), 1, 'same')
        .dataSync(),
    );
    expect(maxAbsDiff(actual, expected)).toBeLessThan(1e-5);
  });

  it('places W[o, c, u, v] at K[u, v, c, o] (no flip)', () => {
    const kernel = values(2 * 3 * 3 * 3, 3);
    const k = caffeConvKernelToTfjs(kernel, 2, 3, 3, 3);
    expect(k[((2 * 3 + 0) * 3 + 1) * 2 + 1]).toBe(kernel[((1 * 3 + 1) * 3 + 2) * 3 + 0]); // u=2, v=0, c=1, o=1
  });

  it('refuses a data length that does not match the shape', () => {
    expect(() => caffeConvKernelToTfjs(new Float32Array(5), 2, 3, 3, 3)).toThrow(/expected 54 values, got 5/);
  });
});

describe('caffeInnerProductToTfjs', () => {
  it('transposes (out, in) to (in, out)', () => {
    const k = caffeInnerProductToTfjs(Float32Array.from([1, 2, 3, 4, 5, 6]), 2, 3);
    expect(Array.from(k)).toEqual([1, 4, 2, 5, 3, 6]);
  });
});

describe('caffeFlattenedInnerProductToTfjs', () => {
  it('gives W · flatten_CHW(x) = flatten_HWC(x) · K for every map x', () => {
    const [c, h, w, out] = [5, 3, 3, 7];
    const x = values(c * h * w, 4);
    const weight = values(out * c * h * w, 5);
    const caffe = new Float32Array(out);
    for (let o = 0; o < out; o++) for (let i = 0; i < c * h * w; i++) caffe[o] += weight[o * c * h * w + i] * x[i];
    const k = caffeFlattenedInnerProductToTfjs(weight, out, c, h, w);
    const hwc = chwToHwc(x, c, h, w);
    const tfjs = new Float32Array(out);
    for (let o = 0; o < out; o++) for (let i = 0; i < c * h * w; i++) tfjs[o] += hwc[i] * k[i * out + o];
    expect(maxAbsDiff(tfjs, caffe)).toBeLessThan(1e-5);
    // and differs from a plain transpose, which would read the map in the wrong order
    const plain = caffeInnerProductToTfjs(weight, out, c * h * w);
    expect(maxAbsDiff(plain, k)).toBeGreaterThan(0.01);
  });

  it('equals the plain transpose for a 1×1 map', () => {
    const weight = values(6 * 4, 6);
    expect(Array.from(caffeFlattenedInnerProductToTfjs(weight, 6, 4, 1, 1))).toEqual(Array.from(caffeInnerProductToTfjs(weight, 6, 4)));
  });
});

describe('caffeInnerProductRowChunks', () => {
  it('gives the flattened InnerProduct reorder in pieces, read a few source rows at a time', () => {
    const [out, c, h, w] = [37, 5, 3, 2];
    const inputs = c * h * w;
    const data = Float32Array.from({ length: out * inputs }, (_, i) => Math.sin(i) * 10);
    const whole = caffeFlattenedInnerProductToTfjs(data, out, c, h, w);
    const reads: number[] = [];
    const rows = (first: number, count: number): Float32Array => {
      reads.push(count);
      return data.subarray(first * inputs, (first + count) * inputs);
    };
    for (const chunkRows of [1, 7, inputs, 100]) {
      const pieces = [...caffeInnerProductRowChunks(rows, out, c, h, w, chunkRows)];
      expect(pieces.length).toBe(Math.ceil(inputs / chunkRows));
      const joined = new Float32Array(pieces.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of pieces) {
        joined.set(p, at);
        at += p.length;
      }
      expect(Array.from(joined)).toEqual(Array.from(whole));
    }
    expect(Math.max(...reads)).toBeLessThanOrEqual(32);
  });
});
