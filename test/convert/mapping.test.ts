import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { archNameOfKerasLayer, parseConvertArch } from '../../src/convert/architectures';
import { convertToModel } from '../../src/convert/convertModel';
import { IMAGENET_CLASSES, classNamesFor } from '../../src/convert/imagenetClasses';
import { makeConvertedManifest } from '../../src/convert/manifest';
import { mapWeights } from '../../src/convert/mapWeights';
import { caffePreprocessing } from '../../src/convert/preprocessing';
import { readCaffemodel } from '../../src/convert/readCaffemodel';
import { readKerasH5 } from '../../src/convert/readKerasH5';
import { SourceLayer, SourceNet, memoryTensor } from '../../src/convert/sourceNet';
import { readFixture, readReference, tinyBuilder } from './tinyVgg';

const kerasNet = readKerasH5(readFixture('tiny_vgg16_keras2.h5'));
const caffeNet = readCaffemodel(readFixture('tiny_vgg16_v1.caffemodel'));
const caffeGapNet = readCaffemodel(readFixture('tiny_vgg16gap.caffemodel'));

function without(net: SourceNet, name: string): SourceNet {
  return { ...net, layers: net.layers.filter((l) => l.name !== name) };
}

/** A tiny GAP net in Keras layout: 1-channel convs, CAM_conv of 2, and a CAM_fc of `classes`. */
function syntheticGapNet(classes: number): SourceNet {
  const conv = (name: string, inC: number, out: number): SourceLayer => ({
    name,
    type: '',
    tensors: [
      memoryTensor([3, 3, inC, out], new Float32Array(9 * inC * out).fill(0.01)),
      memoryTensor([out], new Float32Array(out)),
    ],
  });
  const names = [1, 2, 3, 4, 5].flatMap((b) => Array.from({ length: b <= 2 ? 2 : 3 }, (_, i) => `block${b}_conv${i + 1}`));
  const layers = names.map((n, i) => conv(n, i === 0 ? 3 : 1, 1));
  layers.push(conv('CAM_conv', 1, 2));
  layers.push({ name: 'CAM_fc', type: '', tensors: [memoryTensor([2, classes], new Float32Array(2 * classes)), memoryTensor([classes], new Float32Array(classes))] });
  return { format: 'keras', layout: 'keras3', layers };
}

describe('names', () => {
  it("maps keras.applications' VGG16 names onto the Caffe names", () => {
    expect(archNameOfKerasLayer('block1_conv1')).toBe('conv1_1');
    expect(archNameOfKerasLayer('block5_conv3')).toBe('conv5_3');
    expect(archNameOfKerasLayer('fc1')).toBe('fc6');
    expect(archNameOfKerasLayer('fc2')).toBe('fc7');
    expect(archNameOfKerasLayer('predictions')).toBe('fc8');
    expect(archNameOfKerasLayer('CAM_conv')).toBe('CAM_conv');
  });

  it('parses --arch spellings and refuses others', () => {
    expect(parseConvertArch('vgg16Gap')).toBe('vgg16-gap');
    expect(parseConvertArch('VGG16_GAP')).toBe('vgg16-gap');
    expect(() => parseConvertArch('resnet50')).toThrow(/Unknown architecture 'resnet50': expected one of vgg16, vgg16-gap/);
  });
});

describe('mapWeights', () => {
  it('maps all 16 layers of VGG16 and infers the head and pool5 size', () => {
    const mapped = mapWeights(caffeNet, 'vgg16');
    expect(mapped.layers.map((l) => l.name)).toEqual([
      'conv1_1', 'conv1_2', 'conv2_1', 'conv2_2', 'conv3_1', 'conv3_2', 'conv3_3',
      'conv4_1', 'conv4_2', 'conv4_3', 'conv5_1', 'conv5_2', 'conv5_3', 'fc6', 'fc7', 'fc8',
    ]);
    expect(mapped.classes).toBe(10);
    expect(mapped.flattenSide).toBe(2);
    expect(mapped.layers[13].kernel.shape).toEqual([32, 16]); // fc6: 8 channels × 2 × 2 → 16
  });

  it('names the wrong architecture', () => {
    expect(() => mapWeights(caffeGapNet, 'vgg16')).toThrow(/lacks layers fc6, fc7, fc8 of --arch vgg16; it has every layer of --arch vgg16-gap/);
    expect(() => mapWeights(kerasNet, 'vgg16-gap')).toThrow(/lacks layers CAM_conv, CAM_fc of --arch vgg16-gap; it has every layer of --arch vgg16/);
  });

  it('names a missing layer', () => {
    expect(() => mapWeights(without(kerasNet, 'block3_conv2'), 'vgg16')).toThrow(/lacks layer conv3_2 of --arch vgg16 \(weight layers/);
  });

  it('refuses layers that do not chain, and an fc6 that is not C×S×S', () => {
    const broken = { ...kerasNet, layers: kerasNet.layers.filter((l) => l.name !== 'block2_conv1').concat([{ ...kerasNet.layers[4], name: 'block2_conv1' }]) };
    expect(() => mapWeights(broken, 'vgg16')).toThrow(/conv2_1: its kernel takes 6 input channels but the layer before gives 4/);
    const fc1 = kerasNet.layers.find((l) => l.name === 'fc1')!;
    const odd: SourceLayer = { ...fc1, tensors: [memoryTensor([24, 16], new Float32Array(24 * 16)), fc1.tensors[1]] };
    expect(() => mapWeights({ ...kerasNet, layers: kerasNet.layers.map((l) => (l.name === 'fc1' ? odd : l)) }, 'vgg16')).toThrow(
      /fc6: takes 24 inputs, which is not 8 channels × S × S/,
    );
  });

  it('refuses a layer without exactly a kernel and a bias, and a bias of the wrong length', () => {
    const first = kerasNet.layers[0];
    const noBias = { ...kerasNet, layers: [{ ...first, tensors: [first.tensors[0]] }, ...kerasNet.layers.slice(1)] };
    expect(() => mapWeights(noBias, 'vgg16')).toThrow(/conv1_1 \(file layer 'block1_conv1'\): expected 2 tensors \(kernel, bias\), found 1/);
    const badBias = { ...kerasNet, layers: [{ ...first, tensors: [first.tensors[0], memoryTensor([5], new Float32Array(5))] }, ...kerasNet.layers.slice(1)] };
    expect(() => mapWeights(badBias, 'vgg16')).toThrow(/conv1_1: bias has shape \[5\], expected 4 values/);
  });

  it('reads convolution_param.group and expands the CAM model’s grouped CAM_conv', () => {
    expect(caffeGapNet.layers.find((l) => l.name === 'CAM_conv')!.groups).toBe(2);
    expect(caffeGapNet.layers.find((l) => l.name === 'conv5_3')!.groups).toBe(1);
    const mapped = mapWeights(caffeGapNet, 'vgg16-gap');
    const camConv = mapped.layers.find((l) => l.name === 'CAM_conv')!;
    expect(camConv.sourceShape).toEqual([12, 4, 3, 3]);
    expect(camConv.kernel.shape).toEqual([3, 3, 8, 12]);
    expect(camConv.groups).toBe(2);
    // Without the stated group the same blob does not fit, and the error says why.
    const ungrouped = { ...caffeGapNet, layers: caffeGapNet.layers.map((l) => (l.name === 'CAM_conv' ? { ...l, groups: 1 } : l)) };
    expect(() => mapWeights(ungrouped, 'vgg16-gap')).toThrow(
      /CAM_conv: its kernel takes 4 input channels but the layer before gives 8 \(a grouped convolution of 2 groups\? the file states no group\)/,
    );
  });

  it('does not change the source net', () => {
    const before = caffeNet.layers[0].tensors[0].values();
    mapWeights(caffeNet, 'vgg16');
    expect(caffeNet.layers[0].tensors[0].values()).toEqual(before);
    expect(caffeNet.layers[0].tensors[0].shape).toEqual([4, 3, 3, 3]);
  });
});

describe('convertToModel', () => {
  it('checks every shape against the real vgg16 architecture', () => {
    const before = tf.memory().numTensors;
    expect(() => convertToModel(caffeNet, 'vgg16')).toThrow(
      /conv1_1: the vgg16 model expects kernel\/bias \[3, 3, 3, 64\] \/ \[64\], the file gives \[3, 3, 3, 4\] \/ \[4\]/,
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses an inputSize that contradicts fc6, and a model with unfilled weight layers', () => {
    const build = tinyBuilder(readReference('caffe_vgg16_reference.json'));
    expect(() => convertToModel(caffeNet, 'vgg16', { build, inputSize: 224 })).toThrow(/inputSize 224 does not fit this file: .* must be 64×64/);
    const extra = (...args: Parameters<typeof build>): tf.LayersModel => {
      const model = build(...args) as tf.Sequential;
      model.add(tf.layers.dense({ name: 'extra_head', units: 3 }));
      return model;
    };
    expect(() => convertToModel(caffeNet, 'vgg16', { build: extra })).toThrow(/weight layers the file does not fill: extra_head/);
  });

  it('labels a 1000-way head with ImageNet names in the manifest', () => {
    const converted = convertToModel(syntheticGapNet(1000), 'vgg16-gap', { inputSize: 32, build: tinyBuilder({ ...readReference('keras_vgg16gap_reference.json'), widths: { blocks: [[1, 2, 1], [2, 2, 1], [3, 3, 1], [4, 3, 1], [5, 3, 1]], fc: 1, classes: 1000, cam: 2 } }) });
    try {
      expect(converted.weights.classes).toBe(1000);
      const manifest = makeConvertedManifest({
        name: 'x', arch: 'vgg16-gap', classes: classNamesFor(1000), inputSize: 32, preprocessing: caffePreprocessing(),
        source: { format: 'keras', layout: 'keras3', file: 'x.weights.h5', bytes: 1, sha256: '0' }, files: {},
      });
      expect(manifest.classes).toHaveLength(1000);
      expect(manifest.classes[0]).toBe('tench, Tinca tinca');
      expect(manifest.classes[999]).toBe('toilet tissue, toilet paper, bathroom tissue');
      expect(manifest.architecture).toBe('vgg16Gap');
      expect(manifest.layers).toEqual({ lastConv: 'CAM_conv', logits: 'CAM_fc' });
    } finally {
      converted.model.dispose();
    }
  });
});

describe('classNamesFor', () => {
  it("gives ImageNet's 1000 names for 1000 outputs and placeholders otherwise", () => {
    expect(IMAGENET_CLASSES).toHaveLength(1000);
    // The standard list names two classes 'crane': the bird (n02012849) and the machine (n03126707).
    expect(new Set(IMAGENET_CLASSES).size).toBe(999);
    expect([IMAGENET_CLASSES[134], IMAGENET_CLASSES[517]]).toEqual(['crane', 'crane']);
    expect(classNamesFor(3)).toEqual(['class 0', 'class 1', 'class 2']);
    expect(classNamesFor(1000)[1]).toBe('goldfish, Carassius auratus');
  });
});
