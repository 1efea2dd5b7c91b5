/**
 * The methods against closed forms on tiny models with known weights: activations from a
 * brute-force convolution, gradients read off the Dense kernel, the formulas of the papers
 * evaluated in float64.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cam,
  classTarget,
  gradCam,
  gradCamPlusPlus,
  guidedBackprop,
  guidedGradCam,
  hiResCam,
  inputGradients,
  layerActivations,
  layerCam,
  tf,
  xGradCam,
} from '../../src';
import { conv3x3Same, flattenModel, gapModel, maxAbsDiff, relu, reluNormalize, seededImages, setSeededWeights } from './fixtures';

const TOL = 2e-5;

function weightArrays(model: tf.LayersModel, layer: string): Float32Array[] {
  return model.getLayer(layer).getWeights().map((w) => w.dataSync() as Float32Array);
}

describe('CAM on conv → GAP → Dense', () => {
  const size = 6;
  let model: tf.LayersModel;
  let images: tf.Tensor4D;
  let fcKernel: Float32Array;
  let A: Float64Array;
  beforeAll(() => {
    model = gapModel(size, 2, 3, 4, 11);
    images = seededImages(1, size, size, 2, 5);
    const [kernel, bias] = weightArrays(model, 'feat');
    [fcKernel] = weightArrays(model, 'fc');
    A = conv3x3Same(images.dataSync(), size, size, 2, kernel, bias, 3, relu);
  });
  afterAll(() => {
    images.dispose();
    model.dispose();
  });

  /** M_c = Σ_k w_k^c A_k, flat over positions. */
  function camClosedForm(c: number): Float64Array {
    const m = new Float64Array(size * size);
    for (let p = 0; p < size * size; p++) for (let k = 0; k < 3; k++) m[p] += fcKernel[k * 4 + c] * A[p * 3 + k];
    return m;
  }

  it('layerActivations equal a brute-force 3×3 convolution + ReLU', () => {
    const a = layerActivations(model, images, 'feat');
    expect(a.shape).toEqual([1, size, size, 3]);
    expect(maxAbsDiff(a.dataSync(), A)).toBeLessThan(1e-5);
    a.dispose();
  });

  it('equals Σ_k w_k^c A_k exactly (then ReLU and min-max), for each class', async () => {
    for (let c = 0; c < 4; c++) {
      const [map] = await cam(model, images, { target: c, upsample: false });
      expect(map.width).toBe(size);
      expect(map.height).toBe(size);
      expect(maxAbsDiff(map.data, reluNormalize(camClosedForm(c)))).toBeLessThan(TOL);
      const [raw] = await cam(model, images, { target: c, upsample: false, relu: false });
      expect(maxAbsDiff(raw.data, reluNormalize(camClosedForm(c), false))).toBeLessThan(TOL);
    }
  });

  it('Grad-CAM, XGrad-CAM and HiResCAM equal CAM on a GAP network (α_k = w_k^c / hw)', async () => {
    for (const c of [0, 3]) {
      const [reference] = await cam(model, images, { target: c });
      for (const method of [gradCam, xGradCam, hiResCam]) {
        const [map] = await method(model, images, { target: c });
        expect(maxAbsDiff(map.data, reference.data)).toBeLessThan(TOL);
      }
    }
  });
});

describe('gradient methods on conv → Flatten → Dense (∂z_c/∂A_ijk = W[(i·w+j)·K+k, c])', () => {
  const size = 4;
  const K = 2;
  const classes = 3;
  const P = size * size;
  let model: tf.LayersModel;
  let images: tf.Tensor4D;
  let kernel: Float32Array;
  let fcKernel: Float32Array;
  let pre: Float64Array;
  let A: Float64Array;
  beforeAll(() => {
    model = flattenModel(size, 1, K, classes, 21);
    images = seededImages(1, size, size, 1, 9);
    let bias: Float32Array;
    [kernel, bias] = weightArrays(model, 'feat');
    [fcKernel] = weightArrays(model, 'fc');
    pre = conv3x3Same(images.dataSync(), size, size, 1, kernel, bias, K, (v) => v);
    A = pre.map(relu);
  });
  const grad = (c: number): Float64Array => Float64Array.from({ length: P * K }, (_, q) => fcKernel[q * classes + c]);
  afterAll(() => {
    images.dispose();
    model.dispose();
  });

  function channelMap(w: ArrayLike<number>): Float64Array {
    const m = new Float64Array(P);
    for (let p = 0; p < P; p++) for (let k = 0; k < K; k++) m[p] += w[k] * A[p * K + k];
    return m;
  }
  function positionMap(w: ArrayLike<number>): Float64Array {
    const m = new Float64Array(P);
    for (let p = 0; p < P; p++) for (let k = 0; k < K; k++) m[p] += w[p * K + k] * A[p * K + k];
    return m;
  }
  const sumA = (k: number): number => {
    let s = 0;
    for (let p = 0; p < P; p++) s += A[p * K + k];
    return s;
  };

  const references: Record<string, (g: Float64Array) => Float64Array> = {
    gradCam: (g) => channelMap([0, 1].map((k) => Array.from({ length: P }, (_, p) => g[p * K + k]).reduce((a, b) => a + b) / P)),
    gradCamPlusPlus: (g) =>
      channelMap(
        [0, 1].map((k) => {
          let w = 0;
          for (let p = 0; p < P; p++) {
            const x = g[p * K + k];
            const den = 2 * x * x + sumA(k) * x * x * x;
            w += (den !== 0 ? (x * x) / den : 0) * Math.max(x, 0);
          }
          return w;
        }),
      ),
    xGradCam: (g) =>
      channelMap(
        [0, 1].map((k) => {
          let w = 0;
          for (let p = 0; p < P; p++) w += A[p * K + k] * g[p * K + k];
          return sumA(k) !== 0 ? w / sumA(k) : 0;
        }),
      ),
    layerCam: (g) => positionMap(g.map(relu)),
    hiResCam: (g) => positionMap(g),
  };
  const methods = { gradCam, gradCamPlusPlus, xGradCam, layerCam, hiResCam };

  for (const [name, method] of Object.entries(methods)) {
    it(`${name} matches the paper's formula computed by hand`, async () => {
      for (let c = 0; c < classes; c++) {
        const [map] = await method(model, images, { target: c, upsample: false });
        expect(maxAbsDiff(map.data, reluNormalize(references[name](grad(c))))).toBeLessThan(TOL);
      }
    });
  }

  it('the closed forms are not trivially equal to each other (the test discriminates)', () => {
    const g = grad(1);
    const maps = Object.values(references).map((f) => reluNormalize(f(g)));
    expect(maxAbsDiff(maps[0], maps[3])).toBeGreaterThan(0.05);
    expect(maxAbsDiff(maps[0], maps[4])).toBeGreaterThan(0.05);
  });

  it('guided backprop of a conv ReLU is the transposed convolution of [pre > 0]·ReLU(∂z/∂A)', async () => {
    for (let c = 0; c < classes; c++) {
      const g = grad(c);
      const guidedPre = g.map((v, q) => (pre[q] > 0 ? Math.max(v, 0) : 0));
      const plainPre = g.map((v, q) => (pre[q] > 0 ? v : 0));
      const back = (gp: Float64Array): Float64Array => {
        const dx = new Float64Array(P);
        for (let i = 0; i < size; i++)
          for (let j = 0; j < size; j++)
            for (let k = 0; k < K; k++)
              for (let di = 0; di < 3; di++)
                for (let dj = 0; dj < 3; dj++) {
                  const y = i + di - 1;
                  const x = j + dj - 1;
                  if (y < 0 || y >= size || x < 0 || x >= size) continue;
                  dx[y * size + x] += gp[(i * size + j) * K + k] * kernel[(di * 3 + dj) * K + k];
                }
        return dx;
      };
      const [guided] = await guidedBackprop(model, images, { target: c });
      expect([guided.width, guided.height, guided.channels]).toEqual([size, size, 1]);
      expect(maxAbsDiff(guided.data, back(guidedPre))).toBeLessThan(1e-5);
      const plain = inputGradients(model, images, c);
      expect(maxAbsDiff(plain.dataSync(), back(plainPre))).toBeLessThan(1e-5);
      plain.dispose();
    }
  });

  it('guided Grad-CAM is guided backprop × the upsampled Grad-CAM map', async () => {
    for (let c = 0; c < classes; c++) {
      const [product] = await guidedGradCam(model, images, { target: c });
      const [guided] = await guidedBackprop(model, images, { target: c });
      const [map] = await gradCam(model, images, { target: c });
      const expected = guided.data.map((v, i) => v * map.data[i]);
      expect(maxAbsDiff(product.data, expected)).toBeLessThan(1e-6);
    }
  });
});

describe('guided backprop through Dense relu, ReLU layers and Activation(relu)', () => {
  // x (2×2×1) → flatten → d1 (relu) → d2 (linear) → ReLU → d3 (linear) → Activation(relu) → out (softmax)
  let model: tf.Sequential;
  let images: tf.Tensor4D;
  let W: Float32Array[][];
  beforeAll(() => {
    model = tf.sequential({ name: 'relu_kinds' });
    model.add(tf.layers.flatten({ name: 'flat', inputShape: [2, 2, 1] }));
    model.add(tf.layers.dense({ name: 'd1', units: 5, activation: 'relu' }));
    model.add(tf.layers.dense({ name: 'd2', units: 5 }));
    model.add(tf.layers.reLU({ name: 'r2' }));
    model.add(tf.layers.dense({ name: 'd3', units: 5 }));
    model.add(tf.layers.activation({ name: 'a3', activation: 'relu' }));
    model.add(tf.layers.dense({ name: 'out', units: 3, activation: 'softmax' }));
    setSeededWeights(model, 31, 0.8, 0.1);
    images = seededImages(1, 2, 2, 1, 17);
    W = ['d1', 'd2', 'd3', 'out'].map((name) => weightArrays(model, name));
  });
  afterAll(() => {
    images.dispose();
    model.dispose();
  });

  const dense = (x: Float64Array, [k, b]: Float32Array[], n: number): Float64Array =>
    Float64Array.from({ length: n }, (_, j) => x.reduce((s, v, i) => s + v * k[i * n + j], b[j]));
  const backDense = (g: Float64Array, [k]: Float32Array[], m: number): Float64Array =>
    Float64Array.from({ length: m }, (_, i) => g.reduce((s, v, j) => s + v * k[i * g.length + j], 0));

  function manual(c: number, guided: boolean): Float64Array {
    const x = Float64Array.from(images.dataSync());
    const h1 = dense(x, W[0], 5);
    const h2 = dense(h1.map(relu), W[1], 5);
    const h3 = dense(h2.map(relu), W[2], 5);
    const rule = (g: Float64Array, h: Float64Array): Float64Array =>
      g.map((v, i) => (h[i] > 0 ? (guided ? Math.max(v, 0) : v) : 0));
    let g = Float64Array.from({ length: 5 }, (_, i) => W[3][0][i * 3 + c]);
    g = backDense(rule(g, h3), W[2], 5);
    g = backDense(rule(g, h2), W[1], 5);
    return backDense(rule(g, h1), W[0], 4);
  }

  it('applies [x > 0]·[∂L/∂y > 0] at each of the three kinds of ReLU', async () => {
    let differs = 0;
    for (let c = 0; c < 3; c++) {
      const [guided] = await guidedBackprop(model, images, { target: c });
      expect(maxAbsDiff(guided.data, manual(c, true))).toBeLessThan(1e-5);
      const plain = inputGradients(model, images, c);
      expect(maxAbsDiff(plain.dataSync(), manual(c, false))).toBeLessThan(1e-5);
      differs = Math.max(differs, maxAbsDiff(plain.dataSync(), manual(c, true)));
      plain.dispose();
    }
    expect(differs).toBeGreaterThan(1e-3);
  });

  it('the target classTarget(c) and the index c give the same gradient', async () => {
    const [a] = await guidedBackprop(model, images, { target: 2 });
    const [b] = await guidedBackprop(model, images, { target: classTarget(2) });
    expect(maxAbsDiff(a.data, b.data)).toBe(0);
  });
});
