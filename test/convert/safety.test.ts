/**
 * Issue 14: a file with layers the architecture lacks (a VGG19 as --arch vgg16) is refused, and a
 * failed write leaves neither a partial new folder nor a damaged old one, with an error naming the file.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { netParameterMessageType } from '../../src/convert/caffeSchema';
import { runConvertCli } from '../../src/convert/cli';
import { mapWeights } from '../../src/convert/mapWeights';
import { readKerasH5 } from '../../src/convert/readKerasH5';
import { memoryTensor, SourceLayer } from '../../src/convert/sourceNet';
import { loadConvertedModel } from '../../src/convert/writeConvertedModel';
import { OpenFile, openFileSink } from '../../src/convert/writeFolder';
import { sha256 } from '../../src/weights';
import { FIXTURES, readFixture, readReference, tinyBuilder } from './tinyVgg';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wsol-convert-safety-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const ref = readReference('caffe_vgg16_reference.json');
const build = tinyBuilder(ref);
const quiet = { log: () => undefined, build };
const caffeFile = path.join(FIXTURES, 'tiny_vgg16_v1.caffemodel');

interface BlobMessage { num?: number; channels?: number; height?: number; width?: number; data?: Uint8Array }
interface V1Layer { name?: string; type?: number; blobs: BlobMessage[] }

/** The tiny V1 caffemodel with a 4th 3×3 convolution added after the 3rd of blocks 3–5: VGG19's layout. */
function vgg19Caffemodel(): Uint8Array {
  const type = netParameterMessageType();
  const net = type.toObject(type.decode(readFixture('tiny_vgg16_v1.caffemodel')), { defaults: false }) as { layers: V1Layer[] };
  const layers: V1Layer[] = [];
  for (const layer of net.layers) {
    layers.push(layer);
    const m = /^conv([345])_3$/.exec(layer.name ?? '');
    if (!m) continue;
    const out = layer.blobs[0].num!;
    const kernel = { num: out, channels: out, height: 3, width: 3, data: new Uint8Array(new Float32Array(out * out * 9).fill(0.01).buffer) };
    const bias = { num: 1, channels: 1, height: 1, width: out, data: new Uint8Array(out * 4) };
    layers.push({ ...layer, name: `conv${m[1]}_4`, blobs: [kernel, bias] });
  }
  return type.encode(type.fromObject({ ...net, layers })).finish();
}

describe('layers the architecture does not have', () => {
  it('a VGG19-shaped caffemodel is refused by the CLI as --arch vgg16, naming the surplus layers, and nothing is written', async () => {
    const file = path.join(tmp, 'tiny_vgg19.caffemodel');
    fs.writeFileSync(file, vgg19Caffemodel());
    const out = path.join(tmp, 'vgg19-as-vgg16');
    await expect(runConvertCli(['--from', 'caffe', file, '--arch', 'vgg16', '--out', out], quiet)).rejects.toThrow(
      /The caffe file has weight layers that --arch vgg16 does not have: conv3_4, conv4_4, conv5_4 \(19 weight layers in the file, 16 in vgg16; a 4th convolution in blocks 3–5 is VGG19\)/,
    );
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.readdirSync(tmp).filter((f) => f.includes('writing'))).toEqual([]);
  });

  it('a Keras VGG19 layout (block3_conv4 …) is refused too', () => {
    const net = readKerasH5(readFixture('tiny_vgg16_keras2.h5'));
    const extra = (name: string, c: number): SourceLayer => ({ name, type: '', tensors: [memoryTensor([3, 3, c, c], new Float32Array(9 * c * c)), memoryTensor([c], new Float32Array(c))] });
    const vgg19 = { ...net, layers: [...net.layers, extra('block3_conv4', 6), extra('block4_conv4', 8), extra('block5_conv4', 8)] };
    expect(() => mapWeights(vgg19, 'vgg16')).toThrow(/does not have: block3_conv4, block4_conv4, block5_conv4 .*VGG19/);
  });
});

/** An OpenFile whose weights.bin fails with EFBIG after `limit` bytes, as a full or capped disk does. */
function failingAfter(limit: number): OpenFile {
  return (file) => {
    const sink = openFileSink(file);
    if (path.basename(file) !== 'weights.bin') return sink;
    let written = 0;
    return {
      write(bytes) {
        if (written + bytes.length > limit) throw Object.assign(new Error('EFBIG: file too large, write'), { code: 'EFBIG' });
        written += bytes.length;
        sink.write(bytes);
      },
      close: () => sink.close(),
    };
  };
}

describe('a failed write', () => {
  it('leaves no partial new folder, and names the file', async () => {
    const out = path.join(tmp, 'new-folder');
    const before = tf.memory().numTensors;
    await expect(runConvertCli(['--from', 'caffe', caffeFile, '--arch', 'vgg16', '--out', out], { ...quiet, openFile: failingAfter(1000) })).rejects.toThrow(
      /\.writing-[^/]+\/weights\.bin: EFBIG: file too large, write/,
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.readdirSync(tmp).filter((f) => f.includes('writing'))).toEqual([]);
  });

  it('with --force over a good folder, leaves the old model intact and loadable', async () => {
    const out = path.join(tmp, 'good-folder');
    await runConvertCli(['--from', 'caffe', caffeFile, '--arch', 'vgg16', '--out', out], quiet);
    const hashes = (): Record<string, string> => Object.fromEntries(fs.readdirSync(out).sort().map((f) => [f, sha256(fs.readFileSync(path.join(out, f)))]));
    const good = hashes();
    await expect(
      runConvertCli(['--from', 'caffe', caffeFile, '--arch', 'vgg16', '--out', out, '--force'], { ...quiet, openFile: failingAfter(5000) }),
    ).rejects.toThrow(/weights\.bin: EFBIG/);
    expect(hashes()).toEqual(good);
    const { model } = await loadConvertedModel(out);
    model.dispose();
    expect(fs.readdirSync(tmp).filter((f) => f.includes('writing'))).toEqual([]);
  });

  it('never replaces a folder that is not a model folder, even with --force', async () => {
    const out = path.join(tmp, 'not-a-model');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'notes.txt'), 'mine');
    await expect(runConvertCli(['--from', 'caffe', caffeFile, '--arch', 'vgg16', '--out', out, '--force'], quiet)).rejects.toThrow(
      /holds files but no manifest\.json: not a model folder, so it is never replaced/,
    );
    expect(fs.readdirSync(out)).toEqual(['notes.txt']);
  });
});
