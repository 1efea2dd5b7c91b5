/**
 * Measures how well the shipped models localize on the synthetic benchmark's test split and writes
 * the numbers into weights/<name>/manifest.json (`metrics.localization`; manifest.json carries the
 * hashes of the other files and is not itself hashed, so this does not invalidate them).
 *
 *   npx tsx scripts/report-localization.ts [--model cam-default|gradcam-default] [--images 1000]
 *                                          [--weights-dir weights] [--dry-run]
 *
 * Protocol (CAM paper, Zhou et al. CVPR 2016; src/metrics/localization.ts): the map of the true
 * class, box around the largest 8-connected component of {v > 0.2·max v}; GT-known localization
 * = share of images whose box has IoU ≥ 0.5 with the true box; top-1 localization additionally
 * needs the top-1 class to be right. Methods: CAM (cam-default only: it needs GAP) and Grad-CAM
 * (both models), from src/cam.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { benchmarkBatch } from '../src/bench/accuracy';
import { createBenchmark } from '../src/bench/generator';
import { cam } from '../src/cam/cam';
import { gradCam } from '../src/cam/grad-cam';
import { CAM_PROTOCOL_THRESHOLD } from '../src/metrics/boxesFromHeatmap';
import { localizeSample } from '../src/metrics/localization';
import { defaultWeightsDir, load, scalarPreprocessing, SHIPPED_MODELS } from '../src/weights';
import { Heatmap } from '../src/types';

type Method = 'cam' | 'gradCam';

interface Tally {
  images: number;
  gtKnown: number;
  top1: number;
  iouSum: number;
}

function arg(argv: string[], flag: string): string | undefined {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function heatmaps(method: Method, model: tf.LayersModel, x: tf.Tensor4D, labels: Int32Array, layer: string): Promise<Heatmap[]> {
  const target = Array.from(labels);
  return method === 'cam' ? cam(model, x, { target }) : gradCam(model, x, { target, layer });
}

async function report(name: string, weightsDir: string, images: number, dryRun: boolean): Promise<void> {
  const { model, manifest } = await load(name, { weightsDir });
  const [size] = manifest.inputSize;
  const seed = Number((manifest.training as { seed?: number }).seed ?? 0);
  const bench = await createBenchmark({ size, seed });
  const methods: Method[] = manifest.architecture === 'camDefault' ? ['cam', 'gradCam'] : ['gradCam'];
  const tallies = new Map<Method, Tally>(methods.map((m) => [m, { images: 0, gtKnown: 0, top1: 0, iouSum: 0 }]));
  const { scale, offset } = scalarPreprocessing(manifest);
  const batch = 25;
  const start = Date.now();
  let correct = 0;
  for (let first = 0; first < images; first += batch) {
    const n = Math.min(batch, images - first);
    const { x, labels } = benchmarkBatch(bench, 'test', first, n, scale, offset);
    const rankings = tf.tidy(() => tf.topk(model.predict(x) as tf.Tensor2D, 5).indices.arraySync() as number[][]);
    for (const method of methods) {
      const maps = await heatmaps(method, model, x, labels, manifest.layers.lastConv);
      const tally = tallies.get(method)!;
      maps.forEach((map, i) => {
        const box = bench.sample('test', first + i).box;
        const outcome = localizeSample(map, [box], labels[i], rankings[i]);
        tally.images++;
        tally.iouSum += outcome.iou;
        if (outcome.gtKnown) tally.gtKnown++;
        if (outcome.top1) tally.top1++;
      });
    }
    rankings.forEach((r, i) => (correct += r[0] === labels[i] ? 1 : 0));
    x.dispose();
    if ((first / batch) % 8 === 7) console.log(`[report] ${name}: ${first + n}/${images}`);
  }
  const localization: Record<string, unknown> = {
    split: 'test',
    images,
    protocol: `map of the true class; box around the largest 8-connected component of v > ${CAM_PROTOCOL_THRESHOLD}·max; correct when IoU ≥ 0.5 (CAM paper)`,
    command: `npx tsx scripts/report-localization.ts --model ${name} --images ${images}`,
  };
  for (const [method, t] of tallies) {
    localization[method] = { gtKnownLoc: t.gtKnown / t.images, top1Loc: t.top1 / t.images, meanIoU: t.iouSum / t.images };
    console.log(
      `[report] ${name} ${method}: GT-known loc ${((100 * t.gtKnown) / t.images).toFixed(2)}%, top-1 loc ${((100 * t.top1) / t.images).toFixed(2)}%, ` +
        `mean IoU ${(t.iouSum / t.images).toFixed(3)} on ${t.images} test images`,
    );
  }
  console.log(`[report] ${name}: top-1 ${((100 * correct) / images).toFixed(2)}% (${((Date.now() - start) / 1000).toFixed(0)} s)`);
  model.dispose();
  if (dryRun) return;
  const file = path.join(weightsDir, name, 'manifest.json');
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { metrics: Record<string, unknown> };
  json.metrics = { ...json.metrics, localization };
  fs.writeFileSync(file, JSON.stringify(json, null, 2) + '\n');
  console.log(`[report] wrote metrics.localization to ${file}`);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  await initBackend();
  const weightsDir = path.resolve(arg(argv, '--weights-dir') ?? defaultWeightsDir());
  const images = Number(arg(argv, '--images') ?? 1000);
  if (!Number.isInteger(images) || images <= 0) throw new Error(`--images must be a positive integer`);
  const only = arg(argv, '--model');
  const names = only === undefined ? [...SHIPPED_MODELS] : [only];
  for (const name of names) await report(name, weightsDir, images, argv.includes('--dry-run'));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
