/**
 * VGG16 (Simonyan & Zisserman, "Very Deep Convolutional Networks for Large-Scale Image
 * Recognition", ICLR 2015, https://arxiv.org/abs/1409.1556) and the VGG16-GAP variant of the CAM
 * paper (Zhou et al., "Learning Deep Features for Discriminative Localization", CVPR 2016,
 * https://arxiv.org/abs/1512.04150), as tfjs-layers models whose layer names are those of the
 * original Caffe prototxts, so converted weights can be assigned by name.
 *
 * Both models take NHWC float images `[batch, inputSize, inputSize, 3]` and end with a softmax; the
 * localization methods read the logits of the last Dense layer themselves.
 */
import * as tf from '@tensorflow/tfjs';

/** Options of {@link vgg16} and {@link vgg16Gap}. */
export interface Vgg16Options {
  /** Side of the square input image, in pixels; must be a positive multiple of 16 (32 for vgg16). @default 224 */
  readonly inputSize?: number;
  /** Number of output classes. @default 1000 */
  readonly classes?: number;
}

/** The convolution blocks of VGG16: `[block, number of 3×3 convs, filters]`. */
const VGG16_BLOCKS: ReadonlyArray<readonly [number, number, number]> = [
  [1, 2, 64],
  [2, 2, 128],
  [3, 3, 256],
  [4, 3, 512],
  [5, 3, 512],
];

function checkOptions(options: Vgg16Options, divisor: number, what: string): { inputSize: number; classes: number } {
  const inputSize = options.inputSize ?? 224;
  const classes = options.classes ?? 1000;
  if (!Number.isInteger(inputSize) || inputSize <= 0 || inputSize % divisor !== 0) {
    throw new RangeError(`${what}: inputSize must be a positive multiple of ${divisor}, got ${inputSize}`);
  }
  if (!Number.isInteger(classes) || classes <= 0) {
    throw new RangeError(`${what}: classes must be a positive integer, got ${classes}`);
  }
  return { inputSize, classes };
}

function conv3x3(name: string, filters: number, inputShape?: number[]): tf.layers.Layer {
  return tf.layers.conv2d({
    name,
    filters,
    kernelSize: 3,
    padding: 'same',
    activation: 'relu',
    ...(inputShape ? { inputShape } : {}),
  });
}

/** Adds conv1_1 … conv5_3 with pool1 … pool4, and pool5 when `withPool5`. */
function addConvBlocks(model: tf.Sequential, inputSize: number, withPool5: boolean): void {
  for (const [block, convs, filters] of VGG16_BLOCKS) {
    for (let i = 1; i <= convs; i++) {
      const first = block === 1 && i === 1;
      model.add(conv3x3(`conv${block}_${i}`, filters, first ? [inputSize, inputSize, 3] : undefined));
    }
    if (block < 5 || withPool5) {
      model.add(tf.layers.maxPooling2d({ name: `pool${block}`, poolSize: 2, strides: 2 }));
    }
  }
}

/**
 * VGG16 (configuration D): conv1_1 … conv5_3 (3×3, same padding, ReLU), pool1 … pool5 (2×2 max),
 * `flatten`, fc6 and fc7 (4096, ReLU), fc8 (`classes`, softmax). Dropout is omitted: it is the
 * identity at inference. Weights are random (Glorot uniform) until converted ones are loaded.
 *
 * @example
 * ```ts
 * const model = vgg16();               // 224×224×3 → 1000 softmax
 * const small = vgg16({ inputSize: 64, classes: 10 });
 * ```
 * @throws RangeError when `inputSize` is not a positive multiple of 32 or `classes` not a positive integer.
 */
export function vgg16(options: Vgg16Options = {}): tf.Sequential {
  const { inputSize, classes } = checkOptions(options, 32, 'vgg16');
  const model = tf.sequential({ name: 'vgg16' });
  addConvBlocks(model, inputSize, true);
  model.add(tf.layers.flatten({ name: 'flatten' }));
  model.add(tf.layers.dense({ name: 'fc6', units: 4096, activation: 'relu' }));
  model.add(tf.layers.dense({ name: 'fc7', units: 4096, activation: 'relu' }));
  model.add(tf.layers.dense({ name: 'fc8', units: classes, activation: 'softmax' }));
  return model;
}

/**
 * VGG16-GAP of the CAM paper (Zhou et al., CVPR 2016): VGG16's conv1_1 … conv5_3 without pool5
 * (so the last maps are `inputSize/16` wide, 14×14 at 224), then `CAM_conv` (3×3, 1024 filters,
 * ReLU), `CAM_pool` (global average pooling) and `CAM_fc` (`classes`, softmax). The class
 * activation map of class c is Σ_k w_k^c · CAM_conv_k, with w the CAM_fc kernel.
 *
 * @example
 * ```ts
 * const model = vgg16Gap();            // 224×224×3 → 14×14×1024 → GAP → 1000 softmax
 * ```
 * @throws RangeError when `inputSize` is not a positive multiple of 16 or `classes` not a positive integer.
 */
export function vgg16Gap(options: Vgg16Options = {}): tf.Sequential {
  const { inputSize, classes } = checkOptions(options, 16, 'vgg16Gap');
  const model = tf.sequential({ name: 'vgg16_gap' });
  addConvBlocks(model, inputSize, false);
  model.add(conv3x3('CAM_conv', 1024));
  model.add(tf.layers.globalAveragePooling2d({ name: 'CAM_pool' }));
  model.add(tf.layers.dense({ name: 'CAM_fc', units: classes, activation: 'softmax' }));
  return model;
}
