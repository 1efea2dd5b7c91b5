/**
 * Test helper: the layouts of src/models/vgg16.ts (same layer names, 3×3 same-padding ReLU convs in
 * VGG16's five blocks, 2×2 max pools, flatten, fc6–fc8 / CAM_conv, GAP, CAM_fc, softmax) at the tiny
 * widths of the converter fixtures (scripts/fixtures/make_convert_fixtures.py).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import type { ArchModelOptions, ConvertArch } from '../../src/convert/architectures';

export const FIXTURES = path.join(__dirname, '..', 'fixtures', 'convert');

/** A reference JSON written by the fixture script. */
export interface Reference {
  writer: string;
  arch: ConvertArch;
  files: Record<string, string>;
  widths: { blocks: Array<[number, number, number]>; fc: number; classes: number; cam: number };
  inputShape: [number, number, number, number];
  input: number[];
  probabilities: number[];
  features: { layer: string; layout: 'NHWC' | 'NCHW'; shape: [number, number, number, number]; data: number[] };
}

export function readReference(name: string): Reference {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8')) as Reference;
}

export function readFixture(name: string): Uint8Array {
  return new Uint8Array(fs.readFileSync(path.join(FIXTURES, name)));
}

/** A builder for convertToModel's `build` option at the reference's widths. */
export function tinyBuilder(ref: Reference): (arch: ConvertArch, options: ArchModelOptions) => tf.LayersModel {
  return (arch, { inputSize, classes }) => {
    const gap = arch === 'vgg16-gap';
    const model = tf.sequential({ name: gap ? 'tiny_vgg16_gap' : 'tiny_vgg16' });
    for (const [block, convs, filters] of ref.widths.blocks) {
      for (let i = 1; i <= convs; i++) {
        model.add(
          tf.layers.conv2d({
            name: `conv${block}_${i}`,
            filters,
            kernelSize: 3,
            padding: 'same',
            activation: 'relu',
            ...(block === 1 && i === 1 ? { inputShape: [inputSize, inputSize, 3] } : {}),
          }),
        );
      }
      if (block < 5 || !gap) model.add(tf.layers.maxPooling2d({ name: `pool${block}`, poolSize: 2, strides: 2 }));
    }
    if (gap) {
      model.add(tf.layers.conv2d({ name: 'CAM_conv', filters: ref.widths.cam, kernelSize: 3, padding: 'same', activation: 'relu' }));
      model.add(tf.layers.globalAveragePooling2d({ name: 'CAM_pool' }));
      model.add(tf.layers.dense({ name: 'CAM_fc', units: classes, activation: 'softmax' }));
    } else {
      model.add(tf.layers.flatten({ name: 'flatten' }));
      model.add(tf.layers.dense({ name: 'fc6', units: ref.widths.fc, activation: 'relu' }));
      model.add(tf.layers.dense({ name: 'fc7', units: ref.widths.fc, activation: 'relu' }));
      model.add(tf.layers.dense({ name: 'fc8', units: classes, activation: 'softmax' }));
    }
    return model;
  };
}

/** Largest |a − b| over two equally long lists. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** Runs `model` on the reference input: softmax output and conv5_3 in NHWC. */
export function forward(model: tf.LayersModel, ref: Reference): { probabilities: Float32Array; conv5_3: Float32Array } {
  return tf.tidy(() => {
    const x = tf.tensor4d(ref.input, ref.inputShape);
    const features = tf.model({ inputs: model.inputs, outputs: model.getLayer('conv5_3').output as tf.SymbolicTensor });
    return {
      probabilities: (model.predict(x) as tf.Tensor).dataSync() as Float32Array,
      conv5_3: (features.predict(x) as tf.Tensor).dataSync() as Float32Array,
    };
  });
}

/** The reference conv5_3 map in NHWC order (the Caffe reference is NCHW). */
export function referenceFeaturesNhwc(ref: Reference): number[] {
  const { layout, shape, data } = ref.features;
  if (layout === 'NHWC') return data;
  const [, c, h, w] = shape;
  const out = new Array<number>(data.length);
  for (let ci = 0; ci < c; ci++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[(y * w + x) * c + ci] = data[(ci * h + y) * w + x];
  return out;
}
