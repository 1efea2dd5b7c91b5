/**
 * How an image must be prepared for a converted model, recorded in its manifest in the shape of the
 * shipped models' `preprocessing` (src/weights.ts), extended to what Caffe-trained weights need: a
 * channel order and one offset per channel.
 *
 * Both VGG16 sources expect Caffe's convention: pixels in [0, 255], channels in **BGR** order, the
 * per-channel mean subtracted, no scaling: `x[c] = pixel[c] · scale + offset[c]` with `scale = 1` and
 * `offset = −mean`, c over (B, G, R). The VGG authors publish the mean pixel
 * (B, G, R) = (103.939, 116.779, 123.68) with VGG_ILSVRC_16_layers; Keras'
 * `keras.applications.vgg16.preprocess_input` (mode 'caffe') applies exactly this.
 */
import * as tf from '@tensorflow/tfjs';

/** Input preparation of a converted model: resize, reorder channels, then `pixel · scale + offset[c]`. */
export interface ChannelPreprocessing {
  /** Order of the colour channels the first convolution reads. */
  readonly colorSpace: 'RGB' | 'BGR';
  readonly layout: 'NHWC';
  readonly resize: 'bilinear';
  /** Factor applied to pixels in [0, 255]: one number, or one per channel in `colorSpace` order (torch mode). */
  readonly scale: number | readonly [number, number, number];
  /** Added after scaling, per channel, listed in `colorSpace` order (−mean). */
  readonly offset: readonly [number, number, number];
  /** Where the convention comes from. */
  readonly source: string;
}

/** The VGG mean pixel in (B, G, R) order (Simonyan & Zisserman's VGG_ILSVRC_16_layers release). */
export const VGG_MEAN_BGR = [103.939, 116.779, 123.68] as const;

/**
 * Caffe's VGG16 convention: BGR, [0, 255], minus the VGG mean pixel, or minus `meanBgr` (e.g. the
 * channel means of Caffe's ilsvrc_2012_mean image, (104.007, 116.669, 122.679), which some Caffe
 * demos use).
 *
 * @throws RangeError when `meanBgr` does not hold three finite numbers.
 */
export function caffePreprocessing(meanBgr: readonly number[] = VGG_MEAN_BGR): ChannelPreprocessing {
  if (meanBgr.length !== 3 || !meanBgr.every(Number.isFinite)) {
    throw new RangeError(`mean: expected 3 finite numbers (B, G, R), got [${meanBgr.join(', ')}]`);
  }
  return {
    colorSpace: 'BGR',
    layout: 'NHWC',
    resize: 'bilinear',
    scale: 1,
    offset: [-meanBgr[0], -meanBgr[1], -meanBgr[2]],
    source: `Caffe: BGR pixels in [0, 255] minus the mean pixel (B, G, R) = (${meanBgr.join(', ')})`,
  };
}

/** keras.applications.vgg16.preprocess_input (mode 'caffe'): RGB→BGR, minus the VGG mean pixel. */
export function kerasVgg16Preprocessing(): ChannelPreprocessing {
  return {
    ...caffePreprocessing(VGG_MEAN_BGR),
    source: "keras.applications.vgg16.preprocess_input (mode 'caffe'): RGB→BGR, minus (103.939, 116.779, 123.68), no scaling",
  };
}

/**
 * Applies a converted model's preprocessing to RGB pixels in [0, 255]: bilinear resize to
 * `inputSize` (when the size differs), channel reorder to `colorSpace`, then
 * `x[c] = pixel[c] · scale + offset[c]`. Returns a new float32 `[n, inputSize, inputSize, 3]` tensor
 * the caller disposes; the input is not changed.
 *
 * @throws RangeError when the input is not `[h, w, 3]` or `[n, h, w, 3]`, or `inputSize` is not a
 *   positive integer.
 */
export function applyChannelPreprocessing(
  preprocessing: ChannelPreprocessing,
  rgb: tf.Tensor3D | tf.Tensor4D,
  inputSize: number,
): tf.Tensor4D {
  if (!Number.isInteger(inputSize) || inputSize <= 0) throw new RangeError(`inputSize must be a positive integer, got ${inputSize}`);
  if ((rgb.rank !== 3 && rgb.rank !== 4) || rgb.shape[rgb.rank - 1] !== 3) {
    throw new RangeError(`preprocess: expected an RGB tensor [h, w, 3] or [n, h, w, 3], got shape [${rgb.shape.join(', ')}]`);
  }
  return tf.tidy(() => {
    let x = (rgb.rank === 3 ? rgb.expandDims(0) : rgb).toFloat() as tf.Tensor4D;
    if (x.shape[1] !== inputSize || x.shape[2] !== inputSize) x = tf.image.resizeBilinear(x, [inputSize, inputSize]);
    if (preprocessing.colorSpace === 'BGR') x = tf.reverse(x, -1);
    const scale = typeof preprocessing.scale === 'number' ? preprocessing.scale : tf.tensor1d(preprocessing.scale.slice());
    return x.mul(scale).add(tf.tensor1d(preprocessing.offset.slice())) as tf.Tensor4D;
  });
}
