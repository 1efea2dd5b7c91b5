import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { benchmarkTop1 } from '../../src/bench/accuracy';
import { Benchmark, createBenchmark } from '../../src/bench/generator';
import { defaultWeightsDir, load, scalarPreprocessing, sha256, SHIPPED_MODELS } from '../../src/weights';

/** The smoke check: test samples 0 … 9 (classes 0 … 9), from photographs never used in training. */
const HANDFUL = 10;
let bench: Benchmark;

beforeAll(async () => {
  bench = await createBenchmark({ size: 128, seed: 0 });
});

describe.each(SHIPPED_MODELS)('shipped model %s', (name) => {
  const dir = path.join(defaultWeightsDir(), name);

  it('loads with every file hash verified; the manifest matches the model and the benchmark', async () => {
    const { model, manifest } = await load(name);
    for (const [file, hash] of Object.entries(manifest.files)) {
      expect(sha256(new Uint8Array(fs.readFileSync(path.join(dir, file))))).toBe(hash);
    }
    expect(Object.keys(manifest.files)).toContain('model.json');
    expect(manifest.classes).toEqual([...bench.classes]);
    expect(manifest.inputSize).toEqual([128, 128]);
    expect(model.inputs[0].shape).toEqual([null, 128, 128, 3]);
    expect(model.outputs[0].shape).toEqual([null, bench.classes.length]);
    expect(model.getLayer(manifest.layers.lastConv).getClassName()).toBe('Conv2D');
    model.dispose();
  });

  it('scores the test top-1 its manifest records, re-measured on the same test images', async () => {
    const { model, manifest } = await load(name);
    const recorded = manifest.metrics.test as { images: number; top1: number };
    expect(recorded.images).toBeGreaterThanOrEqual(1000);
    const { scale, offset } = scalarPreprocessing(manifest);
    const measured = await benchmarkTop1(model, bench, 'test', recorded.images, scale, offset);
    expect(Math.abs(measured.top1 - recorded.top1)).toBeLessThanOrEqual(1 / recorded.images); // one image of float round-off
    console.log(`[shipped] ${name}: test top-1 ${(measured.top1 * 100).toFixed(1)} % on ${recorded.images} images (quality bar 95 %)`);
    model.dispose();
  }, 300_000);

  it('predicts on a fixed handful of generated test images what its manifest records (smoke check)', async () => {
    const { model, manifest, preprocess } = await load(name);
    const samples = Array.from({ length: HANDFUL }, (_, i) => bench.sample('test', i));
    const predicted = tf.tidy(() => {
      const x = tf.concat(samples.map((s) => preprocess(s)));
      return Array.from((model.predict(x) as tf.Tensor2D).argMax(1).dataSync());
    });
    // Recorded by `npm run record:top1` (test samples 0 … 9); a model without a record must get all right.
    const recorded = (manifest.metrics.test as { handful?: number[] }).handful ?? samples.map((s) => s.classIndex);
    expect(predicted).toEqual(recorded);
    const correct = predicted.filter((c, i) => c === samples[i].classIndex).length;
    expect(correct).toBeGreaterThanOrEqual(HANDFUL / 2);
    model.dispose();
  });

  it('refuses a copy whose weights were modified', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'wsol-shipped-'));
    fs.mkdirSync(path.join(root, name));
    for (const f of fs.readdirSync(dir)) fs.copyFileSync(path.join(dir, f), path.join(root, name, f));
    const shard = Object.keys(JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')).files).find((f) => f.endsWith('.bin'))!;
    const bytes = fs.readFileSync(path.join(root, name, shard));
    bytes[bytes.length - 1] ^= 0x40;
    fs.writeFileSync(path.join(root, name, shard), bytes);
    await expect(load(name, { weightsDir: root })).rejects.toThrow(new RegExp(`${shard.replace('.', '\\.')}: SHA-256 mismatch`));
    fs.rmSync(root, { recursive: true, force: true });
  });

  it("doesn't leak", async () => {
    const before = tf.memory().numTensors;
    const { model, preprocess } = await load(name);
    tf.tidy(() => {
      model.predict(preprocess(bench.sample('test', 0)));
    });
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
