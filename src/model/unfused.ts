/**
 * Conv2D and Dense layers computed with separate convolution / matrix product, bias and activation
 * ops, for runs recorded on a gradient tape.
 *
 * Why: tfjs runs a layer with a linear (or non-fusable) activation as a fused kernel even while
 * recording gradients, and the fused kernel's gradient computes the kernel and bias gradients
 * eagerly together with the input gradient. Explanations need only the input (or activation)
 * gradient, so the fused path wastes a weight-gradient convolution per layer — as much work as the
 * forward convolution. Unfused `tf.conv2d` / `tf.matMul` / `tf.add` have lazy per-input gradients,
 * and the tape prunes the weights, which do not depend on the image.
 */
import * as tf from '@tensorflow/tfjs';
import type { Layer, LayerCall } from './graph';

/** An activation function applied after the bias. */
export type ActivationFunction = (x: tf.Tensor) => tf.Tensor;

interface ConvLike {
  readonly kernel: { read(): tf.Tensor };
  readonly bias: { read(): tf.Tensor } | null;
  readonly strides: number[];
  readonly padding: string;
  readonly dataFormat: string;
  readonly dilationRate: number[];
  readonly rank: number;
}

interface DenseLike {
  readonly kernel: { read(): tf.Tensor };
  readonly bias: { read(): tf.Tensor } | null;
}

function conv2dCall(layer: Layer, activation: ActivationFunction): LayerCall | undefined {
  const conv = layer as unknown as ConvLike;
  if (conv.rank !== 2 || conv.dataFormat !== 'channelsLast' || (conv.padding !== 'same' && conv.padding !== 'valid')) {
    return undefined;
  }
  const strides = [conv.strides[0], conv.strides[1]] as [number, number];
  const dilations = [conv.dilationRate[0], conv.dilationRate[1]] as [number, number];
  const padding = conv.padding;
  return (inputs) =>
    tf.tidy(() => {
      const y = tf.conv2d(inputs[0] as tf.Tensor4D, conv.kernel.read() as tf.Tensor4D, strides, padding, 'NHWC', dilations);
      return activation(conv.bias === null ? y : tf.add(y, conv.bias.read()));
    });
}

function denseCall(layer: Layer, activation: ActivationFunction, fallback: LayerCall): LayerCall {
  const dense = layer as unknown as DenseLike;
  return (inputs, kwargs) => {
    const x = inputs[0];
    if (x.rank !== 2) return fallback(inputs, kwargs);
    return tf.tidy(() => {
      const y = tf.matMul(x as tf.Tensor2D, dense.kernel.read() as tf.Tensor2D);
      return activation(dense.bias === null ? y : tf.add(y, dense.bias.read()));
    });
  };
}

interface BatchNormLike {
  readonly axis: number;
  readonly epsilon: number;
  readonly movingMean: { read(): tf.Tensor };
  readonly movingVariance: { read(): tf.Tensor };
  readonly gamma: { read(): tf.Tensor } | null | undefined;
  readonly beta: { read(): tf.Tensor } | null | undefined;
}

/**
 * BatchNormalization at inference, y = (x − μ) / √(σ² + ε) · γ + β (Ioffe & Szegedy, ICML 2015), with
 * plain ops. tfjs' fused batch-norm kernel cannot be differentiated when γ or β is absent (`scale:
 * false` — InceptionV3 — or `center: false`): it saves an undefined tensor for the backward pass.
 */
function batchNormCall(layer: Layer): LayerCall {
  const bn = layer as unknown as BatchNormLike;
  return (inputs) =>
    tf.tidy(() => {
      const x = inputs[0];
      const axis = bn.axis < 0 ? x.rank + bn.axis : bn.axis;
      const shape = x.shape.map((d, i) => (i === axis ? d : 1));
      const param = (v: { read(): tf.Tensor }): tf.Tensor => tf.reshape(v.read(), shape);
      let y = tf.mul(tf.sub(x, param(bn.movingMean)), tf.rsqrt(tf.add(param(bn.movingVariance), bn.epsilon)));
      if (bn.gamma != null) y = tf.mul(y, param(bn.gamma));
      if (bn.beta != null) y = tf.add(y, param(bn.beta));
      return y;
    });
}

/**
 * An unfused call of a Conv2D (2-D, channels-last, same/valid padding) or Dense layer that applies
 * `activation` after the bias, reading the layer's own weight variables; undefined for other
 * layers and configurations (the caller then uses `fallback`).
 */
export function unfusedCall(layer: Layer, activation: ActivationFunction, fallback: LayerCall): LayerCall | undefined {
  const kind = layer.getClassName();
  if (kind === 'Conv2D') return conv2dCall(layer, activation);
  if (kind === 'Dense') return denseCall(layer, activation, fallback);
  return undefined;
}

/** The taped call of a layer without activation that tfjs cannot always differentiate (BatchNormalization), or undefined. */
export function tapeSafeCall(layer: Layer): LayerCall | undefined {
  return layer.getClassName() === 'BatchNormalization' ? batchNormCall(layer) : undefined;
}
