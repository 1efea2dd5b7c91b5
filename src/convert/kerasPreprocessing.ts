/**
 * The input conventions of Keras models (`keras.applications.imagenet_utils.preprocess_input`'s
 * modes), as a converted model's manifest records them ({@link ChannelPreprocessing}), and which
 * keras.applications network uses which — so `--arch auto` can pick it from the model's name when the
 * user gives no `--preprocess`:
 *
 * - `caffe`: RGB → BGR, minus the ImageNet mean pixel (B, G, R) = (103.939, 116.779, 123.68), no scaling
 *   (ResNet50/101/152, VGG16/19);
 * - `tf`: x / 127.5 − 1, RGB (MobileNet, MobileNetV2, InceptionV3, Xception, InceptionResNetV2,
 *   NASNet, ResNet-V2);
 * - `torch`: (x / 255 − mean) / std with mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225), RGB
 *   (DenseNet);
 * - `none`: the model takes pixels in [0, 255] and normalises inside (EfficientNet, EfficientNetV2,
 *   ConvNeXt, RegNet, MobileNetV3 have Rescaling/Normalization layers).
 */
import { ChannelPreprocessing, VGG_MEAN_BGR } from './preprocessing';

/** The preprocessing modes of `--preprocess`. */
export const PREPROCESS_MODES = ['caffe', 'tf', 'torch', 'none'] as const;

/** A preprocessing mode. */
export type PreprocessMode = (typeof PREPROCESS_MODES)[number];

const TORCH_MEAN = [0.485, 0.456, 0.406] as const;
const TORCH_STD = [0.229, 0.224, 0.225] as const;

/** The manifest preprocessing of a mode. */
export function preprocessingOf(mode: PreprocessMode, why: string): ChannelPreprocessing {
  const base = { layout: 'NHWC', resize: 'bilinear' } as const;
  switch (mode) {
    case 'caffe':
      return { ...base, colorSpace: 'BGR', scale: 1, offset: [-VGG_MEAN_BGR[0], -VGG_MEAN_BGR[1], -VGG_MEAN_BGR[2]], source: `Keras 'caffe' mode (${why}): RGB→BGR, minus (103.939, 116.779, 123.68)` };
    case 'tf':
      return { ...base, colorSpace: 'RGB', scale: 1 / 127.5, offset: [-1, -1, -1], source: `Keras 'tf' mode (${why}): x / 127.5 − 1` };
    case 'torch': {
      const scale = TORCH_STD.map((s) => 1 / (255 * s)) as [number, number, number];
      const offset = TORCH_MEAN.map((m, i) => -m / TORCH_STD[i]) as [number, number, number];
      return { ...base, colorSpace: 'RGB', scale, offset, source: `Keras 'torch' mode (${why}): (x / 255 − (0.485, 0.456, 0.406)) / (0.229, 0.224, 0.225)` };
    }
    case 'none':
      return { ...base, colorSpace: 'RGB', scale: 1, offset: [0, 0, 0], source: `none (${why}): pixels in [0, 255], the model normalises them itself` };
  }
}

/** keras.applications model names (as `model.name`) and their mode, first match wins. */
const KNOWN_APPLICATIONS: ReadonlyArray<readonly [RegExp, PreprocessMode]> = [
  [/^resnet\d+v2$/i, 'tf'],
  [/^resnet\d+$/i, 'caffe'],
  [/^vgg(16|19)$/i, 'caffe'],
  [/^densenet\d+$/i, 'torch'],
  [/^mobilenet(v2)?_[\d.]+_\d+$/i, 'tf'],
  [/^inception_(v3|resnet_v2)$/i, 'tf'],
  [/^xception$/i, 'tf'],
  [/^nasnet/i, 'tf'],
  [/^(efficientnet|convnext|regnet|mobilenetv3)/i, 'none'],
];

/** The mode of a keras.applications network named `modelName`, or undefined for any other name. */
export function knownApplicationMode(modelName: string): PreprocessMode | undefined {
  return KNOWN_APPLICATIONS.find(([pattern]) => pattern.test(modelName))?.[1];
}

/** Parses `--preprocess`. */
export function parsePreprocessMode(value: string): PreprocessMode {
  const mode = value.trim().toLowerCase();
  if (!(PREPROCESS_MODES as readonly string[]).includes(mode)) {
    throw new Error(`--preprocess must be one of ${PREPROCESS_MODES.join(', ')}, got '${value}'`);
  }
  return mode as PreprocessMode;
}
