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
interface V1Layer { name?: string; type?: number; bottom?: string[]; top?: string[]; blobs: BlobMessage[]; convolution_param?: Record<string, unknown> }

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

/** The tiny V1 caffemodel with its layer list changed by `edit`, written to a file. */
function editedCaffemodel(name: string, edit: (layers: V1Layer[]) => V1Layer[]): string {
  const type = netParameterMessageType();
  const net = type.toObject(type.decode(readFixture('tiny_vgg16_v1.caffemodel')), { defaults: false }) as { layers: V1Layer[] };
  const file = path.join(tmp, name);
  fs.writeFileSync(file, type.encode(type.fromObject({ ...net, layers: edit(net.layers) })).finish());
  return file;
}
const V1_POOLING = 17;
const named = (layers: V1Layer[], name: string): V1Layer => layers.find((l) => l.name === name)!;

describe('same names, other graph (a caffemodel records its wiring)', () => {
  it('converts a VGG16 wired through its pools with stated 3×3 / pad 1 geometry', async () => {
    const file = editedCaffemodel('wired.caffemodel', (layers) => {
      for (const l of layers) if (l.type === 4) l.convolution_param = { ...l.convolution_param, kernel_size: [3], pad: [1] };
      named(layers, 'conv2_1').bottom = ['pool1'];
      return layers;
    });
    const { manifest } = await runConvertCli(['--from', 'caffe', file, '--arch', 'vgg16', '--out', path.join(tmp, 'wired')], quiet);
    expect(manifest.layers.lastConv).toBe('conv5_3');
  });

  const refused: Array<[string, (layers: V1Layer[]) => V1Layer[], RegExp]> = [
    ['a skip connection', (layers) => { named(layers, 'conv3_1').bottom = ['conv1_2']; return layers; }, /'conv3_1' reads 'conv1_2' from 'conv1_2' \(Convolution\), not from 'conv2_2'/],
    ['a stride-2 convolution', (layers) => { named(layers, 'conv2_1').convolution_param = { kernel_size: [3], pad: [1], stride: [2] }; return layers; }, /'conv2_1' is a 3×3 convolution with pad 1\/1, stride 2\/2, dilation 1\/1/],
    ['a pad-0 convolution', (layers) => { named(layers, 'conv4_2').convolution_param = { kernel_size: [3] }; return layers; }, /'conv4_2' is a 3×3 convolution with pad 0\/0/],
    [
      'a pool inside a block',
      (layers) => {
        const at = layers.findIndex((l) => l.name === 'conv1_2');
        layers.splice(at, 0, { name: 'pool_x', type: V1_POOLING, bottom: ['conv1_1'], top: ['pool_x'], blobs: [] });
        layers[at + 1].bottom = ['pool_x'];
        return layers;
      },
      /'conv1_2' is reached from 'conv1_1' through a pooling layer inside block 1/,
    ],
  ];
  for (const [what, edit, message] of refused) {
    it(`refuses ${what}`, async () => {
      const file = editedCaffemodel(`${what.replace(/ /g, '-')}.caffemodel`, edit);
      const out = path.join(tmp, what.replace(/ /g, '-'));
      await expect(runConvertCli(['--from', 'caffe', file, '--arch', 'vgg16', '--out', out], quiet)).rejects.toThrow(message);
      expect(fs.existsSync(out)).toBe(false);
    });
  }
});

describe('same names, other graph (a whole-model Keras file records its config)', () => {
  const kerasRef = readReference('keras_vgg16_reference.json');
  const files = [kerasRef.files['keras3-legacy'], kerasRef.files['keras3-zip']];

  it('reads the graph of a whole-model .h5 and of a .keras archive, and converts them', () => {
    for (const file of files) {
      const net = readKerasH5(readFixture(file), file);
      expect(net.graph?.find((n) => n.name === 'block2_conv1')).toMatchObject({ type: 'Convolution', inputs: ['block1_pool'], activation: 'relu', conv: { kernel: [3, 3], pad: [1, 1], stride: [1, 1] } });
      expect(net.graph?.find((n) => n.name === 'fc1')).toMatchObject({ type: 'InnerProduct', inputs: ['flatten'] });
      expect(() => mapWeights(net, 'vgg16')).not.toThrow();
    }
    expect(readKerasH5(readFixture(kerasRef.files.keras3)).graph).toBeUndefined(); // .weights.h5: no graph
  });

  for (const file of files) {
    it(`refuses ${file} with a strided convolution or one without its ReLU`, () => {
      // Same-length edits of block2_conv1's config text (an HDF5 attribute, or a zip member whose CRC is not read).
      const original = Buffer.from(readFixture(file));
      const text = original.toString('latin1');
      const start = text.indexOf('"name": "block2_conv1"');
      const stride = text.indexOf('"strides": [1, 1]', start);
      const relu = text.indexOf('"activation": "relu"', start);
      expect(Math.min(start, stride, relu)).toBeGreaterThan(0);
      const at = (i: number, from: string, to: string): Uint8Array => {
        const b = Buffer.from(original);
        expect(b.toString('latin1', i, i + from.length)).toBe(from);
        b.write(to, i, 'latin1');
        return new Uint8Array(b);
      };
      expect(() => mapWeights(readKerasH5(at(stride, '"strides": [1, 1]', '"strides": [2, 2]'), file), 'vgg16')).toThrow(/'block2_conv1' is a 3×3 convolution with pad 1\/1, stride 2\/2/);
      expect(() => mapWeights(readKerasH5(at(relu, '"activation": "relu"', '"activation": "tanh"'), file), 'vgg16')).toThrow(/'block2_conv1' is a convolution with activation 'tanh'/);
    });
  }
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

  it('is caught by the read-back when the disk returns other bytes than those written', async () => {
    const out = path.join(tmp, 'corrupted');
    const corrupting: OpenFile = (file) => {
      const sink = openFileSink(file);
      if (path.basename(file) !== 'weights.bin') return sink;
      let first = true;
      return {
        write(bytes) {
          const copy = Uint8Array.from(bytes);
          if (first && copy.length > 0) copy[0] ^= 1;
          first = false;
          sink.write(copy);
        },
        close: () => sink.close(),
      };
    };
    await expect(runConvertCli(['--from', 'caffe', caffeFile, '--arch', 'vgg16', '--out', out], { ...quiet, openFile: corrupting })).rejects.toThrow(
      /\.writing-[^/]+\/weights\.bin: weight conv1_1\/kernel does not hold the bytes written/,
    );
    expect(fs.existsSync(out)).toBe(false);
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
