/**
 * Model plumbing: logits instead of softmax, gradients checked by finite differences on a graph
 * with a skip connection, nested models, caching, and the caller's model left untouched.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  cam,
  classScores,
  defaultLayerName,
  forwardPass,
  gradCam,
  guidedBackprop,
  guidedGradCam,
  guidedRelu,
  inputGradients,
  layerActivations,
  layerGradients,
  tf,
} from '../../src';
import { modelPlan } from '../../src/model/graph';
import * as lib from '../../src';
import { flattenModel, gapModel, layerSnapshot, maxAbsDiff, seededImages, setSeededWeights, skipModel, weightSnapshot } from './fixtures';

describe('pre-softmax scores', () => {
  it('are x·W + b of the last Dense (softmax skipped), and softmax(z) is the model output', () => {
    const model = gapModel(6, 2, 3, 4, 41);
    const images = seededImages(2, 6, 6, 2, 42);
    const z = classScores(model, images);
    const pooled = tf.tidy(() => tf.mean(layerActivations(model, images, 'feat'), [1, 2]));
    const [kernel, bias] = model.getLayer('fc').getWeights();
    const manual = tf.tidy(() => tf.add(tf.matMul(pooled, kernel), bias));
    expect(maxAbsDiff(z.dataSync(), manual.dataSync())).toBeLessThan(1e-5);
    const probabilities = model.predict(images) as tf.Tensor;
    const softmaxOfZ = tf.softmax(z);
    expect(maxAbsDiff(softmaxOfZ.dataSync(), probabilities.dataSync())).toBeLessThan(1e-6);
    expect(maxAbsDiff(z.dataSync(), probabilities.dataSync())).toBeGreaterThan(0.01);
    expect((model.getLayer('fc') as unknown as { activation: { getClassName(): string } }).activation.getClassName()).toBe('softmax');
    tf.dispose([z, pooled, manual, probabilities, softmaxOfZ, images]);
    model.dispose();
  });

  it('are the input of a final Activation(softmax) layer, or the output when there is no softmax', () => {
    const input = tf.input({ shape: [4, 4, 1] });
    const flat = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
    const logits = tf.layers.dense({ units: 3, name: 'logits' }).apply(flat) as tf.SymbolicTensor;
    const probs = tf.layers.activation({ activation: 'softmax', name: 'probs' }).apply(logits) as tf.SymbolicTensor;
    const withSoftmax = tf.model({ inputs: input, outputs: probs });
    const plain = tf.model({ inputs: input, outputs: logits });
    const images = seededImages(2, 4, 4, 1, 3);
    const z1 = classScores(withSoftmax, images);
    const z2 = classScores(plain, images);
    const direct = plain.predict(images) as tf.Tensor;
    expect(maxAbsDiff(z1.dataSync(), direct.dataSync())).toBe(0);
    expect(maxAbsDiff(z2.dataSync(), direct.dataSync())).toBe(0);
    tf.dispose([z1, z2, direct, images]);
    withSoftmax.dispose();
  });
});

describe('gradients by finite differences on a graph with a skip connection', () => {
  let model: tf.LayersModel;
  let images: tf.Tensor4D;
  beforeAll(() => {
    model = skipModel(6, 3);
    images = seededImages(1, 6, 6, 2, 8);
  });
  afterAll(() => {
    images.dispose();
    model.dispose();
  });

  /** Entries to probe, spread over the tensor. */
  const probes = (size: number, count: number): number[] => Array.from({ length: count }, (_, i) => Math.floor(((i + 0.37) * size) / count));

  it('∂z_c/∂A at c2 (with the skip c1 → add held fixed) matches central differences through a twin head', () => {
    const c = 1;
    const { activations, gradients } = layerGradients(model, images, 'c2', c);
    // Twin head: add(A, C1) → c3 → GAP → Dense (linear), weights copied from the model.
    const a = tf.input({ shape: [6, 6, 3] });
    const c1in = tf.input({ shape: [6, 6, 3] });
    const sum = tf.layers.add().apply([a, c1in]) as tf.SymbolicTensor;
    const c3 = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'tanh' });
    const fc = tf.layers.dense({ units: 3 });
    const out = fc.apply(tf.layers.globalAveragePooling2d({}).apply(c3.apply(sum))) as tf.SymbolicTensor;
    const head = tf.model({ inputs: [a, c1in], outputs: out });
    c3.setWeights(model.getLayer('c3').getWeights());
    fc.setWeights(model.getLayer('fc').getWeights());
    const c1 = layerActivations(model, images, 'c1');
    const base = activations.dataSync();
    const analytic = gradients.dataSync();
    const h = 1e-2;
    const scoreAt = (values: Float32Array): number =>
      tf.tidy(() => (head.predict([tf.tensor(values, activations.shape), c1]) as tf.Tensor).dataSync()[c]);
    // The twin head reproduces the model's scores.
    const z = classScores(model, images);
    expect(Math.abs(scoreAt(base as Float32Array) - z.dataSync()[c])).toBeLessThan(1e-5);
    for (const i of probes(base.length, 24)) {
      const plus = Float32Array.from(base);
      const minus = Float32Array.from(base);
      plus[i] += h;
      minus[i] -= h;
      const numeric = (scoreAt(plus) - scoreAt(minus)) / (2 * h);
      expect(Math.abs(numeric - analytic[i])).toBeLessThan(2e-4 + 1e-3 * Math.abs(analytic[i]));
    }
    expect(Math.max(...Array.from(analytic, Math.abs))).toBeGreaterThan(1e-3);
    tf.dispose([activations, gradients, c1, z]);
    head.dispose();
  });

  it('runs every layer once per call: one forward pass (the head is not recomputed)', async () => {
    // A layer with weights reads its kernel once per application (fused, unfused or look-alike).
    const spies = model.layers.map((layer) => {
      const kernel = (layer as unknown as { kernel?: { read(): tf.Tensor } }).kernel;
      return kernel !== undefined ? vi.spyOn(kernel, 'read') : vi.spyOn(layer, 'apply');
    });
    try {
      // guided Grad-CAM runs the head after c2 twice: with guided and with plain ReLUs.
      const headTwice = { c1: 1, c2: 1, skip: 2, c3: 2, gap: 2 };
      const once = { c1: 1, c2: 1, skip: 1, c3: 1, gap: 1 };
      for (const [run, expected] of [
        [() => gradCam(model, images, { target: 1, layer: 'c2' }), once],
        [() => cam(model, images, { target: 1 }), once],
        [() => guidedGradCam(model, images, { target: 1, layer: 'c2' }), headTwice],
      ] as const) {
        spies.forEach((spy) => spy.mockClear());
        await run();
        const counts = Object.fromEntries(model.layers.map((layer, i) => [layer.name, spies[i].mock.calls.length]));
        for (const [name, n] of Object.entries(expected)) expect(counts[name], name).toBe(n);
      }
    } finally {
      spies.forEach((spy) => spy.mockRestore());
    }
  });

  it('∂z_c/∂x matches central differences of classScores', () => {
    const c = 2;
    const g = inputGradients(model, images, c);
    const base = images.dataSync() as Float32Array;
    const h = 1e-2;
    const scoreAt = (values: Float32Array): number =>
      tf.tidy(() => classScores(model, tf.tensor4d(values, images.shape)).dataSync()[c]);
    const analytic = g.dataSync();
    for (const i of probes(base.length, 24)) {
      const plus = Float32Array.from(base);
      const minus = Float32Array.from(base);
      plus[i] += h;
      minus[i] -= h;
      const numeric = (scoreAt(plus) - scoreAt(minus)) / (2 * h);
      expect(Math.abs(numeric - analytic[i])).toBeLessThan(5e-4 + 2e-3 * Math.abs(analytic[i]));
    }
    g.dispose();
  });

  it('forwardPass gives the layer activations and the scores of the same pass', () => {
    const { activations, logits } = forwardPass(model, images, 'c3');
    const alone = layerActivations(model, images, 'c3');
    const z = classScores(model, images);
    expect(maxAbsDiff(activations!.dataSync(), alone.dataSync())).toBe(0);
    expect(maxAbsDiff(logits.dataSync(), z.dataSync())).toBe(0);
    tf.dispose([activations!, logits, alone, z]);
  });
});

describe('the guided ReLU op', () => {
  it('is the ReLU forward and passes dy only where x > 0 and dy > 0', () => {
    const x = tf.tensor1d([-2, -0.5, 0, 0.5, 2, 3]);
    const dy = tf.tensor1d([1, -1, 1, -1, 2, -3]);
    const y = guidedRelu(x);
    expect(Array.from(y.dataSync())).toEqual([0, 0, 0, 0.5, 2, 3]);
    const dx = tf.grad((t: tf.Tensor) => guidedRelu(t))(x, dy);
    expect(Array.from(dx.dataSync())).toEqual([0, 0, 0, 0, 2, 0]);
    tf.dispose([x, dy, y, dx]);
  });
});

describe('nested models', () => {
  it('a Sequential block inside a functional model gives the same maps as the flat model', async () => {
    const flat = flattenModel(4, 1, 2, 3, 61);
    const block = tf.sequential({ name: 'block' });
    block.add(tf.layers.conv2d({ name: 'inner_conv', inputShape: [4, 4, 1], filters: 2, kernelSize: 3, padding: 'same', activation: 'relu' }));
    const input = tf.input({ shape: [4, 4, 1] });
    const features = block.apply(input) as tf.SymbolicTensor;
    const dense = tf.layers.dense({ name: 'fc', units: 3, activation: 'softmax' });
    const out = dense.apply(tf.layers.flatten().apply(features)) as tf.SymbolicTensor;
    const nested = tf.model({ inputs: input, outputs: out, name: 'nested' });
    block.getLayer('inner_conv').setWeights(flat.getLayer('feat').getWeights());
    dense.setWeights(flat.getLayer('fc').getWeights());
    const images = seededImages(2, 4, 4, 1, 62);
    expect(defaultLayerName(nested)).toBe('inner_conv');
    const a = await gradCam(flat, images, { target: [0, 2], layer: 'feat' });
    const b = await gradCam(nested, images, { target: [0, 2], layer: 'inner_conv' });
    layerActivations(nested, images, 'fc').dispose(); // a layer after the block: the block stays expanded
    const ga = await guidedBackprop(flat, images, { target: 1 });
    const gb = await guidedBackprop(nested, images, { target: 1 });
    for (let i = 0; i < 2; i++) {
      expect(maxAbsDiff(a[i].data, b[i].data)).toBeLessThan(1e-6);
      expect(maxAbsDiff(ga[i].data, gb[i].data)).toBeLessThan(1e-6);
    }
    images.dispose();
    flat.dispose();
    nested.dispose();
  });

  it('a block applied twice runs as one opaque block: plain methods work, guided ones say why they cannot', async () => {
    const block = tf.sequential({ name: 'twice' });
    block.add(tf.layers.conv2d({ inputShape: [4, 4, 2], filters: 2, kernelSize: 3, padding: 'same', activation: 'relu', name: 'shared_conv' }));
    const input = tf.input({ shape: [4, 4, 2] });
    const once = block.apply(input) as tf.SymbolicTensor;
    const twice = block.apply(once) as tf.SymbolicTensor;
    const gap = tf.layers.globalAveragePooling2d({}).apply(twice) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 2, activation: 'softmax' }).apply(gap) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    const images = seededImages(1, 4, 4, 2, 63);
    const z = classScores(model, images);
    const p = model.predict(images) as tf.Tensor;
    const softmaxOfZ = tf.softmax(z);
    expect(maxAbsDiff(softmaxOfZ.dataSync(), p.dataSync())).toBeLessThan(1e-6);
    await expect(guidedBackprop(model, images)).rejects.toThrow(/nested model\(s\) twice are applied more than once/);
    tf.dispose([z, p, softmaxOfZ, images]);
    model.dispose();
  });
});

describe('caching and the caller’s model', () => {
  it('caches one plan per model, holding no tensors', () => {
    const model = gapModel(6, 2, 3, 4, 71);
    const before = tf.memory().numTensors;
    const plan = modelPlan(model);
    expect(modelPlan(model)).toBe(plan);
    expect(plan.layerInfo('feat')).toBe(plan.layerInfo('feat'));
    plan.calls('guided');
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('rebuilds the plan when a Sequential grows after a first call', () => {
    const model = tf.sequential();
    model.add(tf.layers.conv2d({ inputShape: [4, 4, 1], filters: 2, kernelSize: 3, padding: 'same', name: 'first' }));
    model.add(tf.layers.flatten());
    const images = seededImages(1, 4, 4, 1, 2);
    classScores(model, images).dispose();
    model.add(tf.layers.dense({ units: 3, activation: 'softmax', name: 'head' }));
    const z = classScores(model, images);
    expect(z.shape).toEqual([1, 3]);
    expect(modelPlan(model).softmaxDense?.name).toBe('head');
    tf.dispose([z, images]);
    model.dispose();
  });

  it('never changes the model — activations, weights, graph — even when a target throws', async () => {
    const model = skipModel(6, 5);
    const images = seededImages(2, 6, 6, 2, 6);
    const layers = layerSnapshot(model);
    const weights = weightSnapshot(model);
    const predicted = (model.predict(images) as tf.Tensor).arraySync();
    const failing = (scores: tf.Tensor1D): tf.Scalar => {
      throw new Error(`target failed on ${scores.shape}`);
    };
    const before = tf.memory().numTensors;
    await expect(gradCam(model, images, { target: failing })).rejects.toThrow(/target failed/);
    await expect(guidedBackprop(model, images, { target: failing })).rejects.toThrow(/target failed/);
    expect(tf.memory().numTensors).toBe(before);
    // A target that fails only on real scores throws inside the gradient tape, after the look-alike
    // layers ran: the model must still be intact, and the tape's saved tensors freed.
    const late = (scores: tf.Tensor1D): tf.Scalar => {
      if (scores.abs().sum().dataSync()[0] > 0) throw new Error('late failure');
      return scores.sum() as tf.Scalar;
    };
    await expect(guidedGradCam(model, images, { target: late })).rejects.toThrow(/late failure/);
    await expect(guidedBackprop(model, images, { target: late })).rejects.toThrow(/late failure/);
    await expect(gradCam(model, images, { target: late })).rejects.toThrow(/late failure/);
    await expect(lib.cam(model, images, { target: late })).rejects.toThrow(/late failure/);
    expect(tf.memory().numTensors).toBe(before);
    await gradCam(model, images, { target: 1 });
    await guidedBackprop(model, images, { target: 2 });
    expect(layerSnapshot(model)).toEqual(layers);
    expect(weightSnapshot(model)).toEqual(weights);
    const after = model.predict(images) as tf.Tensor;
    expect(after.arraySync()).toEqual(predicted);
    tf.dispose([after, images]);
    model.dispose();
  });
});

describe('default target layer', () => {
  it('is the last convolutional layer on the path to the scores', () => {
    const skip = skipModel(6, 1);
    const flat = flattenModel();
    expect(defaultLayerName(skip)).toBe('c3');
    expect(defaultLayerName(flat)).toBe('feat');
    const dense = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2 })] });
    expect(() => defaultLayerName(dense)).toThrow(/no convolutional layer.*options\.layer/);
    setSeededWeights(flat, 1);
    skip.dispose();
    flat.dispose();
    dense.dispose();
  });
});
