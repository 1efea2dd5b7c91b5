import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import {
  argmaxLabels,
  bilateralFeatures,
  camLabelProbabilities,
  DenseCRF,
  DenseCRF2D,
  gaussianFeatures,
  makeCompatibility,
  makeHeatmap,
  PermutohedralLattice,
  refineCamWithCrf,
  unaryFromLabels,
  unaryFromSoftmax,
} from '../../src';

const width = 48;
const height = 40;
const n = width * height;

/** A red disk (radius 10 at (20, 18)) on a blue-grey background, with a little deterministic texture. */
function diskScene(): { rgb: Uint8Array; truth: Uint8Array } {
  const rgb = new Uint8Array(3 * n);
  const truth = new Uint8Array(n);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const inside = (x - 20) ** 2 + (y - 18) ** 2 <= 100;
      truth[i] = inside ? 1 : 0;
      const texture = ((x * 7 + y * 13) % 5) - 2;
      const [r, g, b] = inside ? [210, 40, 40] : [90, 100, 130];
      rgb.set([r + texture, g + texture, b + texture], 3 * i);
    }
  }
  return { rgb, truth };
}

/** A CAM-like blob: a wide Gaussian bump shifted from the disk (peak 1), as a 0…1 heatmap. */
function blurryCam(cx: number, cy: number, sigma: number): Float32Array {
  const data = new Float32Array(n);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data[y * width + x] = Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * sigma * sigma));
  }
  return data;
}

function iou(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    inter += a[i] & b[i];
    union += a[i] | b[i];
  }
  return inter / union;
}

describe('camLabelProbabilities', () => {
  it('complement background: P₀ = 1 − h, P₁ = h for one heatmap', () => {
    const h = makeHeatmap(2, 1, new Float32Array([0.25, 1]));
    expect(Array.from(camLabelProbabilities([h]))).toEqual([0.75, 0, 0.25, 1]);
  });

  it('several heatmaps: p₀ = (1 − max h)^power, p_c = h_c, normalised; constant background', () => {
    const a = makeHeatmap(1, 1, new Float32Array([0.6]));
    const b = makeHeatmap(1, 1, new Float32Array([0.2]));
    const p = camLabelProbabilities([a, b], { backgroundPower: 2 });
    const bg = 0.4 ** 2;
    const sum = bg + 0.6 + 0.2;
    expect(p[0]).toBeCloseTo(bg / sum, 6);
    expect(p[1]).toBeCloseTo(0.6 / sum, 6);
    expect(p[2]).toBeCloseTo(0.2 / sum, 6);
    const c = camLabelProbabilities([a, b], { background: 'constant', backgroundConstant: 0.3 });
    expect(c[0]).toBeCloseTo(0.3 / 1.1, 6);
    const zero = camLabelProbabilities([makeHeatmap(1, 1, new Float32Array([1]))], { background: 'complement' });
    expect(Array.from(zero)).toEqual([0, 1]);
  });
});

describe('refineCamWithCrf', () => {
  it('snaps a blurry, shifted CAM to the object: mask IoU beats the thresholded CAM', () => {
    const { rgb, truth } = diskScene();
    const cam = makeHeatmap(width, height, blurryCam(23, 20, 9));
    const thresholded = Uint8Array.from(cam.data, (v) => (v >= 0.5 ? 1 : 0));
    const { masks, labels, Q } = refineCamWithCrf({ width, height, data: rgb }, cam);
    const before = iou(thresholded, truth);
    const after = iou(masks[0], truth);
    console.log(`[refineCamWithCrf] IoU with the disk: thresholded CAM ${before.toFixed(3)} → CRF mask ${after.toFixed(3)}`);
    expect(after).toBeGreaterThan(before + 0.1);
    expect(after).toBeGreaterThan(0.8);
    expect(Array.from(labels)).toEqual(Array.from(argmaxLabels(Q, 2)));
  });

  it('labels pixels by the heatmap that explains them (two objects, two heatmaps)', () => {
    const rgb = new Uint8Array(3 * n).fill(120);
    for (let y = 10; y < 30; y++) {
      for (let x = 4; x < 18; x++) rgb.set([230, 30, 30], 3 * (y * width + x));
      for (let x = 30; x < 44; x++) rgb.set([30, 200, 40], 3 * (y * width + x));
    }
    const left = makeHeatmap(width, height, blurryCam(11, 20, 7));
    const right = makeHeatmap(width, height, blurryCam(37, 20, 7));
    const { labels, masks } = refineCamWithCrf({ width, height, data: rgb, channels: 3 }, [left, right]);
    expect(labels[20 * width + 11]).toBe(1);
    expect(labels[20 * width + 37]).toBe(2);
    expect(labels[2 * width + 24]).toBe(0);
    expect(masks).toHaveLength(2);
    expect(masks[0][20 * width + 37]).toBe(0);
  });

  it('rejects heatmaps of another size, values outside [0, 1], and non-RGB images', () => {
    const { rgb } = diskScene();
    const small = makeHeatmap(24, 20, new Float32Array(480));
    expect(() => refineCamWithCrf({ width, height, data: rgb }, small)).toThrow(/24×20 .*expected 48×40 .*the image size/);
    expect(() => camLabelProbabilities([makeHeatmap(2, 1, new Float32Array(2)), makeHeatmap(1, 2, new Float32Array(2))])).toThrow(
      /heatmap 1 is 1×2.*expected 2×1/,
    );
    expect(() => camLabelProbabilities([])).toThrow(/at least one heatmap/);
    const bad = makeHeatmap(width, height, new Float32Array(n).fill(1.5));
    expect(() => refineCamWithCrf({ width, height, data: rgb }, bad)).toThrow(/outside \[0, 1\]/);
    expect(() => refineCamWithCrf({ width, height, data: rgb, channels: 4 }, [])).toThrow(/3 channels/);
    expect(() => refineCamWithCrf({ width, height, data: rgb }, [])).toThrow(/at least one heatmap/);
    const cam = makeHeatmap(width, height, blurryCam(20, 18, 5));
    expect(() => refineCamWithCrf({ width, height, data: rgb.subarray(1) }, cam)).toThrow(/48·40·3 = 5760 bytes/);
  });
});

describe('the crf exports do not touch tensors or the caller’s arrays', () => {
  it('doesn’t leak (tf.memory().numTensors unchanged) and inputs are unchanged', () => {
    const before = tf.memory().numTensors;
    const { rgb } = diskScene();
    const rgbCopy = rgb.slice();
    const cam = makeHeatmap(width, height, blurryCam(23, 20, 9));
    const camCopy = cam.data.slice();
    const probs = camLabelProbabilities([cam]);
    const probsCopy = probs.slice();
    const unary = unaryFromSoftmax(probs, { clip: 1e-5 });
    const unaryCopy = unary.slice();
    const crf = new DenseCRF2D(width, height, 2);
    crf.setUnaryEnergy(unary);
    crf.addPairwiseGaussian({ sxy: 3, compat: 3 });
    crf.addPairwiseBilateral({ sxy: 20, srgb: 13, rgb, compat: 10 });
    const q = crf.startInference();
    const qCopy = q.slice();
    crf.stepInference(q);
    crf.klDivergence(q);
    crf.inferenceWithKL(2);
    crf.map(1);
    refineCamWithCrf({ width, height, data: rgb }, cam);
    const generic = new DenseCRF(n, 2);
    generic.addPairwiseEnergy(gaussianFeatures(width, height, 3), { compat: 2 });
    generic.inference(1);
    expect(makeCompatibility([[0, 1], [1, 0]], 2).kind).toBe('matrix');
    const features = bilateralFeatures(width, height, 5, 10, rgb);
    const featuresCopy = features.slice();
    PermutohedralLattice.init(features, 5).compute(probs, 2);
    unaryFromLabels(new Int32Array(n), 2, 0.7);
    expect(tf.memory().numTensors).toBe(before);
    expect(rgb).toEqual(rgbCopy);
    expect(cam.data).toEqual(camCopy);
    expect(probs).toEqual(probsCopy);
    expect(unary).toEqual(unaryCopy);
    expect(q).toEqual(qCopy);
    expect(features).toEqual(featuresCopy);
  });
});
