import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { camDefault } from '../../src/models/small';
import { fsSaveHandler, load, makePreprocess, readModelArtifacts, sha256, WeightsManifest } from '../../src/weights';

const SHARD = 'group1-shard1of1.bin';
let root: string;
let reference: tf.LayersModel;

/** A model folder like the shipped ones, around a tiny untrained camDefault. */
async function writeModelFolder(dir: string, model: tf.LayersModel): Promise<void> {
  await model.save(fsSaveHandler(dir, SHARD));
  const files: Record<string, string> = {};
  for (const f of ['model.json', SHARD]) files[f] = sha256(new Uint8Array(fs.readFileSync(path.join(dir, f))));
  const manifest: WeightsManifest = {
    name: path.basename(dir),
    description: 'test fixture',
    architecture: 'camDefault',
    format: 'tfjs-layers',
    classes: ['a', 'b', 'c'],
    inputSize: [16, 16],
    preprocessing: { colorSpace: 'RGB', layout: 'NHWC', resize: 'bilinear', scale: 1 / 255, offset: 0 },
    layers: { lastConv: 'cam_conv', logits: 'fc' },
    training: {},
    metrics: {},
    files,
  };
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
}

function copyFolder(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const f of fs.readdirSync(from)) fs.copyFileSync(path.join(from, f), path.join(to, f));
}

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'wsol-weights-'));
  reference = camDefault({ inputSize: 16, classes: 3, seed: 9 });
  await writeModelFolder(path.join(root, 'tiny'), reference);
});

afterAll(() => {
  reference.dispose();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('load', () => {
  it('loads a verified folder; the model computes what the saved one did', async () => {
    const { model, manifest } = await load('tiny', { weightsDir: root });
    const x = tf.randomUniform([2, 16, 16, 3], 0, 1, 'float32', 2);
    const [a, b] = [reference, model].map((m) => (m.predict(x) as tf.Tensor).dataSync());
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(manifest.classes).toEqual(['a', 'b', 'c']);
    x.dispose();
    model.dispose();
  });

  it('refuses a tampered weight shard, naming the file', async () => {
    copyFolder(path.join(root, 'tiny'), path.join(root, 'shard'));
    const file = path.join(root, 'shard', SHARD);
    const bytes = fs.readFileSync(file);
    bytes[100] ^= 1;
    fs.writeFileSync(file, bytes);
    await expect(load('shard', { weightsDir: root })).rejects.toThrow(/group1-shard1of1\.bin: SHA-256 mismatch \(manifest [0-9a-f]{64}, file [0-9a-f]{64}\)/);
  });

  it('refuses a tampered model.json, naming the file', async () => {
    copyFolder(path.join(root, 'tiny'), path.join(root, 'json'));
    const file = path.join(root, 'json', 'model.json');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"cam_conv"', '"cam_conX"'));
    await expect(load('json', { weightsDir: root })).rejects.toThrow(/model\.json: SHA-256 mismatch/);
  });

  it('refuses a shard the manifest does not list, and a missing one', async () => {
    copyFolder(path.join(root, 'tiny'), path.join(root, 'extra'));
    const manifestFile = path.join(root, 'extra', 'manifest.json');
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as { files: Record<string, string> };
    delete manifest.files[SHARD];
    fs.writeFileSync(manifestFile, JSON.stringify(manifest));
    await expect(load('extra', { weightsDir: root })).rejects.toThrow(/group1-shard1of1\.bin: not listed in manifest\.json/);
    copyFolder(path.join(root, 'tiny'), path.join(root, 'missing'));
    fs.rmSync(path.join(root, 'missing', SHARD));
    await expect(load('missing', { weightsDir: root })).rejects.toThrow(/group1-shard1of1\.bin: file not found/);
  });

  it('names the shipped models when asked for an unknown one', async () => {
    await expect(load('resnet', { weightsDir: root })).rejects.toThrow(/no model 'resnet'.*cam-default, gradcam-default/);
  });

  it('accepts an absolute folder path, and a relative one from baseDir', async () => {
    const absolute = await load(path.join(root, 'tiny'));
    const relative = await load('./tiny', { baseDir: root });
    const x = tf.randomUniform([1, 16, 16, 3], 0, 1, 'float32', 3);
    const [a, b, c] = [reference, absolute.model, relative.model].map((m) => Array.from((m.predict(x) as tf.Tensor).dataSync()));
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    tf.dispose(x);
    absolute.model.dispose();
    relative.model.dispose();
  });

  it('says where it looked for a missing folder, and refuses a file', async () => {
    const missing = path.join(root, 'nowhere');
    await expect(load(missing)).rejects.toThrow(`load: no folder ${missing} (from '${missing}')`);
    await expect(load('./nowhere', { baseDir: root })).rejects.toThrow(`load: no folder ${missing} (from './nowhere', relative to ${root})`);
    await expect(load('nowhere', { weightsDir: root })).rejects.toThrow(`looked for the folder ${missing}`);
    await expect(load(path.join(root, 'tiny', SHARD))).rejects.toThrow(/group1-shard1of1\.bin is a file, not a model folder/);
    // A model.json path is a model (issue 18): its folder's manifest hashes are checked.
    const viaJson = await load(path.join(root, 'tiny', 'model.json'));
    const byName = await load('tiny', { weightsDir: root });
    expect(viaJson.manifest).toEqual(byName.manifest);
    expect(viaJson.model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(byName.model.getWeights().map((w) => Array.from(w.dataSync())));
    viaJson.model.dispose();
    byName.model.dispose();
  });

  describe('malformed folders whose hashes match', () => {
    /** A copy of the tiny folder changed by `mutate`, its manifest re-hashed so that only the contents are wrong. */
    function malformed(name: string, mutate: (dir: string) => void): string {
      const dir = path.join(root, name);
      copyFolder(path.join(root, 'tiny'), dir);
      mutate(dir);
      const manifestFile = path.join(dir, 'manifest.json');
      const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as { files: Record<string, string> };
      for (const f of Object.keys(manifest.files)) manifest.files[f] = sha256(new Uint8Array(fs.readFileSync(path.join(dir, f))));
      fs.writeFileSync(manifestFile, JSON.stringify(manifest));
      return dir;
    }
    const editJson = (dir: string, edit: (json: any) => void): void => {
      const file = path.join(dir, 'model.json');
      const json = JSON.parse(fs.readFileSync(file, 'utf8'));
      edit(json);
      fs.writeFileSync(file, JSON.stringify(json));
    };
    const cases: Array<[string, (dir: string) => void, RegExp]> = [
      ['truncated shard', (dir) => fs.writeFileSync(path.join(dir, SHARD), fs.readFileSync(path.join(dir, SHARD)).subarray(0, 400)), /group1-shard1of1\.bin: 400 bytes, but model\.json's weightsManifest describes \d+ bytes/],
      ['wrong shape', (dir) => editJson(dir, (j) => { const w = j.weightsManifest[0].weights.find((x: any) => x.shape.length === 1); w.shape = [w.shape[0] + 1]; }), /model\.json: the weights do not fit the model: weight '.*' has shape \[\d+\], the model's variable \[\d+\]/],
      ['wrong name', (dir) => editJson(dir, (j) => { j.weightsManifest[0].weights[1].name = 'nothing'; }), /model\.json: the weights do not fit the model: weight 'nothing' has no variable in the model; the model's variable .* has no weight/],
      ['unknown layer', (dir) => editJson(dir, (j) => { const layers = j.modelTopology.config.layers; layers[layers.length - 1].class_name = 'Nope'; }), /model\.json: the topology does not build a model: Unknown layer: Nope/],
      ['not JSON', (dir) => fs.writeFileSync(path.join(dir, 'model.json'), '{"modelTopology": '), /model\.json: not valid JSON/],
    ];
    for (const [what, mutate, message] of cases) {
      it(`${what}: refused, naming the file, with no tensor left behind`, async () => {
        const dir = malformed(what.replace(/ /g, '-'), mutate);
        const before = tf.memory().numTensors;
        await expect(load(dir)).rejects.toThrow(message);
        expect(tf.memory().numTensors).toBe(before);
      });
    }
  });

  it("doesn't leak (beyond the model's own weights)", async () => {
    const before = tf.memory().numTensors;
    const { model } = await load('tiny', { weightsDir: root });
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('fsSaveHandler / readModelArtifacts', () => {
  it('round-trip the topology and every weight bit for bit', () => {
    const artifacts = readModelArtifacts(path.join(root, 'tiny'));
    const specs = artifacts.weightSpecs ?? [];
    const named = tf.io.decodeWeights(artifacts.weightData as ArrayBuffer, specs);
    const saved = reference.weights.map((w) => w.originalName);
    expect(specs.map((s) => s.name)).toEqual(saved);
    reference.weights.forEach((w) => {
      expect(Array.from(named[w.originalName].dataSync())).toEqual(Array.from(w.read().dataSync()));
    });
    tf.dispose(Object.values(named));
  });
});

describe('preprocess', () => {
  const manifest = { inputSize: [4, 4], preprocessing: { scale: 0.5, offset: -1 } } as unknown as WeightsManifest;
  const preprocess = makePreprocess(manifest);
  const pixels = new Uint8Array(4 * 4 * 3).map((_, i) => i);

  it('computes pixel · scale + offset, from raw pixels or from a tensor', () => {
    const fromPixels = preprocess({ width: 4, height: 4, data: pixels });
    const fromSample = preprocess({ width: 4, height: 4, image: pixels });
    const fromTensor = preprocess(tf.tensor3d(pixels, [4, 4, 3], 'int32'));
    const expected = Array.from(pixels, (v) => v * 0.5 - 1);
    for (const t of [fromPixels, fromSample, fromTensor]) {
      expect(t.shape).toEqual([1, 4, 4, 3]);
      expect(Array.from(t.dataSync())).toEqual(expected);
    }
    tf.dispose([fromPixels, fromSample, fromTensor]);
  });

  it('resizes other sizes bilinearly to the input size (a constant image stays constant)', () => {
    const out = preprocess({ width: 8, height: 6, data: new Uint8Array(8 * 6 * 3).fill(10) });
    expect(out.shape).toEqual([1, 4, 4, 3]);
    for (const v of out.dataSync()) expect(v).toBeCloseTo(4, 5);
    out.dispose();
  });

  it('names the expected length or shape', () => {
    expect(() => preprocess({ width: 4, height: 4, data: new Uint8Array(5) })).toThrow(/expected width\*height\*3 = 48 RGB values for 4×4, got 5/);
    const grey = tf.zeros([4, 4, 1]) as tf.Tensor3D;
    expect(() => preprocess(grey)).toThrow(/expected 3 channels/);
    grey.dispose();
  });

  it("doesn't leak", () => {
    const input = tf.tensor3d(pixels, [4, 4, 3]);
    const before = tf.memory().numTensors;
    preprocess(input).dispose();
    preprocess({ width: 4, height: 4, data: pixels }).dispose();
    expect(tf.memory().numTensors).toBe(before);
    input.dispose();
  });
});
