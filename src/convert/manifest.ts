/**
 * The `manifest.json` written beside a converted model: the fields of the shipped models' manifest
 * (src/weights.ts `WeightsManifest`: name, description, architecture, format, classes, inputSize,
 * preprocessing, layers, training, metrics, files with their SHA-256), with `preprocessing` carrying
 * a channel order and per-channel offsets ({@link ChannelPreprocessing}) and `training.source`
 * describing the converted file.
 */
import { WeightsManifest, sha256 } from '../weights';
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

/**
 * `manifest.json` of a converted model: a shipped model's {@link WeightsManifest} whose
 * `preprocessing` names the channel order and per-channel offsets, and whose `training` says where the
 * weights came from. `classes` are ImageNet's names for a 1,000-way head; `metrics` is empty (none
 * measured by the converter).
 */
export interface ConvertedManifest extends Omit<WeightsManifest, 'preprocessing' | 'training' | 'architecture'> {
  /** Function of src/models that builds the architecture. */
  readonly architecture: 'vgg16' | 'vgg16Gap';
  readonly preprocessing: ChannelPreprocessing;
  /** Not trained here: the converted file and the tool. */
  readonly training: { readonly source: ConvertedSource; readonly convertedBy: string };
}

/** SHA-256 of bytes, lowercase hex (the shipped models' hash). */
export const sha256Hex = sha256;

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
