/**
 * Classification accuracy of a model on a split of the synthetic benchmark.
 */
import * as tf from '@tensorflow/tfjs';
import { Benchmark } from './generator';
import { Split } from './splits';

/** Result of {@link benchmarkTop1}. */
export interface Top1Result {
  readonly split: Split;
  /** Number of images classified: samples `0 … images − 1` of the split. */
  readonly images: number;
  /** Share of images whose arg-max class is the true class: `#{argmax p(x_i) = y_i} / n`. */
  readonly top1: number;
  /** Top-1 per class, indexed like `bench.classes`. */
  readonly perClass: readonly number[];
}

/** Options of {@link benchmarkTop1}. */
export interface Top1Options {
  /** Images per forward pass. @default 50 */
  readonly batchSize?: number;
}

/**
 * Packs samples `first … first + count − 1` of `split` into a `[count, size, size, 3]` float32
 * tensor of `pixel · scale + offset`, and their class indices.
 */
export function benchmarkBatch(
  bench: Benchmark,
  split: Split,
  first: number,
  count: number,
  scale: number,
  offset: number,
): { x: tf.Tensor4D; labels: Int32Array } {
  const { size } = bench.options;
  const pixels = size * size * 3;
  const data = new Float32Array(count * pixels);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const s = bench.sample(split, first + i);
    labels[i] = s.classIndex;
    const base = i * pixels;
    for (let p = 0; p < pixels; p++) data[base + p] = s.image[p] * scale + offset;
  }
  return { x: tf.tensor4d(data, [count, size, size, 3]), labels };
}

/**
 * Top-1 accuracy of `model` (a softmax classifier over `bench.classes`) on samples
 * `0 … images − 1` of `split`, with inputs `pixel · scale + offset`.
 */
export async function benchmarkTop1(
  model: tf.LayersModel,
  bench: Benchmark,
  split: Split,
  images: number,
  scale: number,
  offset: number,
  options: Top1Options = {},
): Promise<Top1Result> {
  const batchSize = options.batchSize ?? 50;
  if (!Number.isInteger(images) || images <= 0) throw new RangeError(`images must be a positive integer, got ${images}`);
  const k = bench.classes.length;
  const hits = new Array<number>(k).fill(0);
  const totals = new Array<number>(k).fill(0);
  for (let first = 0; first < images; first += batchSize) {
    const n = Math.min(batchSize, images - first);
    const { x, labels } = benchmarkBatch(bench, split, first, n, scale, offset);
    const predicted = tf.tidy(() => (model.predict(x) as tf.Tensor2D).argMax(1));
    x.dispose();
    const classes = await predicted.data();
    predicted.dispose();
    for (let i = 0; i < n; i++) {
      totals[labels[i]]++;
      if (classes[i] === labels[i]) hits[labels[i]]++;
    }
  }
  const correct = hits.reduce((a, b) => a + b, 0);
  return {
    split,
    images,
    top1: correct / images,
    perClass: hits.map((h, c) => (totals[c] === 0 ? NaN : h / totals[c])),
  };
}

/**
 * The classes a model predicts (arg-max of its output) on the first `count` test samples: the
 * "handful" a manifest records (`metrics.test.handful`) and the weights tests compare with, a quick
 * check that loading and preprocessing still give the shipped model's answers.
 */
export function handfulPredictions(model: tf.LayersModel, bench: Benchmark, scale: number, offset: number, count = 10): number[] {
  const { x } = benchmarkBatch(bench, 'test', 0, count, scale, offset);
  const predicted = tf.tidy(() => Array.from((model.predict(x) as tf.Tensor2D).argMax(1).dataSync()));
  x.dispose();
  return predicted;
}

