import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { convertFile } from '../../src/convert/convertFile';
import { convertToModel } from '../../src/convert/convertModel';
import { readKerasH5 } from '../../src/convert/readKerasH5';
import { loadConvertedModel, writeConvertedModel } from '../../src/convert/writeConvertedModel';
import { forward, maxAbsDiff, readFixture, readReference, referenceFeaturesNhwc, tinyBuilder } from './tinyVgg';

const TOLERANCE = 1e-4;
const FEATURE_RELATIVE_TOLERANCE = 5e-6;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wsol-convert-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const CASES = [
  { ref: 'caffe_vgg16_reference.json', from: 'caffe' as const },
  { ref: 'caffe_vgg16gap_reference.json', from: 'caffe' as const },
  { ref: 'keras_vgg16_reference.json', from: 'keras' as const },
  { ref: 'keras_vgg16gap_reference.json', from: 'keras' as const },
];

describe('converting the fixtures reproduces the writing tool within 1e-4', () => {
  for (const { ref: refName, from } of CASES) {
    const ref = readReference(refName);
    for (const [layout, file] of Object.entries(ref.files)) {
      it(`${file} (${from}, ${layout}) → ${ref.arch}`, () => {
        const converted = convertFile(readFixture(file), { from, arch: ref.arch, fileName: file, build: tinyBuilder(ref), inputSize: ref.inputShape[1] });
        try {
          expect(converted.inputSize).toBe(ref.inputShape[1]);
          expect(converted.classes).toHaveLength(ref.widths.classes);
          const out = forward(converted.model, ref);
          expect(maxAbsDiff(out.probabilities, ref.probabilities)).toBeLessThan(TOLERANCE);
          // conv5_3 reaches a few hundred here: float32 carries ~7 digits, so compare relative to its largest value.
          const features = referenceFeaturesNhwc(ref);
          const scale = Math.max(1, ...features.map(Math.abs));
          expect(maxAbsDiff(out.conv5_3, features) / scale).toBeLessThan(FEATURE_RELATIVE_TOLERANCE);
          // The head is not degenerate: the check above sees every class.
          expect(Math.max(...ref.probabilities)).toBeLessThan(0.9);
        } finally {
          converted.model.dispose();
        }
      });
    }
  }
});

describe('Keras 3 .weights.h5 without layer names (Keras 3 versions before the name attribute)', () => {
  it('maps conv2d, conv2d_1, … and dense, dense_1, … by creation order and still reproduces Keras', () => {
    const ref = readReference('keras_vgg16_reference.json');
    const bytes = readFixture(ref.files.keras3);
    // Rename the vars groups' attribute 'name' to 'nbme', so that only the class-based keys remain.
    const unnamed = Buffer.from(bytes);
    let at = unnamed.indexOf('name\0');
    let renamed = 0;
    while (at >= 0) {
      unnamed[at + 1] = 'b'.charCodeAt(0);
      renamed++;
      at = unnamed.indexOf('name\0', at + 1);
    }
    expect(renamed).toBeGreaterThan(16);
    const converted = convertFile(new Uint8Array(unnamed), { from: 'keras', arch: 'vgg16', build: tinyBuilder(ref) });
    try {
      expect(converted.weights.layers.map((l) => `${l.name}←${l.sourceName}`).slice(0, 2)).toEqual(['conv1_1←conv2d', 'conv1_2←conv2d_1']);
      expect(converted.weights.layers[15].sourceName).toBe('dense_2');
      expect(maxAbsDiff(forward(converted.model, ref).probabilities, ref.probabilities)).toBeLessThan(TOLERANCE);
    } finally {
      converted.model.dispose();
    }
    expect(() => convertFile(new Uint8Array(unnamed), { from: 'keras', arch: 'vgg16-gap' })).toThrow(
      /the keras3 file names no layers and has 13 conv2d layers where --arch vgg16-gap has 14/,
    );
  });
});

describe('written folder', () => {
  const ref = readReference('caffe_vgg16_reference.json');
  const build = tinyBuilder(ref);

  it('round-trips through model.json + weights.bin + manifest.json with matching hashes and outputs', async () => {
    const converted = convertFile(readFixture('tiny_vgg16_v1.caffemodel'), { from: 'caffe', arch: 'vgg16', fileName: 'tiny_vgg16_v1.caffemodel', build });
    const dir = path.join(tmp, 'roundtrip');
    const { manifest, files } = await writeConvertedModel(converted.model, dir, {
      name: 'tiny-caffe',
      arch: 'vgg16',
      classes: converted.classes,
      inputSize: converted.inputSize,
      preprocessing: converted.preprocessing,
      source: converted.source,
    });
    converted.model.dispose();
    expect(files.map((f) => f.path)).toEqual(['model.json', 'weights.bin']);
    expect(manifest.inputSize).toEqual([64, 64]);
    expect(manifest.layers).toEqual({ lastConv: 'conv5_3', logits: 'fc8' });
    expect(manifest.preprocessing.colorSpace).toBe('BGR');
    expect(manifest.preprocessing.offset).toEqual([-103.939, -116.779, -123.68]);
    expect(manifest.training.source.layout).toBe('caffe-v1');
    const onDisk = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    expect(onDisk).toEqual(JSON.parse(JSON.stringify(manifest)));
    // weights.bin holds every float of the tiny net: 4 bytes per parameter.
    const params = fs.statSync(path.join(dir, 'weights.bin')).size / 4;
    expect(params).toBe(files[1].bytes / 4);

    const { model, preprocess } = await loadConvertedModel(dir);
    try {
      expect(maxAbsDiff(forward(model, ref).probabilities, ref.probabilities)).toBeLessThan(TOLERANCE);
      // preprocess: RGB pixels → BGR minus the VGG mean, at the model's input size
      const before = tf.memory().numTensors;
      const rgb = tf.tensor3d([10, 20, 30], [1, 1, 3]);
      const x = preprocess(rgb);
      expect(x.shape).toEqual([1, 64, 64, 3]);
      expect(maxAbsDiff(x.dataSync().slice(0, 3), [30 - 103.939, 20 - 116.779, 10 - 123.68])).toBeLessThan(1e-4);
      tf.dispose([rgb, x]);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      model.dispose();
    }
  });

  it('refuses a folder whose weights.bin was modified', async () => {
    const dir = path.join(tmp, 'tampered');
    const converted = convertFile(readFixture('tiny_vgg16_v1.caffemodel'), { from: 'caffe', arch: 'vgg16', build });
    await writeConvertedModel(converted.model, dir, {
      name: 'tampered', arch: 'vgg16', classes: converted.classes, inputSize: converted.inputSize,
      preprocessing: converted.preprocessing, source: converted.source,
    });
    converted.model.dispose();
    const bin = fs.readFileSync(path.join(dir, 'weights.bin'));
    bin[0] ^= 1;
    fs.writeFileSync(path.join(dir, 'weights.bin'), bin);
    await expect(loadConvertedModel(dir)).rejects.toThrow(/weights\.bin: SHA-256 .* does not match/);
  });

  it("doesn't leak: convertToModel + dispose, and loadConvertedModel + preprocess + dispose", async () => {
    const kerasRef = readReference('keras_vgg16_reference.json');
    const net = readKerasH5(readFixture(kerasRef.files.keras2));
    const before = tf.memory().numTensors;
    convertToModel(net, 'vgg16', { build: tinyBuilder(kerasRef) }).model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const converted = convertFile(readFixture('tiny_vgg16_v1.caffemodel'), { from: 'caffe', arch: 'vgg16', build });
    const dir = path.join(tmp, 'leak-load');
    await writeConvertedModel(converted.model, dir, {
      name: 'leak-load', arch: 'vgg16', classes: converted.classes, inputSize: converted.inputSize,
      preprocessing: converted.preprocessing, source: converted.source,
    });
    converted.model.dispose();
    const beforeLoad = tf.memory().numTensors;
    const loaded = await loadConvertedModel(dir);
    const rgb = tf.zeros([8, 8, 3]) as tf.Tensor3D;
    tf.dispose([loaded.preprocess(rgb), rgb]);
    loaded.model.dispose();
    expect(tf.memory().numTensors).toBe(beforeLoad);
  });

  it("doesn't leak: convertFile + dispose, and writeConvertedModel", async () => {
    const before = tf.memory().numTensors;
    const converted = convertFile(readFixture('tiny_vgg16gap.caffemodel'), {
      from: 'caffe', arch: 'vgg16-gap', build: tinyBuilder(readReference('caffe_vgg16gap_reference.json')),
    });
    await writeConvertedModel(converted.model, path.join(tmp, 'leak'), {
      name: 'leak', arch: 'vgg16-gap', classes: converted.classes, inputSize: converted.inputSize,
      preprocessing: converted.preprocessing, source: converted.source,
    });
    converted.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
