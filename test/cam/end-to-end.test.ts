/**
 * End to end on trained weights: two tiny networks learn to tell a bright 4×4 square from a dim one
 * on 16×16 noise (one conv → GAP → Dense, one conv → pool → conv → Flatten → Dense → Dense), then
 * every method must put its peak on the square. Training is seeded and takes a few seconds.
 *
 * Measured when written (native backend, the figures are printed): every method 20/20 on the GAP
 * network, 18–19/20 on the Flatten network; guided backprop puts at least 94 % (GAP) and 54 %
 * (Flatten) of |∂y/∂x| within one pixel of the square, 14 % of the image. The bars below leave
 * room for backend round-off.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as lib from '../../src';
import { Box, Heatmap, tf } from '../../src';

const SIZE = 16;

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Noise in [0, 0.3) with a 4×4 square: value 1 for class 1, 0.55 for class 0 (alternating). */
function squares(n: number, seed: number): { x: tf.Tensor4D; y: tf.Tensor2D; labels: number[]; boxes: Box[] } {
  const random = lcg(seed);
  const xs = new Float32Array(n * SIZE * SIZE);
  const labels: number[] = [];
  const boxes: Box[] = [];
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < SIZE * SIZE; p++) xs[i * SIZE * SIZE + p] = random() * 0.3;
    const label = i % 2;
    const x0 = Math.floor(random() * (SIZE - 4));
    const y0 = Math.floor(random() * (SIZE - 4));
    for (let y = y0; y < y0 + 4; y++) for (let x = x0; x < x0 + 4; x++) xs[i * SIZE * SIZE + y * SIZE + x] = label === 1 ? 1 : 0.55;
    labels.push(label);
    boxes.push({ x0, y0, x1: x0 + 3, y1: y0 + 3 });
  }
  const x = tf.tensor4d(xs, [n, SIZE, SIZE, 1]);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), 2).toFloat() as tf.Tensor2D);
  return { x, y, labels, boxes };
}

const seeded = (seed: number) => tf.initializers.glorotUniform({ seed });

function gapNet(): tf.Sequential {
  const model = tf.sequential({ name: 'squares_gap' });
  model.add(tf.layers.conv2d({ inputShape: [SIZE, SIZE, 1], filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: seeded(1) }));
  model.add(tf.layers.conv2d({ name: 'feat', filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: seeded(2) }));
  model.add(tf.layers.globalAveragePooling2d({}));
  model.add(tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: seeded(3) }));
  return model;
}

function flattenNet(): tf.Sequential {
  const model = tf.sequential({ name: 'squares_flatten' });
  model.add(tf.layers.conv2d({ inputShape: [SIZE, SIZE, 1], filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: seeded(4) }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.conv2d({ name: 'feat', filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: seeded(5) }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 16, activation: 'relu', kernelInitializer: seeded(6) }));
  model.add(tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: seeded(7) }));
  return model;
}

/**
 * Trains on the active backend, except on wasm: tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter
 * kernel, so it cannot train a convolution. There the networks are fitted on the native backend
 * (else cpu) and the methods under test then run on wasm again.
 */
async function train(model: tf.Sequential, data: { x: tf.Tensor4D; y: tf.Tensor2D }): Promise<void> {
  const active = tf.getBackend();
  if (active === 'wasm') await lib.initBackend({ backend: 'tensorflow' }).catch(() => lib.initBackend({ backend: 'cpu' }));
  try {
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
    await model.fit(data.x, data.y, { epochs: 20, batchSize: 20, shuffle: false, verbose: 0 });
  } finally {
    if (active === 'wasm') await lib.initBackend({ backend: 'wasm' });
  }
}

function peakInside(map: Heatmap, box: Box): boolean {
  let best = 0;
  for (let p = 1; p < map.data.length; p++) if (map.data[p] > map.data[best]) best = p;
  const x = best % map.width;
  const y = Math.floor(best / map.width);
  return x >= box.x0 && x <= box.x1 && y >= box.y0 && y <= box.y1;
}

describe('end to end on trained networks', () => {
  let gap: tf.Sequential;
  let flat: tf.Sequential;
  let test: ReturnType<typeof squares>;
  beforeAll(async () => {
    const trainSet = squares(200, 7);
    gap = gapNet();
    flat = flattenNet();
    await train(gap, trainSet);
    await train(flat, trainSet);
    tf.dispose([trainSet.x, trainSet.y]);
    test = squares(40, 99);
  }, 600_000); // seconds on the native backend, minutes on plain JavaScript (cpu)
  afterAll(() => {
    if (test) tf.dispose([test.x, test.y]);
    gap?.dispose();
    flat?.dispose();
  });

  async function hits(method: (m: tf.LayersModel, x: tf.Tensor4D, o: lib.CamOptions) => Promise<Heatmap[]>, model: tf.LayersModel): Promise<number> {
    const maps = await method(model, test.x, { target: 1 });
    const count = maps.filter((map, i) => test.labels[i] === 1 && peakInside(map, test.boxes[i])).length;
    console.log(`[end-to-end] ${method.name} on ${model.name}: peak on the square in ${count}/20 images`);
    return count;
  }

  it('both networks learned the task', async () => {
    for (const model of [gap, flat]) {
      const top = await lib.topK(model, test.x, 1);
      expect(top.filter((t, i) => t.classes[0] === test.labels[i]).length).toBeGreaterThanOrEqual(38);
    }
  });

  const all = { cam: lib.cam, gradCam: lib.gradCam, gradCamPlusPlus: lib.gradCamPlusPlus, xGradCam: lib.xGradCam, layerCam: lib.layerCam, hiResCam: lib.hiResCam, scoreCam: lib.scoreCam, eigenCam: lib.eigenCam };
  for (const [name, method] of Object.entries(all)) {
    it(`${name} peaks on the square (GAP network)`, async () => {
      expect(await hits(method, gap)).toBeGreaterThanOrEqual(18);
    });
  }
  for (const [name, method] of Object.entries(all)) {
    if (name === 'cam' || name === 'eigenCam') continue; // no GAP / class-agnostic
    it(`${name} peaks on the square (Flatten network)`, async () => {
      expect(await hits(method, flat)).toBeGreaterThanOrEqual(16);
    });
  }

  it('guided backprop concentrates |∂y/∂x| on the square', async () => {
    for (const model of [gap, flat]) {
      const grads = await lib.guidedBackprop(model, test.x, { target: 1 });
      const fractions: number[] = [];
      grads.forEach((g, i) => {
        if (test.labels[i] !== 1) return;
        const { x0, y0, x1, y1 } = test.boxes[i];
        let inside = 0;
        let total = 0;
        for (let y = 0; y < SIZE; y++) {
          for (let x = 0; x < SIZE; x++) {
            const v = Math.abs(g.data[y * SIZE + x]);
            total += v;
            if (x >= x0 - 1 && x <= x1 + 1 && y >= y0 - 1 && y <= y1 + 1) inside += v;
          }
        }
        fractions.push(inside / total);
      });
      fractions.sort((a, b) => a - b);
      console.log(`[end-to-end] guided backprop on ${model.name}: |∂y/∂x| within the box ± 1 px: min ${fractions[0].toFixed(2)}, median ${fractions[10].toFixed(2)}`);
      expect(fractions[0]).toBeGreaterThan(0.4); // the box ± 1 px is 14 % of the image
    }
  });
});
