/**
 * The two default architectures trained in this repository (weights in `weights/`): VGG16 and
 * VGG16-GAP scaled down to a 128×128 input and 16-32-64-128(-128) channels, so they train on a
 * 2-core machine in about an hour.
 *
 * - {@link camDefault}: the VGG16-GAP design of the CAM paper (Zhou et al., "Learning Deep Features
 *   for Discriminative Localization", CVPR 2016, https://arxiv.org/abs/1512.04150): VGG blocks
 *   without the last pooling, a last 3×3 convolution (`cam_conv`), global average pooling and one
 *   dense softmax layer, so the class activation map is `M_c(x, y) = Σ_k w_k^c f_k(x, y)` over the
 *   16×16 maps `f_k` of `cam_conv`.
 * - {@link gradcamDefault}: the VGG16 design (Simonyan & Zisserman, ICLR 2015,
 *   https://arxiv.org/abs/1409.1556): five VGG blocks with max pooling, `flatten`, a fully
 *   connected layer and a dense softmax layer — the model Grad-CAM (Selvaraju et al., ICCV 2017,
 *   https://arxiv.org/abs/1610.02391) was designed for, since it has no GAP.
 *
 * Every convolution is 3×3, same padding, with a fused ReLU (as in VGG); batch normalisation
 * (Ioffe & Szegedy, ICML 2015) follows each convolution of the blocks, after its ReLU, to train
 * fast from scratch (in gradcamDefault also after `conv5_2`, so the flattened features reaching
 * the dense layers are normalised); `cam_conv` has none, so CAM's maps are its ReLU outputs. Both models
 * end with a Dense layer with a softmax activation; the localization methods read its logits.
 * Initial weights are He-normal, seeded, so a model is reproducible from `seed`.
 */
import * as tf from '@tensorflow/tfjs';

/** Options of {@link camDefault} and {@link gradcamDefault}. */
export interface SmallModelOptions {
  /** Side of the square RGB input; a positive multiple of 16. @default 128 */
  readonly inputSize?: number;
  /** Number of classes of the softmax. @default 20 */
  readonly classes?: number;
  /** Seed of the He-normal initialisers. @default 0 */
  readonly seed?: number;
}

/**
 * The four VGG blocks as `[number of 3×3 convolutions, channels]`: one convolution in the two
 * high-resolution blocks and two in the others, like VGG configuration A (VGG11), which keeps
 * most of the computation where the maps are small.
 */
export const SMALL_BLOCKS: ReadonlyArray<readonly [number, number]> = [
  [1, 16],
  [1, 32],
  [2, 64],
  [2, 128],
];

/** Name of the last convolution of {@link camDefault}: the feature maps of CAM. */
export const CAM_DEFAULT_LAST_CONV = 'cam_conv';
/** Name of the last convolution of {@link gradcamDefault}: the feature maps of Grad-CAM. */
export const GRADCAM_DEFAULT_LAST_CONV = 'conv5_2';

interface Resolved {
  inputSize: number;
  classes: number;
  seed: number;
}

function resolve(options: SmallModelOptions, what: string, multiple = 16): Resolved {
  const inputSize = options.inputSize ?? 128;
  const classes = options.classes ?? 20;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(inputSize) || inputSize <= 0 || inputSize % multiple !== 0) {
    throw new RangeError(`${what}: inputSize must be a positive multiple of ${multiple}, got ${inputSize}`);
  }
  if (!Number.isInteger(classes) || classes < 2) throw new RangeError(`${what}: classes must be an integer ≥ 2, got ${classes}`);
  if (!Number.isInteger(seed) || seed < 0) throw new RangeError(`${what}: seed must be a non-negative integer, got ${seed}`);
  return { inputSize, classes, seed };
}

/** A seeded He-normal initialiser; `k` numbers the layers so each gets its own stream. */
function he(seed: number, k: number): ReturnType<typeof tf.initializers.heNormal> {
  return tf.initializers.heNormal({ seed: seed * 1000 + k });
}

function conv(name: string, filters: number, seed: number, k: number, inputShape?: number[]): tf.layers.Layer {
  return tf.layers.conv2d({
    name,
    filters,
    kernelSize: 3,
    padding: 'same',
    activation: 'relu',
    kernelInitializer: he(seed, k),
    ...(inputShape ? { inputShape } : {}),
  });
}

/**
 * Adds the VGG blocks `conv{b}_1, bn{b}_1, conv{b}_2, bn{b}_2[, pool{b}]`: block `b` ends in a
 * `pools[b]`×`pools[b]` max pooling of the same stride (none where it is 0), and the last block's
 * last batch normalisation is added only when `normLast`.
 */
function addBlocks(
  model: tf.Sequential,
  r: Resolved,
  blocks: ReadonlyArray<readonly [number, number]>,
  pools: readonly number[],
  normLast: boolean,
): void {
  let k = 0;
  blocks.forEach(([convs, filters], i) => {
    const b = i + 1;
    const last = b === blocks.length;
    for (let j = 1; j <= convs; j++) {
      model.add(conv(`conv${b}_${j}`, filters, r.seed, k++, b === 1 && j === 1 ? [r.inputSize, r.inputSize, 3] : undefined));
      if (!(last && j === convs && !normLast)) model.add(tf.layers.batchNormalization({ name: `bn${b}_${j}` }));
    }
    const pool = pools[i] ?? 0;
    if (pool > 0) model.add(tf.layers.maxPooling2d({ name: `pool${b}`, poolSize: pool, strides: pool }));
  });
}

/**
 * `cam-default`: VGG16-GAP scaled down. 128×128×3 → conv1 (16) → pool → conv2 (32) → pool →
 * conv3 (64) → pool → conv4 (128) → `cam_conv` (3×3, 128, ReLU; 16×16 maps) → `gap` (global
 * average pooling) → `fc` (Dense, softmax).
 *
 * @example
 * ```ts
 * const model = camDefault();            // [n,128,128,3] → [n,20]
 * ```
 * @throws RangeError when `inputSize` is not a positive multiple of 16 or `classes` < 2.
 */
export function camDefault(options: SmallModelOptions = {}): tf.Sequential {
  const r = resolve(options, 'camDefault');
  const model = tf.sequential({ name: 'cam_default' });
  addBlocks(model, r, SMALL_BLOCKS, [2, 2, 2, 0], true);
  model.add(conv(CAM_DEFAULT_LAST_CONV, 128, r.seed, 100));
  model.add(tf.layers.globalAveragePooling2d({ name: 'gap' }));
  model.add(
    tf.layers.dense({ name: 'fc', units: r.classes, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: r.seed * 1000 + 101 }) }),
  );
  return model;
}

/**
 * The fifth VGG block of {@link gradcamDefault}: two 3×3 convolutions of 128 channels at 1/8 of the
 * input (16×16 for 128), like the fourth block.
 */
export const GRADCAM_FIFTH_BLOCK: readonly [number, number] = [2, 128];

/**
 * Pooling after each block of {@link gradcamDefault}: 2×2 after the first three, none after the
 * fourth (so `conv5_2` sees 1/8 of the input, 16×16 at 128 px: Grad-CAM's maps are as fine as
 * cam-default's), 4×4 after the fifth, so `flatten` gets 1/32 of the input (4×4×128), as in VGG16
 * (224 → 7×7).
 */
export const GRADCAM_POOLS: readonly number[] = [2, 2, 2, 0, 4];

/**
 * `gradcam-default`: VGG16 scaled down. 128×128×3 → conv1 (16) → pool → conv2 (32) → pool →
 * conv3 (64) → pool → conv4 (128) → conv5 (128; `conv5_2` gives 16×16 maps) → pool 4×4 →
 * `flatten` (4·4·128) → `fc1` (256, ReLU) → `dropout` (0.3) → `fc` (Dense, softmax).
 *
 * @example
 * ```ts
 * const model = gradcamDefault();        // [n,128,128,3] → [n,20]
 * ```
 * @throws RangeError when `inputSize` is not a positive multiple of 32 or `classes` < 2.
 */
export function gradcamDefault(options: SmallModelOptions = {}): tf.Sequential {
  const r = resolve(options, 'gradcamDefault', 32);
  const model = tf.sequential({ name: 'gradcam_default' });
  addBlocks(model, r, [...SMALL_BLOCKS, GRADCAM_FIFTH_BLOCK], GRADCAM_POOLS, true);
  model.add(tf.layers.flatten({ name: 'flatten' }));
  model.add(tf.layers.dense({ name: 'fc1', units: 256, activation: 'relu', kernelInitializer: he(r.seed, 100) }));
  // No seed: a seeded tfjs Dropout draws the same mask at every step (see weights/README.md).
  model.add(tf.layers.dropout({ name: 'dropout', rate: 0.3 }));
  model.add(
    tf.layers.dense({ name: 'fc', units: r.classes, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: r.seed * 1000 + 101 }) }),
  );
  return model;
}
