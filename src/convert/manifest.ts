/**
 * The `manifest.json` written beside a converted model: the fields of the shipped models' manifest
 * (src/weights.ts `WeightsManifest`: name, description, architecture, format, classes, inputSize,
 * preprocessing, layers, training, metrics, files with their SHA-256), with `preprocessing` carrying
 * a channel order and per-channel offsets ({@link ChannelPreprocessing}) and `training.source`
 * describing the converted file.
 */
import * as crypto from 'crypto';
import { ConvertArch } from './architectures';
import { ChannelPreprocessing } from './preprocessing';

/** What was converted. */
export interface ConvertedSource {
  readonly format: 'caffe' | 'keras';
  readonly layout: string;
  readonly file: string;
  readonly bytes: number;
  readonly sha256: string;
}

/** `manifest.json` of a converted model. */
export interface ConvertedManifest {
  readonly name: string;
  readonly description: string;
  /** Function of src/models that builds the architecture: `vgg16` or `vgg16Gap`. */
  readonly architecture: 'vgg16' | 'vgg16Gap';
  readonly format: 'tfjs-layers';
  /** Output i of the softmax is class i (ImageNet's names for a 1,000-way head). */
  readonly classes: readonly string[];
  /** `[height, width]` of the input. */
  readonly inputSize: readonly [number, number];
  readonly preprocessing: ChannelPreprocessing;
  /** The last convolution and the Dense layer of the logits, for the localization methods. */
  readonly layers: { readonly lastConv: string; readonly logits: string };
  /** Not trained here: where the weights came from. */
  readonly training: { readonly source: ConvertedSource; readonly convertedBy: string };
  /** None measured by the converter. */
  readonly metrics: Readonly<Record<string, unknown>>;
  /** SHA-256 (hex) of each file of the folder except manifest.json. */
  readonly files: Readonly<Record<string, string>>;
}

/** SHA-256 of bytes, lowercase hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

/** What {@link makeConvertedManifest} needs. */
export interface ConvertedManifestInput {
  readonly name: string;
  readonly arch: ConvertArch;
  readonly classes: readonly string[];
  readonly inputSize: number;
  readonly preprocessing: ChannelPreprocessing;
  readonly source: ConvertedSource;
  readonly files: Readonly<Record<string, string>>;
}

/** Builds the manifest of a converted model. */
export function makeConvertedManifest(input: ConvertedManifestInput): ConvertedManifest {
  const gap = input.arch === 'vgg16-gap';
  const what = gap ? 'VGG16-GAP (CAM, Zhou et al. 2016)' : 'VGG16 (Simonyan & Zisserman 2015)';
  return {
    name: input.name,
    description: `${what} with weights converted from ${input.source.file} (${input.source.format}, ${input.source.layout} layout)`,
    architecture: gap ? 'vgg16Gap' : 'vgg16',
    format: 'tfjs-layers',
    classes: input.classes.slice(),
    inputSize: [input.inputSize, input.inputSize],
    preprocessing: input.preprocessing,
    layers: gap ? { lastConv: 'CAM_conv', logits: 'CAM_fc' } : { lastConv: 'conv5_3', logits: 'fc8' },
    training: { source: input.source, convertedBy: 'wsol-lab scripts/convert.ts (src/convert)' },
    metrics: {},
    files: { ...input.files },
  };
}
