/**
 * Bring your own model (issue 18): keras.applications architectures written by Keras 3.15 with random
 * seeded weights (test/fixtures/byom, scripts/fixtures/make_byom_fixtures.py) are converted with their
 * own configuration and must reproduce Keras' logits, and Grad-CAM computed in Python with
 * tf.GradientTape; bad files fail with clear errors and write nothing; load() takes folders, model.json
 * paths and URLs.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { buildKerasModel } from '../../src/convert/buildKerasModel';
import { runConvertCli } from '../../src/convert/cli';
import { NoModelConfigError, convertKerasModel } from '../../src/convert/convertKerasModel';
import { storedZipMember } from '../../src/convert/kerasArchive';
import { readKerasModelFile } from '../../src/convert/kerasModelFile';
import { translateKerasConfig } from '../../src/convert/kerasConfigToTfjs';
import { cam } from '../../src/cam/cam';
import { gradCam } from '../../src/cam/grad-cam';
import { topK } from '../../src/cam/top-k';
import { guidedBackprop } from '../../src/cam/guided-backprop';
import { HEATMAP_METHODS, heatmapMethods } from '../../src/methods';
import { classScores } from '../../src/model/forward';
import { defaultLayerName } from '../../src/model/graph';
import { load } from '../../src/weights';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'byom');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wsol-byom-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface GradCamReference {
  readonly layer: string;
  readonly class: number;
  readonly map: number[];
  readonly shape: [number, number];
}
interface Reference {
  readonly inputSize: number;
  readonly logits: number[];
  readonly probabilities: number[];
  readonly lastConv: string;
  readonly top: number;
  readonly gradCam?: GradCamReference;
  readonly gradCamClass3?: GradCamReference;
  readonly gradCamDefault?: GradCamReference;
}

function reference(name: string): Reference {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}_reference.json`), 'utf8')) as Reference;
}

/** The fixture script's input: x[i] = (7919 i mod 251) − 100 over the flattened NHWC tensor. */
function fixedInput(size: number): tf.Tensor4D {
  return tf.tensor4d(Float32Array.from({ length: size * size * 3 }, (_, i) => ((i * 7919) % 251) - 100), [1, size, size, 3]);
}

/** max |a − b| / max |b|. */
function relativeError(a: ArrayLike<number>, b: readonly number[]): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const CASES: ReadonlyArray<readonly [string, string, string]> = [
  // fixture, file, expected default layer (the last convolution, or the first cut after it)
  ['resnet50', 'resnet50.h5', 'conv5_block1_add'],
  ['resnet50', 'resnet50.keras', 'conv5_block1_add'],
  ['mobilenetv2', 'mobilenetv2.keras', 'Conv_1'],
  ['densenet121', 'densenet121.keras', 'conv5_block1_concat'],
  ['efficientnetb0', 'efficientnetb0.h5', 'top_conv'],
  ['efficientnetb0', 'efficientnetb0.keras', 'top_conv'],
  ['inceptionv3', 'inceptionv3.keras', 'mixed10'],
  ['nested', 'nested.h5', 'sep'],
  ['nested', 'nested.keras', 'sep'],
  ['nested', 'nested_keras2.h5', 'sep'],
];

describe('--arch auto reproduces Keras', () => {
  for (const [name, file, defaultLayer] of CASES) {
    it(`${file}: logits within 1e-4 relative, probabilities within 1e-5, default layer ${defaultLayer}, no leak`, async () => {
      const ref = reference(name);
      const before = tf.memory().numTensors;
      const { model, manifest } = await convertKerasModel(fs.readFileSync(path.join(FIXTURES, file)), { fileName: file, preprocess: name === 'nested' ? 'tf' : undefined });
      const x = fixedInput(ref.inputSize);
      const logits = classScores(model, x);
      const probabilities = model.predict(x) as tf.Tensor;
      const error = relativeError(logits.dataSync(), ref.logits);
      console.log(`[byom] ${file}: logits max |Δ| / max |logit| = ${error.toExponential(2)}`);
      expect(error).toBeLessThan(1e-4);
      expect(maxAbsDiff(probabilities.dataSync(), ref.probabilities)).toBeLessThan(1e-5);
      expect(defaultLayerName(model)).toBe(defaultLayer);
      expect(manifest.layers.lastConv).toBe(defaultLayer);
      expect(manifest.inputSize).toEqual([ref.inputSize, ref.inputSize]);
      tf.dispose([x, logits, probabilities]);
      model.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('records the input convention of known keras.applications names', async () => {
    const expected: Record<string, [string, number | readonly number[]]> = {
      resnet50: ['BGR', 1],
      densenet121: ['RGB', [1 / (255 * 0.229), 1 / (255 * 0.224), 1 / (255 * 0.225)]],
      efficientnetb0: ['RGB', 1],
      inceptionv3: ['RGB', 1 / 127.5],
    };
    for (const [name, [colorSpace, scale]] of Object.entries(expected)) {
      const { model, manifest } = await convertKerasModel(fs.readFileSync(path.join(FIXTURES, `${name}.keras`)), { fileName: name });
      model.dispose();
      expect(manifest.preprocessing.colorSpace).toBe(colorSpace);
      expect(manifest.preprocessing.scale).toEqual(scale);
    }
    await expect(convertKerasModel(fs.readFileSync(path.join(FIXTURES, 'nested.keras')), { fileName: 'nested.keras' })).rejects.toThrow(
      /model 'user_model' is not a keras.applications network.*--preprocess caffe\|tf\|torch\|none/,
    );
  });
});

describe('a trained Keras Sequential (the shipped cam-default rebuilt in Keras 3 with Rescaling inside)', () => {
  it('reproduces Keras and the shipped tfjs model on x / 255, and gives the same CAM', async () => {
    const ref = reference('cam_default');
    const out = path.join(tmp, 'cam-default-keras');
    const result = await runConvertCli(
      [path.join(FIXTURES, 'cam_default.keras'), '--out', out, '--preprocess', 'none', '--classes', path.join(FIXTURES, 'cam_default_classes.txt')],
      { log: () => undefined },
    );
    expect(result.manifest.classes[0]).toBe('cat');
    const converted = await load(out);
    const shipped = await load('cam-default');
    const pixels = tf.tidy(() => fixedInput(ref.inputSize).add(100) as tf.Tensor4D);
    const scaled = tf.tidy(() => pixels.div(255) as tf.Tensor4D);
    const ours = classScores(converted.model, pixels);
    const theirs = classScores(shipped.model, scaled);
    const vsKeras = relativeError(ours.dataSync(), ref.logits);
    const vsShipped = relativeError(ours.dataSync(), Array.from(theirs.dataSync()));
    console.log(`[byom] cam_default.keras: logits vs Keras ${vsKeras.toExponential(2)}, vs the shipped tfjs model on x / 255 ${vsShipped.toExponential(2)}`);
    expect(vsKeras).toBeLessThan(1e-4);
    expect(vsShipped).toBeLessThan(1e-5);
    expect(converted.manifest.layers.lastConv).toBe('cam_conv');
    const [topOurs] = await topK(converted.model, pixels, 5);
    const [topTheirs] = await topK(shipped.model, scaled, 5);
    expect(topOurs.classes).toEqual(topTheirs.classes);
    expect(maxAbsDiff(topOurs.scores, topTheirs.scores)).toBeLessThan(1e-6);
    const [a] = await cam(converted.model, pixels, { target: 3 });
    const [b] = await cam(shipped.model, scaled, { target: 3 });
    expect(maxAbsDiff(a.data, b.data)).toBeLessThan(1e-5);
    tf.dispose([pixels, scaled, ours, theirs]);
    converted.model.dispose();
    shipped.model.dispose();
  });
});

describe('every method on every converted architecture', () => {
  it('runs at the default layer (adds, concatenations, nested models), maps in [0, 1], no tensor leaks', async () => {
    for (const name of ['resnet50', 'mobilenetv2', 'densenet121', 'efficientnetb0', 'inceptionv3', 'nested']) {
      const ref = reference(name);
      const { model } = await convertKerasModel(fs.readFileSync(path.join(FIXTURES, `${name}.keras`)), { fileName: name, preprocess: 'none' });
      const x = fixedInput(ref.inputSize);
      const before = tf.memory().numTensors;
      for (const { name: method, method: run } of heatmapMethods(Object.keys(HEATMAP_METHODS).filter((m) => m !== 'cam'))) {
        const [map] = await run(model, x, { target: ref.top });
        let lo = Infinity;
        let hi = -Infinity;
        for (const v of map.data) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
        expect([name, method, lo >= 0 && hi <= 1 && Number.isFinite(lo)]).toEqual([name, method, true]);
        expect([map.width, map.height]).toEqual([ref.inputSize, ref.inputSize]);
      }
      const [guided] = await guidedBackprop(model, x, { target: ref.top });
      expect(guided.data.some((v) => v !== 0)).toBe(true);
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
      model.dispose();
    }
  });
});

describe('Grad-CAM on the converted ResNet50-style fixture', () => {
  it('equals the tf.GradientTape reference (scores before softmax, same layer) within 1e-4', async () => {
    const ref = reference('resnet50');
    const { model } = await convertKerasModel(fs.readFileSync(path.join(FIXTURES, 'resnet50.keras')), { fileName: 'resnet50.keras' });
    const x = fixedInput(ref.inputSize);
    for (const expected of [ref.gradCam!, ref.gradCamClass3!, ref.gradCamDefault!]) {
      const options = { target: expected.class, upsample: false, ...(expected.layer === defaultLayerName(model) ? {} : { layer: expected.layer }) };
      const [map] = await gradCam(model, x, options);
      expect([map.height, map.width]).toEqual(expected.shape);
      const diff = maxAbsDiff(map.data, expected.map);
      console.log(`[byom] Grad-CAM at ${expected.layer}, class ${expected.class}: max |Δ| = ${diff.toExponential(2)} (maps in [0, 1])`);
      expect(diff).toBeLessThan(1e-4);
    }
    x.dispose();
    model.dispose();
  });
});

describe('npm run convert -- <file> (auto)', () => {
  it('converts a .keras read with fs.readFileSync (a Buffer) and load() reads the folder back', async () => {
    const out = path.join(tmp, 'resnet');
    const lines: string[] = [];
    const result = await runConvertCli([path.join(FIXTURES, 'resnet50.keras'), '--out', out], { log: (l) => lines.push(l) });
    expect(result.args.arch).toBe('auto');
    expect(lines.join('\n')).toMatch(/conv1_conv \(Conv2D\)\s+kernel \[7, 7, 3, 64\] ← layers\/conv2d\/vars\/0/);
    expect(fs.readdirSync(out).sort()).toEqual(['manifest.json', 'model.json', 'weights.bin']);
    expect(fs.readdirSync(tmp).filter((f) => f.includes('writing'))).toEqual([]);
    const loaded = await load(out);
    expect(loaded.manifest.architecture).toBe('keras:resnet50');
    expect(result.verifiedWeights).toBe(loaded.model.weights.length);
    const ref = reference('resnet50');
    const x = fixedInput(ref.inputSize);
    const logits = classScores(loaded.model, x);
    expect(relativeError(logits.dataSync(), ref.logits)).toBeLessThan(1e-4);
    tf.dispose([x, logits]);
    loaded.model.dispose();
  });

  it('takes --classes and --preprocess', async () => {
    const names = path.join(tmp, 'names.txt');
    fs.writeFileSync(names, Array.from({ length: 10 }, (_, i) => `thing ${i}`).join('\n') + '\n');
    const out = path.join(tmp, 'nested');
    const result = await runConvertCli([path.join(FIXTURES, 'nested.h5'), '--out', out, '--preprocess', 'torch', '--classes', names], { log: () => undefined });
    expect(result.manifest.classes[9]).toBe('thing 9');
    expect(result.manifest.preprocessing.offset).toEqual([-0.485 / 0.229, -0.456 / 0.224, -0.406 / 0.225]);
    fs.writeFileSync(names, 'a\nb\n');
    await expect(runConvertCli([path.join(FIXTURES, 'nested.h5'), '--out', path.join(tmp, 'n2'), '--preprocess', 'tf', '--classes', names], { log: () => undefined })).rejects.toThrow(
      /--classes gives 2 names but the model has 10 outputs/,
    );
    expect(fs.existsSync(path.join(tmp, 'n2'))).toBe(false);
  });
});

describe('bad input: clear errors, nothing written', () => {
  const refused = async (file: string, bytes: Uint8Array | undefined, pattern: RegExp): Promise<void> => {
    const source = path.join(tmp, file);
    if (bytes !== undefined) fs.writeFileSync(source, bytes);
    const out = path.join(tmp, `out-${file}`);
    await expect(runConvertCli([bytes === undefined ? path.join(FIXTURES, file) : source, '--out', out, '--preprocess', 'none'], { log: () => undefined })).rejects.toThrow(pattern);
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.readdirSync(tmp).filter((f) => f.includes('writing'))).toEqual([]);
  };

  it('a layer tfjs cannot build is named with its class', async () => {
    await refused('unsupported.keras', undefined, /layer 'grouped_conv' \(Conv2D\): groups = 2 is not supported by tfjs-layers/);
  });

  it('a layer class tfjs-layers lacks (a Lambda) is named with its class, before anything is built', () => {
    const file = readKerasModelFile(fs.readFileSync(path.join(FIXTURES, 'nested.keras')), 'nested.keras')!;
    const edited = JSON.parse(JSON.stringify(file.config));
    edited.config.layers.find((l: { name: string }) => l.name === 'post_relu').class_name = 'Lambda';
    expect(() => translateKerasConfig(edited)).toThrow(/layer 'post_relu' \(Lambda\): tfjs-layers 4\.22\.0 has no layer class 'Lambda'/);
    edited.config.layers.find((l: { name: string }) => l.name === 'post_relu').class_name = 'Activation';
    edited.config.layers.find((l: { name: string }) => l.name === 'post_relu').config.activation = 'hard_silu';
    expect(() => translateKerasConfig(edited)).toThrow(/layer 'post_relu' \(Activation\): activation 'hard_silu' is not one tfjs-layers 4\.22\.0 knows/);
  });

  it('a truncated archive', async () => {
    const whole = fs.readFileSync(path.join(FIXTURES, 'nested.keras'));
    await refused('truncated.keras', whole.subarray(0, Math.floor(whole.length * 0.6)), /truncated\.keras: truncated or not a zip archive/);
  });

  it('a truncated .h5', async () => {
    const whole = fs.readFileSync(path.join(FIXTURES, 'nested.h5'));
    await refused('truncated.h5', whole.subarray(0, Math.floor(whole.length * 0.6)), /truncated\.h5/);
  });

  it('a weights-only file needs --arch', async () => {
    const bytes = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'convert', 'tiny_vgg16_keras3.weights.h5'));
    await expect(convertKerasModel(bytes, { fileName: 'w.weights.h5' })).rejects.toThrow(NoModelConfigError);
    await expect(convertKerasModel(bytes, { fileName: 'w.weights.h5' })).rejects.toThrow(/holds weights only.*--arch vgg16\|vgg16-gap/);
  });

  it('configuration and weights that disagree name the layer, its class and both shapes', async () => {
    const before = tf.memory().numTensors;
    const file = readKerasModelFile(fs.readFileSync(path.join(FIXTURES, 'nested.h5')), 'nested.h5')!;
    const edited = JSON.parse(JSON.stringify(file.config));
    const backbone = edited.config.layers.find((l: { name: string }) => l.name === 'backbone');
    Object.assign(backbone.config.layers.find((l: { name: string }) => l.name === 'pw').config, { kernel_size: [3, 3], padding: 'same' });
    await expect(buildKerasModel({ ...file, config: edited }, 'nested.h5')).rejects.toThrow(
      /nested\.h5: layer 'pw' \(Conv2D\): weight 'pw\/kernel' has shape \[3, 3, 8, 8\] in the configuration but \[1, 1, 8, 8\] in the file/,
    );
    const weights = new Map(file.weights);
    weights.set('ghost', weights.get('pw')!);
    await expect(buildKerasModel({ ...file, weights }, 'nested.h5')).rejects.toThrow(/weights for layers the configuration does not have: ghost/);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('load() of any tfjs layers model', () => {
  const prepare = async (): Promise<string> => {
    const out = path.join(tmp, 'for-load');
    if (!fs.existsSync(out)) await runConvertCli([path.join(FIXTURES, 'nested.keras'), '--out', out, '--preprocess', 'tf'], { log: () => undefined });
    return out;
  };

  it('a folder without manifest (tensorflowjs_converter output) needs the preprocessing, then loads', async () => {
    const converted = await prepare();
    const bare = path.join(tmp, 'bare');
    fs.mkdirSync(bare, { recursive: true });
    for (const f of ['model.json', 'weights.bin']) fs.copyFileSync(path.join(converted, f), path.join(bare, f));
    await expect(load(bare)).rejects.toThrow(/no manifest\.json beside model\.json.*preprocessing/);
    const preprocessing = { colorSpace: 'RGB', layout: 'NHWC', resize: 'bilinear', scale: 1 / 127.5, offset: -1 } as const;
    const loaded = await load(path.join(bare, 'model.json'), { preprocessing });
    expect(loaded.manifest.inputSize).toEqual([32, 32]);
    expect(loaded.manifest.layers.lastConv).toBe('sep');
    const ref = reference('nested');
    const x = fixedInput(32);
    const logits = classScores(loaded.model, x);
    expect(relativeError(logits.dataSync(), ref.logits)).toBeLessThan(1e-4);
    const rgb = tf.fill([40, 40, 3], 255) as tf.Tensor3D;
    const input = loaded.preprocess(rgb);
    expect(input.shape).toEqual([1, 32, 32, 3]);
    expect(Math.abs(input.max().dataSync()[0] - 1)).toBeLessThan(1e-6);
    tf.dispose([x, logits, rgb, input]);
    loaded.model.dispose();
  });

  it('a model.json whose topology is a Keras 3 configuration (tensorflowjs_converter on Keras 3) is translated', async () => {
    const converted = await prepare();
    const keras3 = path.join(tmp, 'keras3-json');
    fs.mkdirSync(keras3, { recursive: true });
    const config = JSON.parse(Buffer.from(storedZipMember(fs.readFileSync(path.join(FIXTURES, 'nested.keras')), 'config.json')).toString('utf8'));
    const json = JSON.parse(fs.readFileSync(path.join(converted, 'model.json'), 'utf8'));
    fs.writeFileSync(path.join(keras3, 'model.json'), JSON.stringify({ ...json, modelTopology: { model_config: config } }));
    fs.copyFileSync(path.join(converted, 'weights.bin'), path.join(keras3, 'weights.bin'));
    const loaded = await load(keras3, { preprocessing: { colorSpace: 'RGB', layout: 'NHWC', resize: 'bilinear', scale: 1, offset: 0 } });
    const x = fixedInput(32);
    const logits = classScores(loaded.model, x);
    expect(relativeError(logits.dataSync(), reference('nested').logits)).toBeLessThan(1e-4);
    tf.dispose([x, logits]);
    loaded.model.dispose();
  });

  it('an http URL, with the manifest hashes checked', async () => {
    const converted = await prepare();
    const server = http.createServer((req, res) => {
      const file = path.join(converted, path.basename(req.url ?? ''));
      if (!(req.url ?? '').startsWith('/model/') || !fs.existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200).end(fs.readFileSync(file));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const loaded = await load(`http://127.0.0.1:${port}/model/model.json`);
      expect(loaded.manifest.name).toBe('for-load');
      const x = fixedInput(32);
      const logits = classScores(loaded.model, x);
      expect(relativeError(logits.dataSync(), reference('nested').logits)).toBeLessThan(1e-4);
      tf.dispose([x, logits]);
      loaded.model.dispose();
      await expect(load(`http://127.0.0.1:${port}/missing/`)).rejects.toThrow(/model\.json: file not found/);
    } finally {
      server.close();
    }
  });

  it('refuses a modified file of a folder with manifest', async () => {
    const converted = await prepare();
    const copy = path.join(tmp, 'tampered');
    fs.cpSync(converted, copy, { recursive: true });
    const bin = fs.readFileSync(path.join(copy, 'weights.bin'));
    bin[10] ^= 1;
    fs.writeFileSync(path.join(copy, 'weights.bin'), bin);
    await expect(load(copy)).rejects.toThrow(/weights\.bin: SHA-256 mismatch/);
  });
});
