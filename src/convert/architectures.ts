/**
 * The architectures converted weights can land on, by the layer names of the original Caffe
 * prototxts that `src/models/vgg16.ts` uses: VGG16 (Simonyan & Zisserman, ICLR 2015) and the CAM
 * paper's VGG16-GAP (Zhou et al., CVPR 2016); and how Keras' names map onto them.
 */
import * as tf from '@tensorflow/tfjs';
import { vgg16, vgg16Gap } from '../models/vgg16';

/** Architecture names accepted by the converters and the CLI's `--arch`. */
export const CONVERT_ARCHS = ['vgg16', 'vgg16-gap'] as const;

/** An architecture the converters can fill. */
export type ConvertArch = (typeof CONVERT_ARCHS)[number];

/** Which layers of an architecture carry weights, in order. */
export interface ArchLayers {
  /** 3×3 convolutions, `conv1_1` … `conv5_3` (+ `CAM_conv`). */
  readonly conv: readonly string[];
  /** Dense layers (`fc6`, `fc7`, `fc8` or `CAM_fc`); the last one is the classifier head. */
  readonly dense: readonly string[];
  /** The Dense layer fed by a flatten of the last conv block (VGG16's `fc6`), if any. */
  readonly flattened?: string;
}

const VGG16_CONVS = [1, 2, 3, 4, 5].flatMap((block) =>
  Array.from({ length: block <= 2 ? 2 : 3 }, (_, i) => `conv${block}_${i + 1}`),
);

/** The weight layers of each architecture. */
export const ARCH_LAYERS: Readonly<Record<ConvertArch, ArchLayers>> = {
  vgg16: { conv: VGG16_CONVS, dense: ['fc6', 'fc7', 'fc8'], flattened: 'fc6' },
  'vgg16-gap': { conv: [...VGG16_CONVS, 'CAM_conv'], dense: ['CAM_fc'] },
};

/** Parses `--arch`, accepting `vgg16Gap` and `vgg16_gap` for `vgg16-gap`. */
export function parseConvertArch(value: string): ConvertArch {
  const name = value.trim().toLowerCase().replace(/_/g, '-');
  if (name === 'vgg16') return 'vgg16';
  if (name === 'vgg16-gap' || name === 'vgg16gap') return 'vgg16-gap';
  throw new Error(`Unknown architecture '${value}': expected one of ${CONVERT_ARCHS.join(', ')}`);
}

/**
 * The architecture's name for a Keras layer: keras.applications' VGG16 calls the convolutions
 * `block{b}_conv{i}` and the head `fc1`, `fc2`, `predictions`; they become `conv{b}_{i}`, `fc6`,
 * `fc7`, `fc8`. Any other name (`CAM_conv`, `conv1_1`) is kept.
 */
export function archNameOfKerasLayer(name: string): string {
  const block = /^block(\d)_conv(\d)$/.exec(name);
  if (block) return `conv${block[1]}_${block[2]}`;
  const head: Record<string, string> = { fc1: 'fc6', fc2: 'fc7', predictions: 'fc8' };
  return head[name] ?? name;
}

/** Size options of the model an architecture is built with. */
export interface ArchModelOptions {
  readonly inputSize: number;
  readonly classes: number;
}

/** Builds a fresh, randomly initialised model of `arch` (the vgg16 / vgg16Gap of src/models). */
export function buildArchModel(arch: ConvertArch, options: ArchModelOptions): tf.LayersModel {
  return arch === 'vgg16' ? vgg16(options) : vgg16Gap(options);
}
