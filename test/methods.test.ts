import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { HEATMAP_METHODS, cam, compareMethods, createBenchmark, encodePng, heatmapMethods, loadExample, tf } from '../src/index';

function tinyGapModel(): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 3] });
  let x = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv', kernelInitializer: tf.initializers.randomNormal({ seed: 1 }) }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 3, activation: 'softmax', name: 'fc', kernelInitializer: tf.initializers.randomNormal({ seed: 2 }) }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

describe('method table and comparison', () => {
  it('looks methods up by name and lists the known ones on a typo', () => {
    expect(heatmapMethods(['cam', 'gradCam']).map((m) => m.method)).toEqual([HEATMAP_METHODS.cam, HEATMAP_METHODS.gradCam]);
    expect(() => heatmapMethods(['gradcam'])).toThrow(/unknown method 'gradcam': expected one of cam, gradCam/);
  });

  it('returns for each method the maps the method itself gives, and a median time, without leaking', async () => {
    const model = tinyGapModel();
    const images = tf.randomUniform([2, 8, 8, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const direct = await cam(model, images, { target: 1 });
    const before = tf.memory().numTensors;
    const results = await compareMethods(model, images, { methods: ['cam', 'gradCam', 'eigenCam'], target: 1, repeats: 2 });
    expect(tf.memory().numTensors).toBe(before);
    expect(results.map((r) => r.name)).toEqual(['cam', 'gradCam', 'eigenCam']);
    expect(Array.from(results[0].heatmaps[1].data)).toEqual(Array.from(direct[1].data));
    for (const r of results) expect(r.milliseconds).toBeGreaterThanOrEqual(0);
    await expect(compareMethods(model, images, { repeats: 0 })).rejects.toThrow(/repeats must be a positive integer/);
    images.dispose();
    model.dispose();
  });
});

describe('loadExample', () => {
  it('gives a benchmark sample with its ground truth', async () => {
    const example = await loadExample({ split: 'test', index: 2, size: 64 });
    const sample = (await createBenchmark({ size: 64 })).sample('test', 2);
    expect(example.source).toBe('benchmark test #2');
    expect(Array.from(example.image.data)).toEqual(Array.from(sample.image));
    expect(example.truth).toEqual({ classIndex: sample.classIndex, className: sample.className, box: sample.box, mask: sample.mask });
  });

  it('reads a file of the user, resized to the requested size, without ground truth', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wsol-')), 'own.png');
    fs.writeFileSync(file, await encodePng({ width: 40, height: 20, data: new Uint8Array(40 * 20 * 3).fill(200) }));
    const example = await loadExample({ path: file, size: 16 });
    expect([example.image.width, example.image.height]).toEqual([16, 16]);
    expect(example.truth).toBeUndefined();
    await expect(loadExample({ split: 'holdout' })).rejects.toThrow(/holdout/);
  });
});
