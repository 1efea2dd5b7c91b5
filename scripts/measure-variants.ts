/**
 * Measures how far two legitimate variants of pytorch-grad-cam move this library's maps, on the
 * shipped models and the synthetic benchmark's test images (the figures quoted in the TSDoc of
 * src/cam/grad-cam-plus-plus.ts and src/cam/score-cam.ts):
 *
 * - Grad-CAM++: pytorch-grad-cam adds ε = 1e-6 to α's denominator, 2g² + Σ_ab A_kab g³ + ε; this
 *   library guards an exact zero instead;
 * - Score-CAM: pytorch-grad-cam upsamples the masks with aligned corners; this library with
 *   half-pixel centres (`alignCorners: false`).
 *
 *   npx tsx scripts/measure-variants.ts [--images 20]
 *
 * For each model and variant it prints, over the images (each explained for its predicted class),
 * the median and the largest of max_p |L(p) − L'(p)| between the two normalised maps (values in
 * [0, 1], at the input size), and the median of the mean |Δ|. Asserts nothing.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { benchmarkBatch } from '../src/bench/accuracy';
import { createBenchmark } from '../src/bench/generator';
import { gradientHeatmaps, WeightInputs } from '../src/cam/core';
import { gradCamPlusPlus } from '../src/cam/grad-cam-plus-plus';
import { scoreCam } from '../src/cam/score-cam';
import { Heatmap } from '../src/types';
import { load, scalarPreprocessing, SHIPPED_MODELS } from '../src/weights';

/** pytorch-grad-cam's Grad-CAM++ weights: α = g² / (2g² + Σ_ab A g³ + 1e-6), 0 where g = 0. */
function epsilonWeights({ activations, gradients }: WeightInputs): tf.Tensor4D {
  return tf.tidy(() => {
    const g2 = tf.square(gradients);
    const g3 = tf.mul(g2, gradients);
    const sumA = tf.sum(activations, [1, 2], true);
    const alpha = tf.div(g2, tf.add(tf.add(tf.mul(g2, 2), tf.mul(sumA, g3)), 1e-6));
    const kept = tf.where(tf.notEqual(gradients, 0), alpha, tf.zerosLike(alpha));
    return tf.sum(tf.mul(kept, tf.relu(gradients)), [1, 2], true) as tf.Tensor4D;
  });
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function differences(a: Heatmap[], b: Heatmap[]): { max: number[]; mean: number[] } {
  const max: number[] = [];
  const mean: number[] = [];
  a.forEach((m, i) => {
    let worst = 0;
    let sum = 0;
    for (let p = 0; p < m.data.length; p++) {
      const d = Math.abs(m.data[p] - b[i].data[p]);
      worst = Math.max(worst, d);
      sum += d;
    }
    max.push(worst);
    mean.push(sum / m.data.length);
  });
  return { max, mean };
}

function report(model: string, variant: string, d: { max: number[]; mean: number[] }): void {
  const f = (v: number): string => v.toExponential(2);
  console.log(`${model.padEnd(16)} ${variant.padEnd(34)} max|Δ| median ${f(median(d.max))}, largest ${f(Math.max(...d.max))}; mean|Δ| median ${f(median(d.mean))}`);
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--images');
  const images = i >= 0 ? Number(process.argv[i + 1]) : 20;
  if (!Number.isInteger(images) || images < 1) throw new RangeError(`--images expects a positive integer, got ${process.argv[i + 1]}`);
  console.log(`backend: ${(await initBackend()).name}; ${images} test images per model`);
  for (const name of SHIPPED_MODELS) {
    const { model, manifest } = await load(name);
    const bench = await createBenchmark({ size: manifest.inputSize[0], seed: Number((manifest.training as { seed?: number }).seed ?? 0) });
    const { scale, offset } = scalarPreprocessing(manifest);
    const { x } = benchmarkBatch(bench, 'test', 0, images, scale, offset);
    const predicted = tf.tidy(() => Array.from((model.predict(x) as tf.Tensor2D).argMax(1).dataSync()));
    const options = { target: predicted, layer: manifest.layers.lastConv };
    const ours = await gradCamPlusPlus(model, x, options);
    const theirs = await gradientHeatmaps(model, x, options, epsilonWeights, 'gradCamPlusPlus (ε = 1e-6)');
    report(name, 'Grad-CAM++ ε = 1e-6 in α', differences(ours, theirs));
    const half = await scoreCam(model, x, options);
    const aligned = await scoreCam(model, x, { ...options, alignCorners: true });
    report(name, 'Score-CAM masks with aligned corners', differences(half, aligned));
    x.dispose();
    model.dispose();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
