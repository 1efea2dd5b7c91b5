import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConvertArgs, readModelFile, runConvertCli } from '../../src/convert/cli';
import { FIXTURES, forward, maxAbsDiff, readReference, tinyBuilder } from './tinyVgg';
import { loadConvertedModel } from '../../src/convert/writeConvertedModel';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wsol-convert-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('parseConvertArgs', () => {
  it('reads the documented form', () => {
    const args = parseConvertArgs(['--from', 'caffe', 'model.caffemodel', '--arch', 'vgg16-gap', '--out', 'weights/cam-vgg16']);
    expect(args).toEqual({ from: 'caffe', file: 'model.caffemodel', arch: 'vgg16-gap', out: 'weights/cam-vgg16', name: 'cam-vgg16', inputSize: undefined, meanBgr: undefined, force: false });
    const more = parseConvertArgs(['--from=keras', '--file', 'v.h5', '--arch=vgg16', '--out', 'o', '--input-size', '224', '--name', 'n', '--force']);
    expect(more).toMatchObject({ from: 'keras', file: 'v.h5', inputSize: 224, name: 'n', force: true });
    expect(parseConvertArgs(['--from', 'caffe', 'a', '--arch', 'vgg16', '--out', 'o', '--mean', '104,117,123']).meanBgr).toEqual([104, 117, 123]);
  });

  it('names what is wrong, with the usage', () => {
    expect(() => parseConvertArgs(['--from', 'torch', 'a', '--arch', 'vgg16', '--out', 'o'])).toThrow(/--from must be caffe or keras, got torch\nusage/);
    expect(() => parseConvertArgs(['--from', 'caffe', 'a', '--out', 'o'])).toThrow(/--from caffe needs --arch vgg16\|vgg16-gap/);
    expect(() => parseConvertArgs(['--from', 'caffe', '--arch', 'vgg16', '--out', 'o'])).toThrow(/no input file given/);
    expect(() => parseConvertArgs(['--from', 'caffe', 'a', 'b', '--arch', 'vgg16', '--out', 'o'])).toThrow(/more than one input file: a, b/);
    expect(() => parseConvertArgs(['--from', 'caffe', 'a', '--arch', 'vgg16', '--out'])).toThrow(/--out needs a value/);
    expect(() => parseConvertArgs(['--from', 'caffe', 'a', '--arch', 'vgg16', '--out', 'o', '--input-size', '-3'])).toThrow(/--input-size must be a positive integer/);
    expect(() => parseConvertArgs(['--from', 'keras', 'a', '--arch', 'vgg16', '--out', 'o', '--mean', '1,2,3'])).toThrow(/--mean applies to --from caffe only/);
    expect(() => parseConvertArgs(['--from', 'caffe', 'a', '--arch', 'vgg16', '--out', 'o', '--verbose'])).toThrow(/unknown option --verbose/);
  });
});

describe('readModelFile', () => {
  it('refuses missing files and folders', () => {
    expect(() => readModelFile(path.join(tmp, 'nope.h5'))).toThrow(/no such file/);
    expect(() => readModelFile(tmp)).toThrow(/not a regular file/);
  });
});

describe('runConvertCli', () => {
  const ref = readReference('keras_vgg16_reference.json');
  const build = tinyBuilder(ref);
  const file = path.join(FIXTURES, 'tiny_vgg16_keras3.weights.h5');

  it('converts, writes, reloads with hashes checked and prints a summary', async () => {
    const out = path.join(tmp, 'keras-tiny');
    const lines: string[] = [];
    const before = tf.memory().numTensors;
    const result = await runConvertCli(['--from', 'keras', file, '--arch', 'vgg16', '--out', out], { log: (l) => lines.push(l), build });
    expect(tf.memory().numTensors).toBe(before);
    expect(result.verifiedWeights).toBe(32); // 16 layers × (kernel, bias), each reloaded byte for byte
    expect(result.manifest.name).toBe('keras-tiny');
    expect(result.manifest.training.source).toMatchObject({ format: 'keras', layout: 'keras3', file: 'tiny_vgg16_keras3.weights.h5' });
    expect(result.manifest.preprocessing.source).toMatch(/preprocess_input/);
    expect(lines.some((l) => /fc6 +← fc1 +\[32, 16\] → kernel \[32, 16\], bias \[16\]/.test(l))).toBe(true);
    expect(lines.some((l) => /^vgg16: \d+ parameters$/.test(l))).toBe(true);
    expect(lines.some((l) => /^vgg16: input 64×64×3 \(BGR/.test(l))).toBe(true);
    expect(lines.some((l) => /the model builds and all 32 weights are identical/.test(l))).toBe(true);
    expect(fs.readdirSync(out).sort()).toEqual(['manifest.json', 'model.json', 'weights.bin']);
    const { model } = await loadConvertedModel(out);
    try {
      expect(maxAbsDiff(forward(model, ref).probabilities, ref.probabilities)).toBeLessThan(1e-4);
    } finally {
      model.dispose();
    }
  });

  it('converts a Keras 3 .keras archive as the CLI reads it (a Node Buffer from fs.readFileSync)', async () => {
    const archive = path.join(FIXTURES, ref.files['keras3-zip']);
    expect(Buffer.isBuffer(readModelFile(archive))).toBe(true);
    const out = path.join(tmp, 'keras-zip');
    const result = await runConvertCli(['--from', 'keras', archive, '--arch', 'vgg16', '--out', out], { log: () => undefined, build });
    expect(result.manifest.training.source).toMatchObject({ layout: 'keras3', file: 'tiny_vgg16.keras' });
    const { model } = await loadConvertedModel(out);
    try {
      expect(maxAbsDiff(forward(model, ref).probabilities, ref.probabilities)).toBeLessThan(1e-4);
    } finally {
      model.dispose();
    }
  });

  it('refuses to overwrite a converted model without --force', async () => {
    const out = path.join(tmp, 'twice');
    const quiet = { log: () => undefined, build };
    await runConvertCli(['--from', 'keras', file, '--arch', 'vgg16', '--out', out], quiet);
    await expect(runConvertCli(['--from', 'keras', file, '--arch', 'vgg16', '--out', out], quiet)).rejects.toThrow(/already holds a model .*--force/);
    await expect(runConvertCli(['--from', 'keras', file, '--arch', 'vgg16', '--out', out, '--force'], quiet)).resolves.toBeDefined();
  });

  it("doesn't leak when the file does not fit the architecture, and writes nothing", async () => {
    const out = path.join(tmp, 'wrong');
    const before = tf.memory().numTensors;
    await expect(
      runConvertCli(['--from', 'keras', file, '--arch', 'vgg16', '--out', out], { log: () => undefined }),
    ).rejects.toThrow(/conv1_1: the vgg16 model expects kernel\/bias \[3, 3, 3, 64\]/);
    expect(tf.memory().numTensors).toBe(before);
    expect(fs.existsSync(out)).toBe(false);
  });
});
