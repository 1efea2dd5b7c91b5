/**
 * `tf.memory().numTensors` is unchanged after 100 calls of every export of the localization code
 * (one call after a warm-up for the VGG16 builders, which allocate whole networks).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as lib from '../../src';
import { tf } from '../../src';
import { dominantEigenvector } from '../../src/cam/eigen-cam';
import { seededImages, skipModel } from './fixtures';

const CALLS = 100;

describe("every export doesn't leak", () => {
  let model: tf.LayersModel;
  let images: tf.Tensor4D;
  beforeAll(() => {
    model = skipModel(6, 131);
    images = seededImages(2, 6, 6, 2, 132);
  });
  afterAll(() => {
    images.dispose();
    model.dispose();
  });

  async function expectNoLeak(name: string, call: () => unknown, calls = CALLS): Promise<void> {
    await call(); // warm-up: builds the cached plan (which holds no tensors anyway)
    const before = tf.memory().numTensors;
    for (let i = 0; i < calls; i++) {
      const result = await call();
      if (result instanceof tf.Tensor) result.dispose();
      else if (result && typeof result === 'object' && 'logits' in (result as object)) tf.dispose(result as tf.TensorContainer);
    }
    expect(tf.memory().numTensors, name).toBe(before);
  }

  const targets = [1, lib.softmaxTarget(2)];
  const methods = ['cam', 'gradCam', 'gradCamPlusPlus', 'xGradCam', 'layerCam', 'hiResCam', 'scoreCam', 'eigenCam', 'guidedBackprop', 'guidedGradCam'] as const;
  for (const name of methods) {
    it(`${name} doesn't leak`, async () => {
      await expectNoLeak(name, () => lib[name](model, images, { target: targets }));
      await expectNoLeak(`${name} (default target)`, () => lib[name](model, images), 10);
    });
  }

  it("topK, classScores, layerActivations, forwardPass, layerGradients, inputGradients don't leak", async () => {
    await expectNoLeak('topK', () => lib.topK(model, images, 2));
    await expectNoLeak('classScores', () => lib.classScores(model, images));
    await expectNoLeak('layerActivations', () => lib.layerActivations(model, images, 'c2'));
    await expectNoLeak('forwardPass', () => lib.forwardPass(model, images, 'c2'));
    await expectNoLeak('layerGradients', () => lib.layerGradients(model, images, 'c2', targets));
    await expectNoLeak('inputGradients', () => lib.inputGradients(model, images, targets, true));
    await expectNoLeak('defaultLayerName', () => lib.defaultLayerName(model));
    await expectNoLeak('plumbingReport', () => lib.plumbingReport(model));
  });

  it("targets, guidedRelu and the core helpers don't leak", async () => {
    const z = tf.tensor2d([[0.1, 0.5, -0.2]]);
    const maps = tf.tensor3d([1, 2, 3, 4], [1, 2, 2]);
    for (const target of [lib.classTarget(1), lib.topClassTarget(), lib.softmaxTarget(0), lib.classSumTarget([0, 2])]) {
      await expectNoLeak('target', () => tf.tidy(() => target(tf.reshape(z, [3]) as tf.Tensor1D)).dispose());
    }
    await expectNoLeak('sumOfTargets', () => lib.sumOfTargets(z, lib.resolveTargets(2, 1, 3)));
    await expectNoLeak('scoreRows', () => tf.dispose(lib.scoreRows(z)));
    await expectNoLeak('checkTargets', () => lib.checkTargets([lib.classTarget(2)], 3));
    await expectNoLeak('guidedRelu', () => tf.grad((x: tf.Tensor) => lib.guidedRelu(x).sum())(maps));
    await expectNoLeak('normalizeMaps', () => lib.normalizeMaps(maps));
    await expectNoLeak('upsampleMaps', () => lib.upsampleMaps(maps, 5, 3));
    await expectNoLeak('camStructure', () => lib.camStructure(model));
    await expectNoLeak('dominantEigenvector', () => dominantEigenvector(new Float64Array([2, 1, 1, 2]), 2));
    await expectNoLeak('toHeatmaps', () => lib.toHeatmaps(maps.clone()));
    await expectNoLeak('toGradientImages', () => lib.toGradientImages(tf.ones([1, 2, 2, 3]) as tf.Tensor4D));
    tf.dispose([z, maps]);
  });

  it("the method weight functions don't leak", async () => {
    const activations = tf.tidy(() => tf.relu(tf.randomNormal([1, 3, 3, 4], 0, 1, 'float32', 1))) as tf.Tensor4D;
    const gradients = tf.randomNormal([1, 3, 3, 4], 0, 1, 'float32', 2) as tf.Tensor4D;
    for (const weights of [lib.gradCamWeights, lib.gradCamPlusPlusWeights, lib.xGradCamWeights, lib.layerCamWeights, lib.hiResCamWeights]) {
      await expectNoLeak(weights.name, () => weights({ activations, gradients }));
    }
    tf.dispose([activations, gradients]);
  });

  it("vgg16 and vgg16Gap don't leak once disposed", async () => {
    await expectNoLeak('vgg16', () => lib.vgg16({ inputSize: 32, classes: 3 }).dispose(), 1);
    await expectNoLeak('vgg16Gap', () => lib.vgg16Gap({ inputSize: 16, classes: 3 }).dispose(), 1);
  });
});
