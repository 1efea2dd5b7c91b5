/**
 * Guided backpropagation on a converted user model (test/fixtures/byom/nested.*: a nested backbone
 * with a conv+relu, a depthwise conv, batch norm, a ReLU(6) layer, a skip connection, a separable conv
 * with relu6, then an Activation('relu') layer): every ReLU-like activation must follow the guided rule
 * [x > 0]·[∂L/∂y > 0]·∂L/∂y (Springenberg et al. 2015; relu6: [0 < x < 6]). The reference is the same
 * network written here with raw tfjs ops and its own guided ReLUs, from the converted weights.
 * On a model without ReLUs (EfficientNet's swish) guided backpropagation is the plain input gradient.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { guidedBackprop } from '../../src/cam/guided-backprop';
import { convertKerasModel } from '../../src/convert/convertKerasModel';
import { inputGradients } from '../../src/model/gradients';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'byom');

/** A guided ReLU with clipping at `top`: forward clip(x, 0, top); backward [0 < x < top]·relu(dy). */
function guided(top: number): (x: tf.Tensor) => tf.Tensor {
  return tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([x]);
    return {
      value: tf.clipByValue(x, 0, top),
      gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) =>
        tf.relu(dy).mul(tf.logicalAnd(saved.greater(0), saved.less(top)).toFloat()),
    };
  }) as (x: tf.Tensor) => tf.Tensor;
}

function weights(model: tf.LayersModel, layer: string): tf.Tensor[] {
  const backbone = model.getLayer('backbone') as tf.LayersModel;
  const found = layer === 'predictions' ? model.getLayer(layer) : backbone.getLayer(layer);
  return found.getWeights();
}

function input(): tf.Tensor4D {
  return tf.tensor4d(Float32Array.from({ length: 32 * 32 * 3 }, (_, i) => (((i * 7919) % 251) - 100) / 100), [1, 32, 32, 3]);
}

describe('guided backprop on a converted model', () => {
  it('follows the guided rule at relu, relu6, ReLU(6) and Activation(relu) layers, also inside a nested model', async () => {
    const { model } = await convertKerasModel(fs.readFileSync(path.join(FIXTURES, 'nested.keras')), { fileName: 'nested.keras', preprocess: 'tf' });
    const relu = guided(Infinity);
    const relu6 = guided(6);
    const [k1, b1] = weights(model, 'stem');
    const [kdw, bdw] = weights(model, 'dw');
    const [gamma, beta, mean, variance] = weights(model, 'dw_bn');
    const [kpw, bpw] = weights(model, 'pw');
    const [kd, kp, bs] = weights(model, 'sep');
    const [w, b] = weights(model, 'predictions');
    const x = input();
    for (const target of [0, 4, 7]) {
      const reference = tf.grad((image: tf.Tensor) => {
        const h1 = relu(tf.conv2d(image as tf.Tensor4D, k1 as tf.Tensor4D, 1, 'same').add(b1)) as tf.Tensor4D;
        const h2 = tf.depthwiseConv2d(h1, kdw as tf.Tensor4D, 1, 'same').add(bdw);
        const h3 = h2.sub(mean).div(variance.add(1e-3).sqrt()).mul(gamma).add(beta);
        const h5 = tf.conv2d(relu6(h3) as tf.Tensor4D, kpw as tf.Tensor4D, 1, 'valid').add(bpw);
        const h7 = relu6(tf.separableConv2d(h1.add(h5) as tf.Tensor4D, kd as tf.Tensor4D, kp as tf.Tensor4D, 1, 'same').add(bs));
        const logits = tf.matMul(relu(h7).mean([1, 2]) as tf.Tensor2D, w as tf.Tensor2D).add(b);
        return logits.slice([0, target], [1, 1]).sum();
      })(x);
      const [image] = await guidedBackprop(model, x, { target });
      const expected = reference.dataSync();
      let diff = 0;
      let scale = 0;
      for (let i = 0; i < expected.length; i++) {
        diff = Math.max(diff, Math.abs(image.data[i] - expected[i]));
        scale = Math.max(scale, Math.abs(expected[i]));
      }
      expect(scale).toBeGreaterThan(0);
      expect(diff / scale).toBeLessThan(1e-5);
      reference.dispose();
    }
    x.dispose();
    model.dispose();
  });

  it('on a swish model (EfficientNet) equals the plain input gradient: the guided rule applies to ReLUs only', async () => {
    const { model } = await convertKerasModel(fs.readFileSync(path.join(FIXTURES, 'efficientnetb0.keras')), { fileName: 'efficientnetb0.keras' });
    const x = tf.tensor4d(Float32Array.from({ length: 32 * 32 * 3 }, (_, i) => (i * 7919) % 251), [1, 32, 32, 3]);
    const [guidedImage] = await guidedBackprop(model, x, { target: 2 });
    const plain = inputGradients(model, x, 2, false);
    const expected = plain.dataSync();
    let diff = 0;
    let scale = 0;
    for (let i = 0; i < expected.length; i++) {
      diff = Math.max(diff, Math.abs(guidedImage.data[i] - expected[i]));
      scale = Math.max(scale, Math.abs(expected[i]));
    }
    expect(scale).toBeGreaterThan(0);
    expect(diff / scale).toBeLessThan(1e-6);
    tf.dispose([x, plain]);
    model.dispose();
  });
});

describe('input gradients through batch norm (computed with plain ops on the tape)', () => {
  it("equal tfjs' own batch-norm gradient on ResNet50 (scale and centre present), and exist without scale (InceptionV3)", async () => {
    const { model } = await convertKerasModel(fs.readFileSync(path.join(FIXTURES, 'resnet50.keras')), { fileName: 'resnet50.keras' });
    const x = tf.randomUniform([1, 64, 64, 3], -100, 150, 'float32', 5) as tf.Tensor4D;
    const probability = (scores: tf.Tensor1D): tf.Scalar => tf.softmax(scores).slice([3], [1]).sum() as tf.Scalar;
    const ours = inputGradients(model, x, probability, false);
    const native = tf.grad((t: tf.Tensor) => (model.apply(t) as tf.Tensor).slice([0, 3], [1, 1]).sum())(x);
    const a = ours.dataSync();
    const b = native.dataSync();
    let diff = 0;
    let scale = 0;
    for (let i = 0; i < b.length; i++) {
      diff = Math.max(diff, Math.abs(a[i] - b[i]));
      scale = Math.max(scale, Math.abs(b[i]));
    }
    expect(scale).toBeGreaterThan(0);
    expect(diff / scale).toBeLessThan(1e-5);
    tf.dispose([x, ours, native]);
    model.dispose();
    const inception = await convertKerasModel(fs.readFileSync(path.join(FIXTURES, 'inceptionv3.keras')), { fileName: 'inceptionv3.keras' });
    const y = tf.randomUniform([1, 75, 75, 3], -1, 1, 'float32', 5) as tf.Tensor4D;
    // tfjs' fused kernel fails here ("reading 'dataId'"): BatchNormalization(scale=False) has no gamma.
    expect(() => tf.grad((t: tf.Tensor) => (inception.model.apply(t) as tf.Tensor).sum())(y)).toThrow();
    const g = inputGradients(inception.model, y, 3, false);
    expect(g.abs().max().dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([y, g]);
    inception.model.dispose();
  });
});
